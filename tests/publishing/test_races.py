"""Two organisers publishing the same round at the same moment, on PostgreSQL with real connections: the
database's unique indexes on what a snapshot replaces let exactly one publication become current; the other
organiser is told so in Chinese and nothing of that attempt is kept (snapshot, audit entry, 发文字号)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import flask_migrate
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from examapp.audit.models import AuditEntry
from examapp.extensions import db
from examapp.publishing import services as publishing
from examapp.publishing.models import Snapshot
from examapp.settings.models import SystemSetting
from examapp.timeutil import utcnow
from tests.conftest import login, reset_postgres_schema
from tests.publishing.test_publishing import computed_round, publish

LOST = "另一位组织者刚刚发布了"


def _state(app, round_id):
    with app.app_context():
        snapshots = db.session.scalars(select(Snapshot).where(Snapshot.round_id == round_id)
                                       .order_by(Snapshot.id)).all()
        current = [s.id for s in snapshots if publishing.is_current(s)]
        audited = db.session.scalar(select(func.count(AuditEntry.id))
                                    .where(AuditEntry.action == "snapshot.published"))
        counters = {s.key: s.value for s in db.session.scalars(
            select(SystemSetting).where(SystemSetting.key.like("doc_number.%")))}
        return [s.id for s in snapshots], current, audited, counters


@pytest.mark.parametrize("previous", [False, True], ids=["first-publication", "correction-of-a-notice"])
def test_two_simultaneous_publications_leave_exactly_one_current(app, demo, engine_name, monkeypatch, previous):
    if engine_name != "postgresql":
        pytest.skip("concurrent writers: SQLite serialises whole transactions, PostgreSQL does not")
    round_id = computed_round(app)
    if previous:
        publish(app, round_id)
    before_ids, before_current, before_audited, before_counters = _state(app, round_id)

    # Both publishers read the current snapshot before either writes: the window a real race has.
    both_read = threading.Barrier(2, timeout=30)
    read_current = publishing._current

    def current_then_wait(*args, **kwargs):
        found = read_current(*args, **kwargs)
        both_read.wait()
        return found

    monkeypatch.setattr(publishing, "_current", current_then_wait)
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, "organizer")

    def post(client):
        return client.post(f"/published/rounds/{round_id}/publish", data={"mode": "notice", "reason": "更正"},
                           follow_redirects=True)

    with ThreadPoolExecutor(2) as pool:
        pages = [r.get_data(as_text=True) for r in pool.map(post, clients)]

    assert sum("已发布公示稿" in page for page in pages) == 1, [p[:300] for p in pages]
    assert sum(LOST in page and "请刷新页面" in page for page in pages) == 1
    ids, current, audited, counters = _state(app, round_id)
    assert len(ids) == len(before_ids) + 1 and current == [ids[-1]]
    assert audited == before_audited + 1                  # the loser's audit entry was rolled back too
    (key, value), = counters.items()
    assert int(value) == int(before_counters.get(key, 0)) + 1   # and its 发文字号 was not used up
    with app.app_context():
        winner = db.session.get(Snapshot, ids[-1])
        assert winner.replaces_id == (before_current[0] if previous else None)


def _old_database(app, engine_name):
    """A database at the revision before the guard, with helpers to add rounds and snapshots as they were."""
    if engine_name == "postgresql":
        reset_postgres_schema()
    flask_migrate.upgrade(revision="lrn0001a1b2c3")
    with db.engine.connect() as conn:
        rounds = db.Table("evaluation_round", db.MetaData(), autoload_with=conn)
        snapshots = db.Table("snapshot", db.MetaData(), autoload_with=conn)
    now = utcnow()

    def add_round(conn, name):
        return conn.execute(rounds.insert().values(
            name=name, periods=[], scheme={}, counted_exams=[], is_demo=False, created_at=now,
            updated_at=now)).inserted_primary_key[0]

    def add_snapshot(conn, round_id, status, replaces=None):
        return conn.execute(snapshots.insert().values(
            kind="ranking", round_id=round_id, status=status, title="旧排名", content={"rows": []},
            sha256="0" * 64, published_at=now, replaces_id=replaces, reason="")).inserted_primary_key[0]

    def drop_all():
        with db.engine.begin() as conn:
            for (snapshot_id,) in conn.execute(select(snapshots.c.id).order_by(snapshots.c.id.desc())).all():
                conn.execute(snapshots.delete().where(snapshots.c.id == snapshot_id))   # newest first (RESTRICT)
        flask_migrate.downgrade(revision="base")

    return snapshots, add_round, add_snapshot, drop_all


def test_upgrade_keeps_published_snapshots_and_then_refuses_a_second_current(app_factory, engine_name):
    """A database holding a 公示→正式 chain and a first snapshot of another round upgrades to the unique
    indexes; afterwards a second replacement of the same snapshot, or a second first snapshot of a round,
    is refused by the database itself."""
    app = app_factory()
    with app.app_context():
        snapshots, add_round, add_snapshot, drop_all = _old_database(app, engine_name)
        with db.engine.begin() as conn:
            first_round, second_round = add_round(conn, "旧批次一"), add_round(conn, "旧批次二")
            notice = add_snapshot(conn, first_round, "notice")
            final = add_snapshot(conn, first_round, "final", replaces=notice)
            other = add_snapshot(conn, second_round, "notice")
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            kept = conn.execute(select(snapshots.c.id, snapshots.c.replaces_id).order_by(snapshots.c.id)).all()
        assert [tuple(row) for row in kept] == [(notice, None), (final, notice), (other, None)]
        for round_id, replaces in ((first_round, notice), (second_round, None)):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                add_snapshot(conn, round_id, "final", replaces=replaces)
        with db.engine.begin() as conn:      # replacing the current one is still allowed
            add_snapshot(conn, first_round, "final", replaces=final)
        drop_all()


def test_upgrade_names_the_snapshots_an_earlier_race_left_current_twice(app_factory, engine_name, caplog):
    """`flask db upgrade` stops with a message naming the snapshot replaced twice (what the operator sees),
    and the database stays at the earlier revision, unchanged."""
    app = app_factory()
    with app.app_context():
        _, add_round, add_snapshot, drop_all = _old_database(app, engine_name)
        with db.engine.begin() as conn:
            round_id = add_round(conn, "旧批次")
            notice = add_snapshot(conn, round_id, "notice")
            add_snapshot(conn, round_id, "notice", replaces=notice)
            add_snapshot(conn, round_id, "final", replaces=notice)
        with pytest.raises(SystemExit):
            flask_migrate.upgrade()
        assert f"涉及第 {notice} 号发布" in caplog.text
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "lrn0001a1b2c3"
        drop_all()
