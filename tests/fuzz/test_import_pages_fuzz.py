"""Property, through the real upload pages (route → parser → service → database): a refused file changes nothing
at all in the database and the page says why in Chinese; an accepted file is written whole. A file that is valid
except for ONE bad row, wherever it is, writes nothing.

Examples stay independent: what an accepted users or bank file added is deleted again (which also shows that
the import only added rows), and each scoring example imports into a round of its own. The base files are built
once, so a replayed example draws exactly the same data.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from examapp.accounts import importer
from examapp.accounts import services as accounts
from examapp.accounts.importer import COLUMNS
from examapp.accounts.models import User
from examapp.bank import formats
from examapp.bank.models import Question
from examapp.bank.services import load_articles
from examapp.extensions import db
from examapp.scoring import services as scoring
from examapp.scoring.models import EvaluationRound
from examapp.scoring.workbook import SHEETS, read_workbook, write_workbook
from tests.conftest import login
from tests.fuzz.mutations import (
    build_xlsx,
    examples,
    has_chinese,
    mutated_json,
    mutated_table,
    mutated_text,
    mutated_workbook,
    mutated_xml,
    mutated_zip,
    one_cell_replaced,
    read_xlsx,
)
from tests.fuzz.test_bank_formats_fuzz import TWO_BLANKS, base_questions
from tests.fuzz.test_scoring_workbook_fuzz import small_inputs

DB_SETTINGS = settings(max_examples=examples(50), suppress_health_check=[HealthCheck.function_scoped_fixture])
ROUNDS = itertools.count(1)


def database_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows: equal before and after means nothing changed."""
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        state[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
    db.session.rollback()
    return state


def last_ids() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.max(table.c.id))) or 0
            for table in db.metadata.sorted_tables if "id" in table.c}


