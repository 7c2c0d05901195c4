"""The organiser's exam form: settings, audience and one blueprint row per question type."""
from __future__ import annotations

import functools
import re

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from examapp.bank import qtypes
from examapp.exams import grading
from examapp.exams.models import REVIEW_LABELS
from examapp.formutil import BaseForm, choices


class SectionForm(BaseForm):
    class Meta:
        csrf = False

    count = IntegerField("题数", default=0, validators=[Optional(), NumberRange(min=0, max=500)])
    points = DecimalField("每题分值", places=2, default=1, validators=[Optional(), NumberRange(min=0, max=100)])
    # Any number is taken: the exam services refuse, naming the document, a chapter it does not have.
    chapters = SelectMultipleField("限定章（不选为全部）", coerce=int, validate_choice=False)
    articles = StringField("限定条（如 1-9,12）", validators=[Optional(), Length(max=200)])
    easy = IntegerField("易", validators=[Optional(), NumberRange(min=0, max=500)])
    medium = IntegerField("中", validators=[Optional(), NumberRange(min=0, max=500)])
    hard = IntegerField("难", validators=[Optional(), NumberRange(min=0, max=500)])


class ExamForm(BaseForm):
    title = StringField("考试名称", validators=[DataRequired("请填写考试名称"), Length(max=200)])
    description = TextAreaField("考试说明（开考前向考生显示）", validators=[Optional(), Length(max=4000)],
                                render_kw={"rows": 4})
    opens_at = DateTimeLocalField("开始时间（北京时间）", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired("请填写开始时间")])
    closes_at = DateTimeLocalField("结束时间（北京时间）", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("请填写结束时间")])
    duration_minutes = IntegerField("答题时长（分钟）", default=60,
                                    validators=[DataRequired("请填写时长"), NumberRange(min=1, max=600)])
    attempts_allowed = IntegerField("允许作答次数", default=1, validators=[DataRequired(), NumberRange(min=1, max=10)])
    pass_mark = StringField("及格分", default="60%", validators=[Optional(), Length(max=20)])
    multiple_rule = SelectField("多选题计分", choices=choices(grading.MULTIPLE_RULES.items()))
    review_policy = SelectField("成绩与答案查看", choices=choices(REVIEW_LABELS.items()), default="after_close")
    shuffle_questions = BooleanField("打乱题目顺序（同一题型内）", default=True)
    shuffle_options = BooleanField("打乱选项顺序", default=True)
    focus_warn_after = IntegerField("切屏几次后警告（不填为不警告）", validators=[Optional(), NumberRange(min=1, max=1000)])
    focus_submit_after = IntegerField("切屏几次后强制交卷（不填为不限制）", validators=[Optional(), NumberRange(min=1, max=1000)])
    audience = RadioField("参考人员", choices=choices([("all", "全体书记"), ("chosen", "指定党组织")]), default="all")
    organizations = SelectMultipleField("指定党组织", coerce=int)
    document = SelectField("政策文件", coerce=int,
                           validate_choice=False)   # absent: the 《条例》; an unknown id is refused on saving
    submit = SubmitField("保存")

    def section_forms(self):
        return [(qtype, getattr(self, qtype)) for qtype in qtypes.codes()]


@functools.cache
def _exam_form_class(types: tuple[qtypes.QuestionType, ...]) -> type[ExamForm]:
    rows = {t.code: FormField(SectionForm, label=t.label) for t in types}
    return type("ExamForm", (ExamForm,), rows)


def exam_form(**kwargs) -> ExamForm:
    """The exam form with one blueprint row per registered question type (a FormField named by its code)."""
    return _exam_form_class(tuple(qtypes.all_types()))(**kwargs)


def parse_article_list(text: str) -> tuple[int, ...]:
    """'1-9, 12，15' -> (1, ..., 9, 12, 15); raises ValueError with a Chinese message."""
    numbers: set[int] = set()
    for part in re.split(r"[,，、\s]+", (text or "").strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)(?:[-–~～](\d+))?", part)
        if not match:
            raise ValueError(f"“{part}”不是条号或条号范围")
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if low > high:
            raise ValueError(f"“{part}”范围颠倒")
        numbers.update(range(low, high + 1))
    return tuple(sorted(numbers))


class InterventionForm(BaseForm):
    """Extra time, reopen, force-submit and window changes all need a stated reason."""
    minutes = IntegerField("分钟数", validators=[Optional(), NumberRange(min=1, max=240)])
    reason = StringField("原因", validators=[DataRequired("请填写原因（将记入操作日志）"), Length(max=300)])
    closes_at = DateTimeLocalField("新的结束时间（北京时间）", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    submit = SubmitField("确定")
