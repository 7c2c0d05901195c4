"""Property: the users import reader and validator, fed any bytes or a mutated template, either accept the
file with records that can be stored, or refuse it with Chinese messages; they never raise anything else."""
from __future__ import annotations

import codecs

from hypothesis import example, given, settings
from hypothesis import strategies as st

from examapp.access.roles import ORG_KINDS
from examapp.accounts.importer import (
    COLUMNS,
    PHONE_RE,
    USERNAME_RE,
    ImportFileError,
    read_table,
    template_workbook,
    validate_rows,
)
from tests.fuzz.mutations import (
    NUL,
    build_xlsx,
    examples,
    has_chinese,
    mutated_bytes,
    mutated_table,
    mutated_workbook,
    mutated_zip,
    one_cell_replaced,
    read_xlsx,
)

GOOD_ROWS = [list(COLUMNS),
             ["示例·区商务局党组", "机关部门", "周一民", "zhouym", "13800000001"],
             ["示例·城南街道党工委", "乡镇街道", "钱二芳", "qianef", ""],
             ["示例·区人民医院党委", "学校医院", "孙三立", "sunsl", "13900000003"]]
EXISTING_USERNAMES = {"admin", "organizer", "sj01"}
EXISTING_KINDS = {"示例·区财政局党组": "机关部门", "示例·区商务局党组": "机关部门"}
TEMPLATE = template_workbook()
TEMPLATE_SHEETS = read_xlsx(TEMPLATE)


def filled_template() -> dict:
    sheets = {name: [list(r) for r in rows] for name, rows in TEMPLATE_SHEETS.items()}
    first = next(iter(sheets))
    sheets[first] = [list(r) for r in GOOD_ROWS]
    return sheets


BASE_XLSX = build_xlsx(filled_template())   # built once: the zip's timestamps would differ between examples


def csv_bytes(rows, encoding: str) -> bytes:
    import csv
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def check_file(filename: str, content: bytes) -> None:
    """The property every importer path relies on (page and CLI call exactly these two functions)."""
    try:
        rows = read_table(filename, content)
    except ImportFileError as exc:
        assert has_chinese(str(exc)), exc
        return
    assert all(isinstance(cell, str) for row in rows for cell in row)
    records, problems = validate_rows(rows, EXISTING_USERNAMES, EXISTING_KINDS)
    for problem in problems:
        assert has_chinese(str(problem)), problem
        assert problem.row >= 1
    if problems:
        return
    assert records, "an accepted file must import somebody"
    assert len({r.username for r in records}) == len(records)
    for record in records:
        assert USERNAME_RE.match(record.username) and record.username not in EXISTING_USERNAMES
        assert record.kind in ORG_KINDS
        assert 0 < len(record.organization) <= 100 and 0 < len(record.name) <= 50
        assert record.phone == "" or PHONE_RE.match(record.phone)
        assert EXISTING_KINDS.get(record.organization, record.kind) == record.kind
        for text in (record.organization, record.name, record.username, record.phone):
            assert NUL not in text, "PostgreSQL cannot store NUL characters"


def test_the_valid_bases_are_accepted():
    check_file("名单.xlsx", build_xlsx(filled_template()))
    for encoding in ("utf-8-sig", "gb18030"):
        rows = read_table("名单.csv", csv_bytes(GOOD_ROWS, encoding))
        records, problems = validate_rows(rows, EXISTING_USERNAMES, EXISTING_KINDS)
        assert not problems and len(records) == 3


@settings(max_examples=examples(300))
@given(st.binary(max_size=2000), st.sampled_from(["a.xlsx", "a.csv", "a.CSV", "a.txt", "a", ".xlsx"]))
@example(b"a" * 200_000, "a.csv")   # a field longer than the csv module's limit
@example(b"\x80\xff\xfe", "a.csv")
def test_random_bytes(content, filename):
    check_file(filename, content)


@settings(max_examples=examples(400))
@given(st.data(), st.sampled_from(["utf-8-sig", "utf-8", "gb18030", "gbk"]))
def test_mutated_csv(data, encoding):
    rows = data.draw(mutated_table(GOOD_ROWS, max_ops=5))
    content = csv_bytes(rows, codecs.lookup(encoding).name if encoding != "utf-8-sig" else encoding)
    if data.draw(st.integers(0, 5)) == 0:
        content = data.draw(mutated_bytes(content))
    check_file("名单.csv", content)


def test_nul_inside_a_csv_cell():
    check_file("名单.csv", "\n".join(",".join(r) for r in GOOD_ROWS).replace("周一民", "周\x00民").encode())


@settings(max_examples=examples(250))
@given(st.data())
def test_mutated_xlsx_template(data):
    sheets = data.draw(mutated_workbook(filled_template()))
    check_file("名单.xlsx", build_xlsx(sheets))


@settings(max_examples=examples(250))
@given(st.data())
def test_damaged_xlsx_zip(data):
    check_file("名单.xlsx", data.draw(mutated_zip(BASE_XLSX)))


@settings(max_examples=examples(250))
@given(st.data(), st.sampled_from(["名单.xlsx", "名单.csv"]))
def test_one_cell_replaced(data, filename):
    sheets = data.draw(one_cell_replaced({"书记名单": GOOD_ROWS}))
    content = build_xlsx(sheets) if filename.endswith(".xlsx") else csv_bytes(sheets["书记名单"], "utf-8")
    check_file(filename, content)
