"""Answers stored before control characters and lone surrogates were refused are made printable by migration
text0001b5c6d7: each such character becomes "�", everything else (and the marks) stays. SQLite and PostgreSQL."""
from __future__ import annotations

import flask_migrate
from sqlalchemy import select

from examapp.extensions import db
from tests.bank.test_document_migration import _fill, old_database  # noqa: F401

BAD = "营商\x00环境\ud800"


def test_upgrade_replaces_unprintable_characters_in_exam_and_practice_answers(old_database):  # noqa: F811
    app, tables = old_database
    with db.engine.begin() as conn:
        _fill(conn, tables)
        answer, practice = tables["answer"], tables["practice_answer"]
        first, second = conn.execute(select(answer.c.id).order_by(answer.c.id)).scalars().all()
        conn.execute(answer.update().where(answer.c.id == first).values(value=[BAD, "优化\t服务"]))
        conn.execute(practice.update().values(value=BAD))
    flask_migrate.upgrade(revision="text0001b5c6d7")
    with db.engine.connect() as conn:
        values = dict(conn.execute(select(answer.c.id, answer.c.value)).all())
        assert values == {first: ["营商�环境�", "优化�服务"], second: "A"}      # the clean one untouched
        assert conn.execute(select(practice.c.value)).scalars().all() == ["营商�环境�"]
        assert conn.execute(select(tables["paper_item"].c.earned).order_by(
            tables["paper_item"].c.id)).scalars().all() == [5.0, 0.0]               # marks as graded
    # Every stored answer can now be written out as UTF-8 (what a page does).
    for value in values.values():
        str(value).encode("utf-8")
