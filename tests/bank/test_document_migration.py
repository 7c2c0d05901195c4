"""The migration that introduced documents moves a database holding exams, attempts, practice and a published
snapshot under document 1 (《优化营商环境条例》) without losing a row, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, select

from examapp.extensions import db
from tests.conftest import reset_postgres_schema

BEFORE, AFTER = "snap0001c4d5e6", "docs0001a2b3c4"
NOW = dt.datetime(2026, 10, 20, 9, 0)
TABLES = ("article", "question", "question_version", "exam", "attempt", "paper_item", "answer",
          "practice_answer", "daily_drill", "snapshot")


def _filler(column):
    kind = column.type
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return NOW
    if isinstance(kind, Date):
        return NOW.date()
    if isinstance(kind, (Integer, Float, Numeric)):
        return 0
    return ""


def _insert(conn, tables, table_name, /, **values):
    """Insert a row as the table was at the old revision, filling required columns the test does not care about."""
    table = tables[table_name]
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key \
                and column.server_default is None:
            values[column.name] = _filler(column)
    return conn.execute(table.insert().values(**values)).inserted_primary_key[0]


def _rows(conn, tables):
    return {name: sorted(tuple(str(value) for value in row) for row in conn.execute(
        select(*[c for c in tables[name].columns if c.name not in ("document_id", "review_note")])))
        for name in TABLES}


@pytest.fixture
def old_database(app_factory, engine_name):
    app = app_factory()
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            tables = {name: db.Table(name, db.MetaData(), autoload_with=conn) for name in TABLES + ("user",)}
        yield app, tables
        db.session.remove()
        flask_migrate.downgrade(revision="base")


def _fill(conn, tables):
    ids = {}
    ids["user"] = _insert(conn, tables, "user", username="sj01", name="张三", role="candidate")
    for number in (1, 2, 3):
        _insert(conn, tables, "article", number=number, chapter=1, chapter_title="总则", text=f"第{number}条的原文")
    questions = []
    for number, article in enumerate((1, 2, None), start=1):
        question = _insert(conn, tables, "question", code=f"R{number}", version=1, type="single",
                           stem=f"题干{number}", stem_key=f"题干{number}", article_number=article, difficulty=2,
                           active=True, source="shipped", created_at=NOW, updated_at=NOW)
        version = _insert(conn, tables, "question_version", question_id=question, version=1, type="single",
                          stem=f"题干{number}", options=[{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
                          answer="A", explanation="", article_number=article, tags=[], used_at=NOW)
        questions.append((question, version))
    # The first question was corrected after the exam: a second version cites the same article.
    second = _insert(conn, tables, "question_version", question_id=questions[0][0], version=2, type="single",
                     stem="题干1（更正）", options=[], answer="B", explanation="", article_number=1, tags=[])
    conn.execute(tables["question"].update().where(tables["question"].c.id == questions[0][0]).values(version=2))
    exam = _insert(conn, tables, "exam", title="旧考试", opens_at=NOW, closes_at=NOW, duration_minutes=30,
                   sections=[{"type": "single", "count": 2, "points": 5, "chapters": [1], "articles": [1, 2]}],
                   status="closed")
    attempt = _insert(conn, tables, "attempt", exam_id=exam, user_id=ids["user"], number=1, status="submitted",
                      seed=7, score=5.0, max_score=10.0, finished_by="candidate")
    for position, (_question, version) in enumerate(questions[:2], start=1):
        item = _insert(conn, tables, "paper_item", attempt_id=attempt, position=position,
                       question_version_id=version, type="single", points=5.0, option_order=["A", "B"],
                       earned=5.0 if position == 1 else 0.0,
                       graded_version_id=second if position == 1 else version)
        _insert(conn, tables, "answer", attempt_id=attempt, item_id=item, value="A", seq=position, saved_at=NOW)
    _insert(conn, tables, "practice_answer", user_id=ids["user"], question_id=questions[1][0],
            question_version_id=questions[1][1], client_id=1, mode="article", value="B", earned=0.0,
            right=False, day=NOW.date(), answered_at=NOW)
    _insert(conn, tables, "daily_drill", user_id=ids["user"], day=NOW.date(), question_ids=[q for q, _ in questions])
    _insert(conn, tables, "snapshot", kind="exam_results", exam_id=exam, status="final", title="旧考试成绩通报",
            content={"rows": [{"name": "张三", "score": 5.0}]}, sha256="0" * 64, published_at=NOW, reason="")
    return questions


def test_upgrade_moves_everything_under_document_1_without_loss(old_database):
    from examapp.bank.models import Article, Document, Question, QuestionVersion
    app, tables = old_database
    with db.engine.begin() as conn:
        _fill(conn, tables)
    with db.engine.connect() as conn:
        before = _rows(conn, tables)
    flask_migrate.upgrade(revision=AFTER)
    with db.engine.connect() as conn:
        after_tables = {name: db.Table(name, db.MetaData(), autoload_with=conn) for name in TABLES}
        assert _rows(conn, after_tables) == before
        for name in ("article", "question", "question_version"):
            assert set(conn.execute(select(after_tables[name].c.document_id)).scalars()) == {1}
    document = db.session.get(Document, 1)
    assert (document.title, document.number, document.status_label, document.revises_id) == \
        ("优化营商环境条例", "国务院令第722号", "现行", None)
    assert db.session.get(Article, (1, 2)).text == "第2条的原文"
    cited = {q.code: q.article.number if q.article else None for q in db.session.scalars(select(Question))}
    assert cited == {"R1": 1, "R2": 2, "R3": None}
    assert all(v.document_id == 1 for v in db.session.scalars(select(QuestionVersion)))
    # The sequence moved past document 1: the next document is document 2 (PostgreSQL's explicit-id trap).
    db.session.add(Document(title="示例条例", status="current"))
    db.session.flush()
    assert db.session.scalar(select(Document.id).where(Document.title == "示例条例")) == 2
    db.session.rollback()
    db.session.remove()
    # And back: the downgrade restores the old keys with the same rows.
    flask_migrate.downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        old_tables = {name: db.Table(name, db.MetaData(), autoload_with=conn) for name in TABLES}
        assert _rows(conn, old_tables) == before


def test_an_empty_database_gets_no_document_until_the_regulation_is_loaded(old_database):
    from examapp.bank.models import Document
    from examapp.bank.services import default_document_id, load_articles
    flask_migrate.upgrade(revision=AFTER)
    assert db.session.scalar(select(db.func.count(Document.id))) == 0
    assert load_articles() == 72
    db.session.commit()
    assert default_document_id() == 1
    db.session.remove()
