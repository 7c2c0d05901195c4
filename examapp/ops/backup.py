"""Backups: SQLite's online backup API for the embedded database, pg_dump guidance for PostgreSQL.

Flask-free, so the CLI (examapp/ops/cli.py) and the tests can call it directly. Every message meant for the
operator is Chinese; BackupError carries one.
"""
from __future__ import annotations

import shlex
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"

# Tables whose row counts are printed after a backup, with their Chinese names.
KEY_TABLES = (
    ("user", "用户"),
    ("party_organization", "党组织"),
    ("question", "题目"),
    ("exam", "考试"),
    ("attempt", "作答"),
    ("answer", "已保存答案"),
    ("evaluation_round", "考评批次"),
    ("snapshot", "发布快照"),
    ("audit_entry", "操作日志"),
)
# A file without these is not an examapp database.
REQUIRED_TABLES = ("alembic_version", "user", "question", "exam", "attempt", "answer", "audit_entry")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message (Chinese) says why and that nothing changed."""


@dataclass
class DatabaseInfo:
    path: Path
    size: int
    revisions: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> list[str]:
        lines = [f"文件：{self.path}", f"大小：{format_size(self.size)}"]
        if self.revisions:
            lines.append(f"数据库结构版本：{', '.join(self.revisions)}")
        shown = [f"{label} {self.counts[table]}" for table, label in KEY_TABLES if table in self.counts]
        if shown:
            lines.append("记录数：" + "，".join(shown))
        return lines


@dataclass
class RestoreOutcome:
    restored_from: Path
    target: Path
    safety_copy: Path | None
    info: DatabaseInfo


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} 字节"


def sqlite_file(url: URL) -> Path:
    """The database file of a SQLite URL (Flask-SQLAlchemy has already made it absolute)."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("当前使用的是内存数据库，没有可以备份的文件。")
    return Path(url.database)


def unique_path(directory: Path, stem: str, suffix: str) -> Path:
    """directory/stem+suffix, or stem-2, stem-3… when that name is taken (two backups in one second)."""
    candidate = directory / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = directory / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    # Autocommit: the backup API and the PRAGMAs below manage their own transactions.
    return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)


def inspect_sqlite(path: Path, *, timeout: float = 10.0, label: Path | None = None) -> DatabaseInfo:
    """Check that ``path`` is an intact examapp SQLite database; its schema revision and row counts.

    Raises BackupError (Chinese) for a missing, foreign, damaged or non-SQLite file; its message names the
    file as ``label`` (the operator's file when ``path`` is a private copy of it).
    """
    shown = label or path
    if not path.is_file():
        raise BackupError(f"找不到文件 {shown}。")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{shown} 不是 SQLite 数据库文件（可能选错了文件，或文件已损坏）。")
    conn = _connect(path, timeout)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{shown} 已损坏，完整性检查未通过：{'；'.join(map(str, problems[:5]))}。")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise BackupError(f"{shown} 不是本系统的数据库（缺少数据表：{'、'.join(missing)}）。")
        revisions = tuple(sorted(row[0] for row in conn.execute("SELECT version_num FROM alembic_version")))
        counts = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                  for table, _label in KEY_TABLES if table in tables}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{shown} 无法作为 SQLite 数据库读取（{exc}），可能已损坏。") from exc
    finally:
        conn.close()
    return DatabaseInfo(path=path, size=path.stat().st_size, revisions=revisions, counts=counts)


def count_in_progress(path: Path, *, timeout: float = 10.0) -> int:
    """Attempts being answered right now in the database at ``path`` (0 if it has no attempts table)."""
    if not path.is_file():
        return 0
    conn = _connect(path, timeout)
    try:
        return conn.execute("SELECT count(*) FROM attempt WHERE status = 'in_progress'").fetchone()[0]
    except sqlite3.DatabaseError:
        return 0
    finally:
        conn.close()


def _copy_database(source: Path, dest: Path, timeout: float, journal_mode: str) -> None:
    """Copy with SQLite's backup API, in one step: a consistent snapshot that, under WAL, does not stop
    writers (a stepwise copy would restart whenever another process writes)."""
    src = _connect(source, timeout)
    dst = _connect(dest, timeout)
    try:
        src.backup(dst)
        dst.execute(f"PRAGMA journal_mode={journal_mode}")
    finally:
        dst.close()
        src.close()


