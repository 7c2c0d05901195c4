"""After the submit storm: is every attempt finished and graded, and does each stored score equal a
fresh grading of the answers stored now? (A save committed after its attempt was graded would differ.)

Run by bench/autosave.py with the app's environment (DATABASE_URL). Grades through the ORM path
(`item_key` per item), independent of the production grader's single-query path. Prints one
JSON line.
"""
from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, os.environ.get("EXAMAPP_SOURCE") or str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from examapp import create_app
from examapp.exams import grading
from examapp.exams.models import FINISHED, Answer, Attempt, PaperItem
from examapp.exams.papers import item_key
from examapp.extensions import db


def main() -> None:
    exam_id = int(sys.argv[1])
    app = create_app()
    with app.app_context():
        attempts = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam_id)
                                      .options(selectinload(Attempt.exam))).all()
        started = [a for a in attempts if a.started_at is not None]
        items = defaultdict(list)
        for item in db.session.scalars(select(PaperItem).join(Attempt).where(
                Attempt.exam_id == exam_id, Attempt.started_at.is_not(None))
                .options(selectinload(PaperItem.version), selectinload(PaperItem.graded_version))):
            items[item.attempt_id].append(item)
        answers = {item_id: value for item_id, value in db.session.execute(
            select(Answer.item_id, Answer.value).join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.exam_id == exam_id))}
        unfinished = [a.id for a in started if a.status not in FINISHED]
        ungraded = [a.id for a in started if a.status in FINISHED and (a.graded_at is None or a.score is None)]
        mismatched = []
        for attempt in started:
            if attempt.status not in FINISHED or attempt.score is None:
                continue
            fresh = round(sum(grading.grade_item(item_key(i), answers.get(i.id), attempt.exam.multiple_rule)
                              for i in items[attempt.id]), 2)
            if abs(fresh - attempt.score) > 1e-6:
                mismatched.append({"attempt": attempt.id, "stored": attempt.score, "fresh": fresh})
        print(json.dumps({"started": len(started), "finished": len(started) - len(unfinished),
                          "unfinished": len(unfinished), "ungraded": len(ungraded),
                          "score_differs_from_stored_answers": len(mismatched), "examples": mismatched[:5],
                          "ok": not (unfinished or ungraded or mismatched)}))


if __name__ == "__main__":
    main()
