"""`flask backup` / `flask restore`: an online SQLite backup taken under writes restores the data it saw;
anything that is not a matching examapp database is refused and changes nothing (SQLite only: PostgreSQL
backups are pg_dump's job, and we only print the commands)."""
from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import stamp

from examapp.accounts.models import User
from examapp.audit.models import AuditEntry
from examapp.exams.models import IN_PROGRESS, Attempt, Exam
from examapp.extensions import db
from examapp.ops.backup import inspect_sqlite
from examapp.timeutil import utcnow
from tests.conftest import POSTGRES_URL, make_app

WRITER_ACTION = "test.writer"


@pytest.fixture
def live(tmp_path):
    """A migrated (stamped) SQLite database in WAL mode with the demo accounts, as `flask db upgrade` leaves it."""
    from examapp.demo import load_demo_accounts
    app = make_app(f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "instance")
    with app.app_context():
        db.create_all()
        stamp()
        load_demo_accounts()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def db_file(app) -> Path:
    with app.app_context():
        return Path(db.engine.url.database)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def name_of(app, username: str) -> str | None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        name = user.name if user else None
        db.session.remove()
        return name


def writer_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM audit_entry WHERE action = ?", (WRITER_ACTION,)).fetchone()[0]
    finally:
        conn.close()


class Writer(threading.Thread):
    """Another process's worker, in effect: its own connection, committing one row after another."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.stop, self.written, self.errors = path, threading.Event(), 0, []

    def run(self):
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            while not self.stop.is_set():
                conn.execute("INSERT INTO audit_entry (at, action, target_type, target_id, summary, reason, detail) "
                             "VALUES (?, ?, '', '', ?, '', '{}')", (utcnow(), WRITER_ACTION, f"第 {self.written} 行"))
                self.written += 1
        except sqlite3.Error as exc:   # a backup that locked the writer out would show up here
            self.errors.append(exc)
        finally:
            conn.close()

    def wait_for(self, count: int, timeout: float = 20.0):
        deadline = utcnow() + timedelta(seconds=timeout)
        while self.written < count and utcnow() < deadline and self.is_alive():
            threading.Event().wait(0.005)
        assert self.written >= count, (self.written, self.errors)


def test_online_backup_under_writes_then_restore_brings_the_data_back(live, tmp_path):
    path = db_file(live)
    writer = Writer(path)
    writer.start()
    try:
        writer.wait_for(50)
        backups = []
        for number in range(3):
            before = writer.written
            result = cli(live, "backup", "-o", str(tmp_path / f"b{number}.db"))
            assert result.exit_code == 0, result.output
            assert "完整性检查通过" in result.output and f"b{number}.db" in result.output
            assert "用户 75" in result.output          # row counts of the key tables
            backups.append((tmp_path / f"b{number}.db", before))
        writer.wait_for(writer.written + 50)           # the writer was never locked out and goes on
    finally:
        writer.stop.set()
        writer.join(timeout=10)
    assert not writer.errors
    chosen, written_before = backups[-1]
    info = inspect_sqlite(chosen)                      # intact, single file, same schema revision
    assert info.counts["user"] == 75 and info.revisions
    assert not Path(str(chosen) + "-wal").exists()
    in_backup = writer_rows(chosen)
    assert written_before <= in_backup <= writer.written   # a consistent snapshot taken while writing

    # Afterwards data is changed and lost…
    original = name_of(live, "sj01")
    with live.app_context():
        db.session.scalar(db.select(User).where(User.username == "sj01")).name = "被改动的名字"
        db.session.execute(db.delete(AuditEntry).where(AuditEntry.action == WRITER_ACTION))
        db.session.commit()
        db.session.remove()
    assert name_of(live, "sj01") == "被改动的名字" and writer_rows(path) == 0

    # …and the restore brings back exactly what the backup held.
    result = cli(live, "restore", str(chosen), "--yes")
    assert result.exit_code == 0, result.output
    assert "已用" in result.output and "恢复前的数据库已另存为" in result.output
    assert writer_rows(path) == in_backup
    assert name_of(live, "sj01") == original
    with live.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "system.restored"))
        assert entry is not None and chosen.name in entry.summary
        db.session.remove()
    # The database as it was before the restore is kept, so the restore can itself be undone.
    safety = next((tmp_path / "instance" / "backups").glob("before-restore-*.db"))
    conn = sqlite3.connect(safety)
    assert conn.execute("SELECT name FROM user WHERE username = 'sj01'").fetchone()[0] == "被改动的名字"
    conn.close()


def test_backup_defaults_to_a_timestamped_file_in_instance_backups(live, tmp_path):
    first, second = cli(live, "backup"), cli(live, "backup")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    files = sorted((tmp_path / "instance" / "backups").glob("examapp-*.db"))
    assert len(files) == 2                               # two backups in the same second do not collide
    assert all(inspect_sqlite(f).counts["user"] == 75 for f in files)


def _snapshot(app):
    path = db_file(app)
    return name_of(app, "sj01"), writer_rows(path), sorted(p.name for p in path.parent.iterdir())


def _refused(app, tmp_path, *args, message: str):
    before = _snapshot(app)
    result = cli(app, "restore", *args)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert _snapshot(app) == before
    assert not list((tmp_path / "instance" / "backups").glob("before-restore-*"))   # not even a safety copy
    return result


def test_restore_refuses_a_corrupt_or_foreign_file_and_changes_nothing(live, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\x01not a database at all" * 100)
    _refused(live, tmp_path, str(junk), "--yes", message="不是 SQLite 数据库文件")

    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    result = _refused(live, tmp_path, str(foreign), "--yes", message="不是本系统的数据库")
    assert "foreign.db" in result.output and ".restore-" not in result.output   # names the operator's file

    good = tmp_path / "good.db"
    assert cli(live, "backup", "-o", str(good)).exit_code == 0
    damaged = tmp_path / "damaged.db"
    content = bytearray(good.read_bytes())
    content[4096 * 3:4096 * 5] = b"\xff" * 8192          # scribble over some pages
    damaged.write_bytes(bytes(content))
    _refused(live, tmp_path, str(damaged), "--yes", message="损坏")

    _refused(live, tmp_path, str(tmp_path / "missing.db"), "--yes", message="找不到")


def test_restore_refuses_another_schema_revision(live, tmp_path):
    other = tmp_path / "other.db"
    assert cli(live, "backup", "-o", str(other)).exit_code == 0
    conn = sqlite3.connect(other)
    conn.execute("UPDATE alembic_version SET version_num = '0123456789ab'")
    conn.commit()
    conn.close()
    _refused(live, tmp_path, str(other), "--yes", message="结构版本（0123456789ab）与当前程序")


def test_restore_needs_yes_and_waits_for_running_exams(live, tmp_path):
    copy = tmp_path / "copy.db"
    assert cli(live, "backup", "-o", str(copy)).exit_code == 0
    _refused(live, tmp_path, str(copy), message="--yes")
    with live.app_context():
        now = utcnow()
        exam = Exam(title="进行中的考试", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
                    duration_minutes=60, sections=[])
        user = db.session.scalar(db.select(User).where(User.username == "sj01"))
        db.session.add(Attempt(exam=exam, user=user, seed=1, status=IN_PROGRESS, started_at=now,
                               deadline_at=now + timedelta(minutes=30)))
        db.session.commit()
        db.session.remove()
    _refused(live, tmp_path, str(copy), "--yes", message="1 份作答正在进行")
    forced = cli(live, "restore", str(copy), "--yes", "--force")
    assert forced.exit_code == 0, forced.output
    with live.app_context():
        assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0   # the backup had none
        db.session.remove()


def test_postgresql_backup_prints_pg_dump_and_pg_restore_without_the_password(tmp_path):
    app = make_app("postgresql://exam:s3cret-pw@db.example.cn:5433/examapp", tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=["backup", "-o", "/srv/backup/exam.dump"])
    assert result.exit_code == 0, result.output
    assert "pg_dump -Fc -h db.example.cn -p 5433 -U exam -d examapp -f /srv/backup/exam.dump" in result.output
    assert ("pg_restore --clean --if-exists --no-owner -h db.example.cn -p 5433 -U exam -d examapp "
            "/srv/backup/exam.dump") in result.output
    assert "s3cret-pw" not in result.output and "PGPASSWORD" in result.output
    refused = app.test_cli_runner().invoke(args=["restore", "/srv/backup/exam.dump", "--yes"])
    assert refused.exit_code != 0 and "pg_restore" in refused.output


@pytest.mark.skipif(not POSTGRES_URL or shutil.which("pg_dump") is None, reason="needs TEST_DATABASE_URL and pg_dump")
def test_backup_run_calls_pg_dump_for_postgresql(tmp_path):
    app = make_app(POSTGRES_URL, tmp_path / "instance")
    dump = tmp_path / "exam.dump"
    result = app.test_cli_runner().invoke(args=["backup", "--run", "-o", str(dump)])
    assert result.exit_code == 0, result.output
    assert dump.read_bytes().startswith(b"PGDMP") and "备份完成" in result.output   # pg_dump's custom format
