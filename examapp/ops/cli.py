"""`flask backup`, `flask restore` and `flask check`."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from examapp.audit.services import record
from examapp.extensions import db
from examapp.ops import backup as ops_backup
from examapp.ops import checks
from examapp.timeutil import to_local, utcnow


def _backup_dir() -> Path:
    return Path(current_app.instance_path) / "backups"


def _stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d-%H%M%S")


def _busy_timeout() -> float:
    return float(current_app.config.get("DATABASE_LOCK_TIMEOUT", 10))


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="备份文件路径（默认 instance/backups/examapp-日期-时间.db）")
@click.option("--run", "run_pg_dump", is_flag=True, help="PostgreSQL：直接调用 pg_dump 生成备份")
@with_appcontext
def backup_command(output: Path | None, run_pg_dump: bool) -> None:
    """备份数据库（SQLite 在线备份，考试进行中也可执行；PostgreSQL 给出 pg_dump 命令）。"""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        _postgres_backup(url, output, run_pg_dump)
        return
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(f"不支持备份 {url.get_backend_name()} 数据库。")
    try:
        source = ops_backup.sqlite_file(url)
        dest = output or ops_backup.unique_path(_backup_dir(), f"examapp-{_stamp()}", ".db")
        info = ops_backup.backup_sqlite(source, dest, timeout=_busy_timeout())
    except ops_backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("备份完成，完整性检查通过。")
    for line in info.describe():
        click.echo(line)
    click.echo(f"恢复：flask restore {shlex.quote(str(dest))} --yes")


def _postgres_backup(url, output: Path | None, run_pg_dump: bool) -> None:
    dest = output or ops_backup.unique_path(_backup_dir(), f"examapp-{_stamp()}", ".dump")
    if not run_pg_dump:
        for line in ops_backup.pg_guidance(url, dest):
            click.echo(line)
        return
    if shutil.which("pg_dump") is None:
        raise click.ClickException("找不到 pg_dump 命令。请安装 PostgreSQL 客户端（Debian：apt install "
                                   "postgresql-client），或按 flask backup（不加 --run）显示的命令在数据库服务器上备份。")
    dest.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)   # passed to the child only, never printed
    command = ops_backup.pg_dump_command(url, dest)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        dest.unlink(missing_ok=True)
        raise click.ClickException(f"pg_dump 失败（退出码 {result.returncode}）：{result.stderr.strip()}")
    click.echo(f"备份完成：{dest}（{ops_backup.format_size(dest.stat().st_size)}）")
    click.echo("恢复：" + shlex.join(ops_backup.pg_restore_command(url, dest)))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="确认用备份覆盖当前数据库")
@click.option("--force", is_flag=True, help="即使有考生正在答题也恢复（会丢失其此后保存的答案）")
@with_appcontext
def restore_command(file: Path, yes: bool, force: bool) -> None:
    """用 flask backup 生成的备份文件恢复 SQLite 数据库（先自动备份当前数据库）。"""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException("PostgreSQL 数据库请用 pg_restore 恢复，命令见 flask backup 的说明。")
    try:
        target = ops_backup.sqlite_file(url)
    except ops_backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        raise click.ClickException(f"恢复会用 {file} 覆盖当前数据库 {target} 中的全部数据。确认无误后请加 --yes "
                                   "再执行（建议先停止服务）。未做任何改动。")
    db.session.remove()
    db.engine.dispose()   # no pooled connection of ours may hold the file during the copy
    try:
        outcome = ops_backup.restore_sqlite(
            file, target, expected_revisions=checks.migration_heads(), safety_dir=_backup_dir(),
            safety_stem=f"before-restore-{_stamp()}", force=force, timeout=_busy_timeout())
    except ops_backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    db.engine.dispose()
    record("system.restored", target_type="database", target_id="",
           summary=f"从备份 {file.name} 恢复数据库",
           detail={"backup": str(file), "safety_copy": str(outcome.safety_copy or "")})
    db.session.commit()
    click.echo(f"已用 {file} 恢复数据库 {target}。")
    for line in outcome.info.describe()[2:]:
        click.echo(line)
    if outcome.safety_copy:
        click.echo(f"恢复前的数据库已另存为 {outcome.safety_copy}（如需撤销，可再用它恢复）。")
    click.echo("请重新启动服务，并登录核对数据。")


@click.command("check")
@click.option("--workers", type=click.IntRange(min=1), help="将要运行的进程数（默认读取 WEB_CONCURRENCY 或 GUNICORN_CMD_ARGS）")
@click.option("--host", help="考生访问的地址，如 exam.example.gov.cn（用于检查 HTTPS 设置）")
@with_appcontext
def check_command(workers: int | None, host: str | None) -> None:
    """考试前检查配置：密钥、数据库、进程数与限流、字体、Cookie、题库、考试、备份。有“错误”时退出码为 1。"""
    findings = checks.run_checks(current_app, os.environ, workers=workers, host=host)
    for finding in findings:
        click.echo(finding.line())
    errors = sum(f.severity == checks.ERROR for f in findings)
    warnings = sum(f.severity == checks.WARNING for f in findings)
    click.echo(f"共 {len(findings)} 项：错误 {errors} 项，警告 {warnings} 项。")
    if errors:
        raise SystemExit(1)