def delete_added_rows(before: dict[str, int]) -> None:
    """Undo an accepted import that only inserted rows (users, questions): delete every row added since."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name in before:
            db.session.execute(table.delete().where(table.c.id > before[table.name]))
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def organizer(app, client, demo):
    """The organiser's logged-in client, with the regulation's articles in the database."""
    with app.app_context():
        load_articles()
        db.session.commit()
    login(client, "organizer")
    return client


def post(client, url: str, content: bytes, filename: str):
    return client.post(url, data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def outcome(kind: str) -> None:
    """Counted in --hypothesis-show-statistics: how many examples were refused or accepted."""
    if currently_in_test_context():
        event(kind)


def assert_refused(app, response, before: dict, marker: str) -> str:
    outcome("refused")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    assert marker in body
    with app.app_context():
        assert database_state() == before
    return body


# ---------------------------------------------------------------- users

SECRETARY_ROWS = [list(COLUMNS),
                  ["模糊测试组织甲", "机关部门", "周一民", "fuzza", "13800000001"],
                  ["模糊测试组织乙", "乡镇街道", "钱二芳", "fuzzb", ""],
                  ["模糊测试组织甲", "机关部门", "孙三立", "fuzzc", "13900000003"]]


def users_file(rows, kind: str) -> tuple[bytes, str]:
    if kind == "xlsx":
        return build_xlsx({"书记名单": rows}), "名单.xlsx"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(kind, errors="replace"), "名单.csv"


def check_users_upload(app, client, content: bytes, filename: str) -> None:
    with app.app_context():
        before, users_before, ids = database_state(), count(User), last_ids()
        problems = []
        try:
            rows = importer.read_table(filename, content)
        except importer.ImportFileError as exc:
            expected = [str(exc)]
        else:
            records, problems = importer.validate_rows(rows, accounts.existing_usernames(),
                                                       accounts.organization_kinds(), accounts.existing_secretaries())
            expected = [p.message for p in problems]
    response = post(client, "/users/import", content, filename)
    if expected:
        assert all(has_chinese(m) for m in expected)
        body = assert_refused(app, response, before, str(escape(expected[0])))
        if problems:
            assert "未导入任何数据" in body
        return
    outcome("accepted")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert count(User) == users_before + len(records)
        delete_added_rows(ids)
        assert database_state() == before


@DB_SETTINGS
@given(data=st.data())
def test_users_page_refuses_broken_files_and_writes_nothing(app, organizer, data):
    rows = data.draw(mutated_table(SECRETARY_ROWS, max_ops=4))
    kind = data.draw(st.sampled_from(["xlsx", "utf-8-sig", "gb18030"]))
    content, filename = users_file(rows, kind)
    if kind == "xlsx" and data.draw(st.integers(0, 3)) == 0:
        content = data.draw(mutated_zip(content))
    check_users_upload(app, organizer, content, filename)


BAD_SECRETARY_CELLS = [(3, "b a d"), (3, "admin"), (3, "@@"), (1, "外星部门"), (2, ""), (0, "长" * 101),
                       (4, "12345"), (2, "名" * 51), (0, "")]


@DB_SETTINGS
@given(data=st.data())
def test_users_file_valid_but_for_one_row_writes_nothing(app, organizer, data):
    rows = [list(r) for r in SECRETARY_ROWS] + [["模糊测试组织丙", "园区", f"书记{i}", f"fuzzx{i}", ""]
                                     for i in range(data.draw(st.integers(0, 5)))]
    column, value = data.draw(st.sampled_from(BAD_SECRETARY_CELLS))
    bad = ["模糊测试组织丁", "国企", "吴四海", "fuzzbad", "13700000004"]
    bad[column] = value
    position = data.draw(st.integers(1, len(rows)))
    rows.insert(position, bad)
    content, filename = users_file(rows, data.draw(st.sampled_from(["xlsx", "utf-8-sig", "gb18030"])))
    with app.app_context():
        before = database_state()
    body = assert_refused(app, post(organizer, "/users/import", content, filename), before, "未导入任何数据")
    assert f"第 {position + 1} 行" in body


# ---------------------------------------------------------------- question bank

def bank_file(fmt: str, questions) -> bytes:
    items = [formats.ExportItem(id=None, version=None, chapter=1, data=q) for q in questions]
    return formats.dump(fmt, items).content


BANK_BASES = {fmt: bank_file(fmt, base_questions()) for fmt in formats.FORMATS}


@st.composite
def mutated_bank_file(draw, fmt: str, content: bytes) -> bytes:
    if fmt == "json":
        return draw(mutated_json(content))
    if fmt == "moodle-xml":
        return draw(mutated_xml(content))
    if fmt == "gift":
        return draw(mutated_text(content.decode("utf-8"))).encode("utf-8")
    if draw(st.booleans()):
        return draw(mutated_zip(content))
    sheets = read_xlsx(content)
    if draw(st.booleans()):
        return build_xlsx(draw(one_cell_replaced({"题库": sheets["题库"]})))
    return build_xlsx(draw(mutated_workbook(sheets)))


def check_bank_upload(app, client, fmt: str, content: bytes) -> None:
    filename = "题目." + formats.FILE_EXTENSIONS[fmt]
    parsed = formats.parse(fmt, content)
    with app.app_context():
        before, questions_before, ids = database_state(), count(Question), last_ids()
    response = post(client, "/bank/import", content, filename)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 302), body[:500]
    if parsed.problems or "未导入任何题目" in body:
        assert_refused(app, response, before, "未导入任何题目")
        if parsed.problems:
            assert str(escape(str(parsed.problems[0]))) in body
        return
    outcome("accepted")
    with app.app_context():   # accepted: every question of the file, and nothing else
        assert count(Question) == questions_before + len(parsed.items)
        delete_added_rows(ids)
        assert database_state() == before


@DB_SETTINGS
@given(data=st.data())
def test_bank_page_refuses_broken_files_and_writes_nothing(app, organizer, data):
    fmt = data.draw(st.sampled_from(formats.FORMATS))
    check_bank_upload(app, organizer, fmt, data.draw(mutated_bank_file(fmt, BANK_BASES[fmt])))


def bad_questions(good):
    """Questions each wrong in one way the parser or the bank's checks refuse."""
    first = good[0]
    return [
        dataclasses.replace(first, stem="答案不是选项（　）", answer="F"),
        dataclasses.replace(first, stem="条款不存在（　）", article=9999),
        dataclasses.replace(first, stem=first.stem + "！！"),   # the same stem but for punctuation
        dataclasses.replace(TWO_BLANKS, stem="持续优化____，解放和发展____。", answer=[["营商环境"]]),
        dataclasses.replace(first, stem="很长的题干" * 200),
        dataclasses.replace(first, stem="难度无效（　）", difficulty=7),
    ]


