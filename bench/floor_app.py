"""The bare floor for the autosave benchmark: Flask + SQLAlchemy Core + the same one-row upsert, nothing else.

No login, no session, no CSRF, no ownership/deadline/shape checks, no ORM: one POST endpoint that
does `INSERT ... ON CONFLICT (item_id) DO UPDATE ... WHERE floor_answer.seq < excluded.seq` into a
table of the same shape as `answer`, on the same kind of database, with the same SQLite connection
settings as examapp (WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout=10000, autocommit off at
the driver and BEGIN IMMEDIATE issued by us for the write).

    FLOOR_DATABASE_URL=sqlite:////tmp/x/floor.db gunicorn -w 2 --chdir bench floor_app:app

POST /save  {"attempt": int, "item": int, "answer": any JSON, "seq": int}  ->  {"saved": true, "seq": n}
"""
from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()
floor_answer = Table(
    "floor_answer", metadata,
    Column("id", Integer, primary_key=True),
    Column("attempt_id", Integer, nullable=False, index=True),
    Column("item_id", Integer, nullable=False, unique=True),
    Column("value", JSON, nullable=True),
    Column("seq", BigInteger, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str):
    engine = create_engine(normalise_url(url))
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, connection_record):  # same as examapp/__init__.py
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # every request here writes
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def create_schema(url: str) -> None:
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url or os.environ["FLOOR_DATABASE_URL"])
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    @app.post("/save")
    def save():
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("item"), int) or not isinstance(data.get("seq"), int):
            return jsonify({"error": "bad request", "status": 400}), 400
        now = datetime.now(UTC).replace(tzinfo=None)
        stmt = insert(floor_answer).values(attempt_id=data.get("attempt", 0), item_id=data["item"],
                                           value=data.get("answer"), seq=data["seq"], saved_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[floor_answer.c.item_id],
            set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq, "saved_at": stmt.excluded.saved_at},
            where=floor_answer.c.seq < stmt.excluded.seq)
        with engine.begin() as conn:
            conn.execute(stmt)
        return jsonify({"saved": True, "seq": data["seq"], "server_time": now.isoformat(timespec="seconds") + "Z"})

    return app


if os.environ.get("FLOOR_DATABASE_URL"):
    app = create_app()
