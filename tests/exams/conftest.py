"""An exam open now on the shipped bank, for the exam tests."""
from datetime import timedelta

import pytest

from examapp.exams import services
from examapp.exams.assembly import Section
from examapp.exams.grading import PARTIAL_HALF
from examapp.extensions import db
from examapp.timeutil import utcnow


def open_exam(duration=30, review="after_submit", **overrides):
    now = utcnow().replace(microsecond=0)
    definition = services.ExamDefinition(
        title=overrides.pop("title", "测试考试"), description="说明", opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2), duration_minutes=duration,
        sections=overrides.pop("sections", [Section("single", 5, 2.0), Section("multiple", 3, 2.0),
                                            Section("truefalse", 3, 1.0), Section("fill", 2, 2.0)]),
        multiple_rule=PARTIAL_HALF, pass_mark=overrides.pop("pass_mark", 12), review_policy=review, **overrides)
    exam = services.save_exam(definition)
    services.publish_exam(exam)
    db.session.commit()
    return exam


@pytest.fixture
def exam(app, bank, demo):
    with app.app_context():
        return open_exam().id
