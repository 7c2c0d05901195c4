"""Shared pieces of the domains' WTForms forms: a Chinese-speaking base form and choice lists."""
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class BaseForm(FlaskForm):
    """Every form's built-in messages (invalid choice, not a number, ...) in Simplified Chinese."""

    class Meta:
        locales = ["zh"]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
