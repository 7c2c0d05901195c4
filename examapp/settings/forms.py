"""The settings page's form: one text box per setting (the service validates, so the rules live in one place)."""
from wtforms import StringField, SubmitField

from examapp.formutil import BaseForm
from examapp.settings.services import SPECS


class SettingsForm(BaseForm):
    submit = SubmitField("保存设置")


for _spec in SPECS:
    _attrs = ({"type": "number", "min": _spec.minimum, "max": _spec.maximum, "inputmode": "numeric"}
              if _spec.kind == "int" else {"maxlength": _spec.max_length})
    setattr(SettingsForm, _spec.key, StringField(_spec.label, render_kw=_attrs))
