"""Forms of the scoring pages."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from examapp.formutil import BaseForm


class RoundForm(BaseForm):
    name = StringField("考评批次名称", validators=[DataRequired("请填写名称"), Length(max=100)],
                       render_kw={"placeholder": "如：2023年度“书记大比武”"})
    submit = SubmitField("新建")


class WorkbookForm(BaseForm):
    file = FileField("考评数据工作簿（.xlsx）", validators=[FileRequired("请选择文件"), FileAllowed(["xlsx"], "只支持 .xlsx 文件")])
    submit = SubmitField("检查并导入")


class SchemeForm(BaseForm):
    scheme = TextAreaField("计分方案（YAML）", validators=[DataRequired("请填写方案")], render_kw={"rows": 16})
    submit = SubmitField("保存方案")