@DB_SETTINGS
@given(data=st.data())
def test_bank_file_valid_but_for_one_question_writes_nothing(app, organizer, data):
    good = list(base_questions())
    fmt = data.draw(st.sampled_from(formats.FORMATS))
    if fmt == "gift":   # GIFT cannot carry the two-blank question (the export leaves it out)
        good = [q for q in good if not (q.type == "fill" and len(q.answer) > 1)]
    bad = data.draw(st.sampled_from(bad_questions(good)))
    questions = list(good)
    questions.insert(data.draw(st.integers(0, len(questions))), bad)
    content = bank_file(fmt, questions)
    with app.app_context():
        before = database_state()
    response = post(organizer, "/bank/import", content, "题目." + formats.FILE_EXTENSIONS[fmt])
    assert_refused(app, response, before, "未导入任何题目")


def test_a_stem_too_long_for_the_duplicate_index_is_refused(app, organizer):
    """The normalised stem is indexed in a column of 600 characters: PostgreSQL refuses anything longer."""
    question = dataclasses.replace(base_questions()[0], stem="很长的题干" * 130 + "（　）")
    with app.app_context():
        before = database_state()
    response = post(organizer, "/bank/import", bank_file("json", [question]), "题目.json")
    body = assert_refused(app, response, before, "未导入任何题目")
    assert "题干过长" in body


# ---------------------------------------------------------------- scoring workbook

BASE_WORKBOOK = write_workbook(small_inputs())
BASE_SHEETS = read_xlsx(BASE_WORKBOOK)


def new_round(app) -> int:
    with app.app_context():
        round_ = scoring.ensure_round(f"模糊测试批次{next(ROUNDS)}")
        db.session.commit()
        return round_.id


def check_scoring_upload(app, client, round_id: int, content: bytes) -> None:
    with app.app_context():
        before = database_state()
        expected = read_workbook(content, demo_organizations(), set())
    response = post(client, f"/scoring/{round_id}/import", content, "考评数据.xlsx")
    if expected.problems:
        body = assert_refused(app, response, before, "未写入任何数据")
        assert str(escape(str(expected.problems[0]))) in body
        return
    outcome("accepted")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        counts = scoring.input_counts(db.session.get(EvaluationRound, round_id))
        assert counts["指标排名"] == len(expected.inputs.ranks)
        assert counts["执政形象"] == len(expected.inputs.conduct)


def demo_organizations() -> set[str]:
    return set(accounts.organization_kinds())


@DB_SETTINGS
@given(data=st.data())
def test_scoring_page_refuses_broken_workbooks_and_writes_nothing(app, organizer, data):
    how = data.draw(st.sampled_from(["workbook", "cell", "zip"]))
    if how == "zip":
        content = data.draw(mutated_zip(BASE_WORKBOOK))
    elif how == "cell":
        content = build_xlsx(data.draw(one_cell_replaced(BASE_SHEETS)))
    else:
        content = build_xlsx(data.draw(mutated_workbook(BASE_SHEETS)))
    check_scoring_upload(app, organizer, new_round(app), content)


BAD_CELLS = {"指标": {"指标层级": "四级", "指标编码": "X" * 33, "上级指标编码": "不存在"},
             "指标排名": {"全市排名": 99, "参评地区数": 10 ** 12, "考核期": "长" * 40},
             "联企解困": {"党组织": "、", "走访企业数": -1, "满意度": 120, "已解决数": 10 ** 10},
             "执政形象": {"类型": "罚款", "分值": 0, "日期": "2023-02-30", "事由": None},
             "考试成绩": {"得分": 101, "党组织": "不存在的党组织", "考试名称": "长" * 201},
             "其他指标": {"指标名称": "E", "得分": "很好"}}


@DB_SETTINGS
@given(data=st.data())
def test_scoring_workbook_valid_but_for_one_row_writes_nothing(app, organizer, data):
    sheet = data.draw(st.sampled_from(sorted(BAD_CELLS)))
    column, value = data.draw(st.sampled_from(sorted(BAD_CELLS[sheet].items(), key=repr)))
    sheets = {name: [list(r) for r in rows] for name, rows in BASE_SHEETS.items()}
    rows = sheets[sheet]
    bad = list(rows[data.draw(st.integers(1, len(rows) - 1))])
    bad[SHEETS[sheet].index(column)] = value
    position = data.draw(st.integers(1, len(rows)))
    rows.insert(position, bad)
    round_id = new_round(app)
    with app.app_context():
        before = database_state()
    body = assert_refused(app, post(organizer, f"/scoring/{round_id}/import", build_xlsx(sheets), "考评数据.xlsx"),
                          before, "未写入任何数据")
    assert f"「{sheet}」第 {position + 1} 行" in body
