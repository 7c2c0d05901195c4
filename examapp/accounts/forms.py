"""Forms for login, passwords and user management (CSRF-protected through Flask-WTF)."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from examapp.access.roles import ORG_KINDS
from examapp.accounts.importer import PHONE_RE, USERNAME_RE
from examapp.formutil import BaseForm, ConfirmForm, choices  # noqa: F401  (ConfirmForm: the old address)


class LoginForm(BaseForm):
    username = StringField("登录名", validators=[DataRequired("请输入登录名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])
    submit = SubmitField("登录")


class ChangePasswordForm(BaseForm):
    current = PasswordField("原密码", validators=[DataRequired("请输入原密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(min=8, max=128, message="密码至少 8 位")])
    confirm = PasswordField("再次输入新密码", validators=[DataRequired("请再次输入新密码"),
                                                     EqualTo("new", message="两次输入的新密码不一致")])
    submit = SubmitField("修改密码")


class UserForm(BaseForm):
    username = StringField("登录名", validators=[
        DataRequired("请输入登录名"),
        Regexp(USERNAME_RE, message="登录名只能用 3–32 位字母、数字、下划线、点或减号")])
    name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=50)])
    role = SelectField("角色")
    organization_id = SelectField("党组织", coerce=int)
    phone = StringField("手机号", validators=[Optional(), Regexp(PHONE_RE, message="手机号应为 11 位数字")])
    active = BooleanField("启用", default=True)
    submit = SubmitField("保存")


class OrganizationForm(BaseForm):
    name = StringField("党组织名称", validators=[DataRequired("请输入党组织名称"), Length(max=100)])
    kind = SelectField("类别", choices=choices((k, k) for k in ORG_KINDS))
    sort_order = IntegerField("排序号", default=0, validators=[Optional(), NumberRange(min=-99999, max=99999)])
    submit = SubmitField("保存")


class ImportForm(BaseForm):
    file = FileField("名单文件（.xlsx 或 .csv）", validators=[
        FileRequired("请选择文件"), FileAllowed(["xlsx", "csv"], "只支持 .xlsx 或 .csv 文件")])
    submit = SubmitField("检查并导入")
