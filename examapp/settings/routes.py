"""The admin's system settings page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from examapp.access.policy import roles_required
from examapp.access.roles import ADMIN
from examapp.extensions import db
from examapp.settings import services
from examapp.settings.forms import SettingsForm

bp = Blueprint("settings", __name__)


@bp.route("/", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit():
    form = SettingsForm(data=services.as_form_data(services.office_settings()))
    status = 200
    if form.validate_on_submit():
        try:
            changed = services.save_settings({s.key: form[s.key].data for s in services.SPECS},
                                             actor_id=current_user.id)
        except services.SettingsError as exc:
            db.session.rollback()
            for key, message in exc.problems.items():
                form[key].errors = [message]
            status = 400
        else:
            db.session.commit()
            flash("已保存：" + "、".join(changed) + "。" if changed else "没有改动。", "success")
            return redirect(url_for("settings.edit"))
    return render_template("settings/edit.html", form=form, specs=services.SPECS,
                           placeholders=services.placeholder_problems()), status
