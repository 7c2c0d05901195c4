"""`flask create-admin` and `flask users ...`: what operators do by hand, scriptable."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from examapp.access.roles import ADMIN, ROLE_LABELS
from examapp.accounts import importer, services
from examapp.accounts.models import User
from examapp.audit.services import record
from examapp.extensions import db
from examapp.xlsxutil import echo_problems

users_cli = AppGroup("users", help="管理用户（书记、组织者、管理员、查看者）。")


@click.command("create-admin")
@with_appcontext
@click.option("--username", prompt="登录名", help="管理员登录名")
@click.option("--name", prompt="姓名", default="系统管理员", show_default=True)
@click.option("--password", prompt="密码", hide_input=True, confirmation_prompt=True)
def create_admin(username: str, name: str, password: str) -> None:
    """创建管理员账号。"""
    username = username.strip().lower()
    if not importer.USERNAME_RE.match(username):
        raise click.ClickException("登录名只能用 3–32 位字母、数字、下划线、点或减号")
    problem = services.password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if services.find_user(username):
        raise click.ClickException(f"登录名“{username}”已存在")
    user = User(username=username, name=name, role=ADMIN)
    user.set_password(password, temporary=False)
    db.session.add(user)
    db.session.flush()
    record("user.created", target_type="user", target_id=user.id, summary=f"命令行创建管理员 {username}")
    db.session.commit()
    click.echo(f"已创建管理员 {username}。")


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passwords", "passwords_out", type=click.Path(dir_okay=False, path_type=Path),
              help="把生成的初始密码写入此 CSV 文件（默认打印到屏幕）")
def import_users(file: Path, passwords_out: Path | None) -> None:
    """从 Excel（.xlsx）或 CSV 文件导入党组织和书记。"""
    try:
        rows = importer.read_table(file.name, file.read_bytes())
    except importer.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    records, problems = importer.validate_rows(rows, services.existing_usernames(), services.organization_kinds(),
                                                       services.existing_secretaries())
    if problems:
        echo_problems(problems)
        raise click.ClickException(f"文件有 {len(problems)} 处错误，未导入任何数据。")
    sheet = services.import_secretaries(records)
    entries = list(sheet.entries)
    sheet.entries = []    # printed here, never kept
    db.session.commit()
    lines = ["党组织,姓名,登录名,初始密码"] + [
        f"{e['organization']},{e['name']},{e['username']},{e['password']}" for e in entries]
    if passwords_out:
        passwords_out.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        click.echo(f"已导入 {len(entries)} 名书记，初始密码已写入 {passwords_out}。")
    else:
        click.echo(f"已导入 {len(entries)} 名书记。初始密码（首次登录须修改）：")
        click.echo("\n".join(lines))


@users_cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--role", type=click.Choice(list(ROLE_LABELS)), help="只列出此角色")
def list_users(fmt: str, role: str | None) -> None:
    """列出用户。"""
    users = services.search_users(role=role or "")
    if fmt == "json":
        click.echo(json.dumps([services.user_as_dict(u) for u in users], ensure_ascii=False, indent=2))
        return
    for user in users:
        org = user.organization.name if user.organization else "—"
        state = "" if user.active else "（已停用）"
        click.echo(f"{user.username:<16} {user.name:<8} {ROLE_LABELS[user.role]:<4} {org}{state}")


@users_cli.command("set-password")
@click.argument("login")
@click.option("--password", prompt="新密码", hide_input=True, confirmation_prompt=True)
@click.option("--temporary", is_flag=True, help="用户下次登录时须修改密码")
def set_password(login: str, password: str, temporary: bool) -> None:
    """设置用户密码。"""
    user = services.find_user(login)
    if user is None:
        raise click.ClickException(f"没有登录名为“{login}”的用户")
    try:
        services.set_password(user, password, temporary=temporary)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"已为 {user.username} 设置密码" + ("（下次登录须修改）。" if temporary else "。"))


@users_cli.command("unlock")
@click.argument("login")
def unlock(login: str) -> None:
    """解除某个登录名因登录失败过多而暂停的登录（所有网络地址）。"""
    user = services.find_user(login)
    if user is None:
        raise click.ClickException(f"没有登录名为“{login}”的用户")
    count = services.release_login(user)
    db.session.commit()
    click.echo(f"已解除 {user.username} 的登录暂停（{count} 个网络地址）。")