def backup_sqlite(source: Path, dest: Path, *, timeout: float = 10.0) -> DatabaseInfo:
    """Copy the live database ``source`` to the new file ``dest`` while the application keeps running.

    The copy is written under a temporary name, checked (PRAGMA integrity_check) and only then renamed to
    ``dest``, so a failed backup never leaves a file that looks like a good one. The copy is a single file
    (rollback-journal mode), ready to be moved elsewhere.
    """
    if not source.is_file():
        raise BackupError(f"找不到数据库文件 {source}，没有可以备份的数据。")
    if dest.exists():
        raise BackupError(f"备份文件 {dest} 已存在，未覆盖。请换一个文件名。")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        _copy_database(source, partial, timeout, "DELETE")
        conn = _connect(partial, timeout)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
        if problems != ["ok"]:
            raise BackupError(f"备份副本的完整性检查未通过：{'；'.join(map(str, problems[:5]))}。未生成备份。")
        partial.rename(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"备份失败：{exc}。未生成备份。") from exc
    finally:
        partial.unlink(missing_ok=True)
    try:
        return inspect_sqlite(dest, timeout=timeout)
    except BackupError:
        # A database made by create_all() (no alembic_version) is still worth a backup: report what we can.
        return DatabaseInfo(path=dest, size=dest.stat().st_size, counts=_counts(dest, timeout))


def _counts(path: Path, timeout: float) -> dict[str, int]:
    conn = _connect(path, timeout)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table, _label in KEY_TABLES if table in tables}
    finally:
        conn.close()


def restore_sqlite(backup: Path, target: Path, *, expected_revisions: tuple[str, ...], safety_dir: Path,
                   safety_stem: str, force: bool = False, timeout: float = 10.0) -> RestoreOutcome:
    """Replace the contents of the database ``target`` with those of ``backup``.

    Refuses, changing nothing, when the backup is not an intact examapp database, when its schema revision
    differs from ``expected_revisions`` (the program's migration head), or when candidates are answering in
    the current database (unless ``force``). The current database is first copied to ``safety_dir``, so a
    restore can itself be undone.
    """
    safety_dir.mkdir(parents=True, exist_ok=True)
    # Work on a private copy: the operator's file is never opened for writing (not even for a -wal file).
    with tempfile.TemporaryDirectory(dir=safety_dir, prefix=".restore-") as scratch:
        staged = Path(scratch) / "staged.db"
        if not backup.is_file():
            raise BackupError(f"找不到备份文件 {backup}。")
        shutil.copyfile(backup, staged)
        info = inspect_sqlite(staged, timeout=timeout, label=backup)
        info.path = backup
        if tuple(sorted(expected_revisions)) != info.revisions:
            found = ", ".join(info.revisions) or "无"
            raise BackupError(
                f"备份的数据库结构版本（{found}）与当前程序（{', '.join(expected_revisions) or '无'}）不一致，未恢复。"
                "请用生成该备份时的程序版本恢复，或先升级程序后再备份。")
        running = count_in_progress(target, timeout=timeout)
        if running and not force:
            raise BackupError(
                f"当前数据库中有 {running} 份作答正在进行，恢复会使这些考生此后保存的答案丢失，未恢复。"
                "请在考试结束（或全部交卷）后再恢复；确需立即恢复，请加 --force。")
        safety_copy = None
        if target.is_file():
            safety_copy = unique_path(safety_dir, safety_stem, ".db")
            backup_sqlite(target, safety_copy, timeout=timeout)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _copy_database(staged, target, timeout, "WAL")
        except sqlite3.Error as exc:
            raise BackupError(f"恢复失败：{exc}。" + (f"恢复前的数据库已另存为 {safety_copy}。"
                                                       if safety_copy else "")) from exc
    return RestoreOutcome(restored_from=backup, target=target, safety_copy=safety_copy, info=info)


# ------------------------------------------------------------------------------------------- PostgreSQL

def _connection_args(url: URL) -> list[str]:
    args = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    args += ["-d", url.database or ""]
    return args


def pg_dump_command(url: URL, output: Path) -> list[str]:
    """pg_dump in its custom format (-Fc): compressed, restorable table by table with pg_restore."""
    return ["pg_dump", "-Fc", *_connection_args(url), "-f", str(output)]


def pg_restore_command(url: URL, dump: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", *_connection_args(url), str(dump)]


def pg_guidance(url: URL, output: Path) -> list[str]:
    """What to type to back up and restore the configured PostgreSQL database (never the password)."""
    password_hint = ("口令未显示：请事先写入 ~/.pgpass，或在命令前设置环境变量 PGPASSWORD。"
                     if url.password else "")
    return [
        f"当前数据库为 PostgreSQL（{url.host or '本机'}:{url.port or 5432}/{url.database}），"
        "请用 PostgreSQL 自带的 pg_dump 备份（考试进行中也可执行，不影响作答）。",
        *([password_hint] if password_hint else []),
        "备份：",
        "  " + shlex.join(pg_dump_command(url, output)),
        "检查备份文件（列出其中的表）：",
        "  " + shlex.join(["pg_restore", "--list", str(output)]),
        "恢复（会用备份覆盖该库中的现有数据；请先停止服务，并确认没有考试正在进行）：",
        "  " + shlex.join(pg_restore_command(url, output)),
        "也可执行 flask backup --run，由本命令调用 pg_dump 生成备份。",
    ]
