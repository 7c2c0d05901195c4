"""Forms for editing and importing questions."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from examapp.bank import qtypes
from examapp.bank.core import DIFFICULTY_LABELS, OPTION_KEYS
from examapp.formutil import BaseForm, choices


class QuestionForm(BaseForm):
    type = SelectField("题型", choices=lambda: choices(qtypes.choices()))
    stem = TextAreaField("题干", validators=[DataRequired("请填写题干"), Length(max=2000)],
                         render_kw={"rows": 3})
    option_a = StringField("选项A", validators=[Optional(), Length(max=500)])
    option_b = StringField("选项B", validators=[Optional(), Length(max=500)])
    option_c = StringField("选项C", validators=[Optional(), Length(max=500)])
    option_d = StringField("选项D", validators=[Optional(), Length(max=500)])
    option_e = StringField("选项E", validators=[Optional(), Length(max=500)])
    option_f = StringField("选项F", validators=[Optional(), Length(max=500)])
    answer = StringField("答案", validators=[DataRequired("请填写答案"), Length(max=500)])
    explanation = TextAreaField("解析", validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    article = SelectField("条款", coerce=int)
    difficulty = SelectField("难度", coerce=int, choices=choices(DIFFICULTY_LABELS.items()), default=2)
    tags = StringField("标签", validators=[Optional(), Length(max=200)])
    note = StringField("修改说明", validators=[Optional(), Length(max=200)])
    submit = SubmitField("保存")

    def option_fields(self):
        return [getattr(self, f"option_{k.lower()}") for k in OPTION_KEYS]


class QuestionImportForm(BaseForm):
    file = FileField("题目文件", validators=[
        FileRequired("请选择文件"),
        FileAllowed(["xlsx", "xml", "gift", "txt", "json"], "只支持 .xlsx、.xml（Moodle）、.gift/.txt（GIFT）或 .json 文件")])
    submit = SubmitField("检查并导入")


class DocumentDetailsForm(BaseForm):
    """A policy document's details; the upload form adds the file, the confirm form carries the read text."""
    title = StringField("标题", validators=[Optional(), Length(max=200)], description="不填则取文件第一行")
    issuer = StringField("发文机关", validators=[Optional(), Length(max=200)])
    number = StringField("文号", validators=[Optional(), Length(max=100)], description="如：国务院令第722号")
    issued_on = DateField("发布日期", validators=[Optional()])
    revises = SelectField("修订", coerce=int, default=0)


class DocumentUploadForm(DocumentDetailsForm):
    file = FileField("文件", validators=[
        FileRequired("请选择文件"),
        FileAllowed(["txt", "md", "docx"], "只支持 .txt、.md（纯文本）或 .docx（Word）文件")])
    submit = SubmitField("检查并预览")


class DocumentConfirmForm(DocumentDetailsForm):
    text = HiddenField(validators=[DataRequired("缺少文件内容，请重新上传")])
    submit = SubmitField("确认保存")
