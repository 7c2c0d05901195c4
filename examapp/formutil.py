"""Shared pieces of the domains' WTForms forms: a Chinese-speaking base form, choice lists, and the bare
confirmation form behind every action button with the check its POST views start with."""
from flask import abort
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice


class BaseForm(FlaskForm):
    """Every form's built-in messages (invalid choice, not a number, ...) in Simplified Chinese."""

    class Meta:
        locales = ["zh"]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class ConfirmForm(BaseForm):
    """A bare CSRF-protected form for action buttons (deactivate, reset password, publish, compute …)."""
    submit = SubmitField("确定")


def require_confirmed() -> None:
    """An action button's POST: 400 unless the request carries the ConfirmForm's valid CSRF token."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
