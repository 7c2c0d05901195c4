"""Login, logout, password change, and the organiser's user and organisation pages."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from examapp.access.policy import public, roles_required
from examapp.access.roles import ADMIN, CANDIDATE, ROLE_LABELS, STAFF, VIEWER
from examapp.accounts import importer, services, throttle
from examapp.accounts.forms import ChangePasswordForm, ImportForm, LoginForm, OrganizationForm, UserForm
from examapp.accounts.models import PartyOrganization, User
from examapp.audit.services import record
from examapp.converters import db_int
from examapp.downloads import send_download
from examapp.extensions import db
from examapp.formutil import ConfirmForm, choices, require_confirmed
from examapp.timeutil import utcnow

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    # A local path only; Werkzeug drops control characters ("/\t/x" would become "//x", another site).
    if (target and target.startswith("/") and not target.startswith("//") and target.isprintable()
            and "\\" not in target):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if result.user is None:
            db.session.commit()    # the failure count stands although the login is refused
            flash(result.message, "danger")
            return render_template("accounts/login.html", form=form), 200
        user = result.user
        session.clear()
        # Candidates sit at shared exam-room PCs: their cookie ends with the browser. Staff and viewers keep
        # theirs for PERMANENT_SESSION_LIFETIME (staff sessions also end after STAFF_SESSION_HOURS).
        session.permanent = user.role != CANDIDATE
        if user.role == CANDIDATE or not user.session_nonce:
            user.end_sessions(by_login=True)    # one active session per candidate: this login replaces any other
        db.session.commit()
        session["nonce"] = user.session_nonce
        login_user(user)
        session["login_at"] = session["last_seen"] = utcnow().isoformat()
        if result.user.must_change_password:
            return redirect(url_for("accounts.change_password"))
        return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles_required()
def logout():
    # Ends this user's sessions on the server, so a copied cookie is worthless after logout.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            session["nonce"] = current_user.session_nonce   # this session goes on; every other one ended
            flash("密码已修改，您在其他设备上的登录已失效。", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


# --- user management (organisers and admins) -------------------------------------------------

def _role_choices() -> list[tuple[str, str]]:
    # Organisers manage secretaries and viewers; only an admin creates organisers and admins.
    allowed = list(ROLE_LABELS) if current_user.role == ADMIN else [CANDIDATE, VIEWER]
    return choices((r, ROLE_LABELS[r]) for r in allowed)


def _may_manage(user: User) -> bool:
    return current_user.role == ADMIN or user.role in (CANDIDATE, VIEWER)


def _fill_user_form(form: UserForm) -> None:
    form.role.choices = _role_choices()
    form.organization_id.choices = choices([(0, "（无）")] + [
        (o.id, o.name) for o in services.list_organizations()])


@bp.route("/users")
@roles_required(*STAFF)
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    org_id = request.args.get("org", type=db_int)
    rows = services.search_users(q, role if role in ROLE_LABELS else "", org_id)
    now = utcnow()
    # Every login name with paused (or nearly paused) logins, listed above the table whatever the filter.
    throttled = throttle.paused(now)
    by_name = {u.username: u for u in services.search_users()} if throttled else {}
    throttled_users = [(by_name[name], pairs) for name, pairs in throttled.items() if name in by_name]
    return render_template("accounts/users.html", users=rows, q=q, role=role, org_id=org_id,
                           roles=ROLE_LABELS, organizations=services.list_organizations(),
                           action_form=ConfirmForm(), throttled=throttled, throttled_users=throttled_users,
                           now=now)


@bp.route("/users/<int:user_id>/release-login", methods=["POST"])
@roles_required(*STAFF)
def user_release_login(user_id: int):
    user = db.get_or_404(User, user_id)
    require_confirmed()
    if not _may_manage(user):
        abort(403)
    count = services.release_login(user)
    db.session.commit()
    flash(f"已解除 {user.name}（{user.username}）的登录暂停（{count} 个网络地址），可立即登录。", "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def user_new():
    form = UserForm()
    _fill_user_form(form)
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        if services.find_user(username):
            form.username.errors.append("该登录名已被使用")
        else:
            password = services.generate_password()
            user = User(username=username, name=form.name.data.strip(), role=form.role.data,
                        organization_id=form.organization_id.data or None, phone=form.phone.data or "",
                        active=form.active.data)
            user.set_password(password, temporary=True)
            db.session.add(user)
            db.session.flush()
            record("user.created", target_type="user", target_id=user.id,
                   summary=f"新增用户 {username}（{ROLE_LABELS[user.role]}）")
            db.session.commit()
            flash(f"已新增用户 {username}，初始密码：{password}（仅显示这一次，请转交本人，首次登录须修改）。",
                  "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if not _may_manage(user):
        abort(403)
    form = UserForm(obj=user)
    _fill_user_form(form)
    if request.method == "GET":
        form.organization_id.data = user.organization_id or 0
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        other = services.find_user(username)
        if other and other.id != user.id:
            form.username.errors.append("该登录名已被使用")
        elif user.id == current_user.id and (not form.active.data or form.role.data != user.role):
            flash("不能停用自己的账号或修改自己的角色。", "danger")
        else:
            before = services.user_as_dict(user)
            if user.active and (not form.active.data or form.role.data != user.role):
                user.end_sessions()   # a deactivated account or changed role keeps no open session
            user.username, user.name, user.role = username, form.name.data.strip(), form.role.data
            user.organization_id = form.organization_id.data or None
            user.phone, user.active = form.phone.data or "", form.active.data
            record("user.updated", target_type="user", target_id=user.id, summary=f"修改用户 {username}",
                   detail={"before": before, "after": services.user_as_dict(user)})
            db.session.commit()
            flash("已保存。", "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*STAFF)
def user_toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if not _may_manage(user):
        abort(403)
    require_confirmed()
    if user.id == current_user.id:
        flash("不能停用自己的账号。", "danger")
        return redirect(url_for("accounts.users"))
    user.active = not user.active
    if not user.active:
        user.end_sessions()
    record("user.activated" if user.active else "user.deactivated", target_type="user", target_id=user.id,
           summary=f"{'启用' if user.active else '停用'}用户 {user.username}")
    db.session.commit()
    flash(f"已{'启用' if user.active else '停用'} {user.name}（{user.username}）。", "success")
    return redirect(request.referrer if _safe_next(request.form.get("next")) is None
                    else request.form["next"])


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_required(*STAFF)
def user_reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    require_confirmed()
    if not _may_manage(user):
        abort(403)
    password = services.reset_password(user)
    db.session.commit()
    flash(f"已重置 {user.name}（{user.username}）的密码，临时密码：{password}"
          "（仅显示这一次，首次登录须修改）。", "success")
    return redirect(url_for("accounts.users", q=user.username))


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def users_import():
    form = ImportForm()
    problems: list[importer.ImportProblem] = []
    file_error = ""
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = importer.read_table(upload.filename or "", upload.read())
        except importer.ImportFileError as exc:
            file_error = str(exc)
        else:
            records, problems = importer.validate_rows(rows, services.existing_usernames(),
                                                       services.organization_kinds(),
                                                       services.existing_secretaries())
            if not problems:
                try:
                    sheet = services.import_secretaries(records, created_by_id=current_user.id)
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    file_error = "导入时发现重复的登录名或党组织（可能有人同时导入），未写入任何数据，请重试。"
                else:
                    flash(f"导入成功：{sheet.count} 名书记。请立即打开初始密码单并打印（只能查看一次）。", "success")
                    return redirect(url_for("accounts.users_imported", token=sheet.token))
    return render_template("accounts/import.html", form=form, problems=problems, file_error=file_error,
                           columns=importer.COLUMNS)


@bp.route("/users/import/template.xlsx")
@roles_required(*STAFF)
def users_import_template():
    return send_download(importer.template_workbook(), "书记名单导入模板.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _sheet_or_404(token: str):
    from examapp.accounts.models import PasswordSheet
    return db.one_or_404(db.select(PasswordSheet).where(PasswordSheet.token == token))


@bp.route("/users/import/done/<token>")
@roles_required(*STAFF)
def users_imported(token: str):
    sheet = _sheet_or_404(token)
    own = sheet.created_by_id == current_user.id
    if not own and current_user.role != ADMIN:
        abort(403)
    importer_name = sheet.created_by.name if sheet.created_by else "命令行"
    return render_template("accounts/imported.html", sheet=sheet, form=ConfirmForm(), own=own,
                           importer_name=importer_name)


@bp.route("/users/password-sheet/<token>", methods=["POST"])
@roles_required(*STAFF)
def password_sheet(token: str):
    """The one-time sheet opens for the organiser who ran the import; an admin only by ticking the explicit
    override (audited as such). Other staff are refused, and the refusal is audited too."""
    require_confirmed()
    sheet = _sheet_or_404(token)
    own = sheet.created_by_id == current_user.id
    if not own:
        if current_user.role != ADMIN:
            record("password_sheet.refused", target_type="password_sheet", target_id=sheet.id,
                   summary=f"{current_user.username} 试图查看他人导入的初始密码单，已拒绝")
            db.session.commit()
            abort(403)
        if request.form.get("admin_override") != "1":
            flash("这份初始密码单由他人导入。管理员确需查看时，请勾选“以管理员身份查看”（将记入操作日志）。", "warning")
            return redirect(url_for("accounts.users_imported", token=token))
    sheet, entries = services.open_password_sheet(token, current_user, admin_override=not own)
    db.session.commit()
    if not entries:
        flash("这份初始密码单已经被查看过，出于安全原因不能再次显示。如有遗失，请逐个重置密码。", "warning")
        return redirect(url_for("accounts.users"))
    login_url = url_for("accounts.login", _external=True)
    return render_template("accounts/password_sheet.html", sheet=sheet, entries=entries, login_url=login_url)


# --- organisations -----------------------------------------------------------------------------

@bp.route("/organizations")
@roles_required(*STAFF)
def organizations():
    orgs = services.list_organizations()
    counts = dict(db.session.execute(
        db.select(User.organization_id, db.func.count(User.id)).group_by(User.organization_id)).all())
    return render_template("accounts/organizations.html", organizations=orgs, counts=counts)


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def organization_form(org_id: int | None = None):
    org = db.get_or_404(PartyOrganization, org_id) if org_id else None
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        name = form.name.data.strip()
        clash = db.session.scalar(db.select(PartyOrganization).where(PartyOrganization.name == name))
        if clash and (org is None or clash.id != org.id):
            form.name.errors.append("已有同名党组织")
        else:
            if org is None:
                org = PartyOrganization(name=name)
                db.session.add(org)
            org.name, org.kind, org.sort_order = name, form.kind.data, form.sort_order.data or 0
            db.session.flush()
            record("organization.saved", target_type="organization", target_id=org.id, summary=f"保存党组织 {name}")
            db.session.commit()
            flash("已保存。", "success")
            return redirect(url_for("accounts.organizations"))
    return render_template("accounts/organization_form.html", form=form, org=org)
