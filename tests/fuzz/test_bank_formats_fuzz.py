"""Property: every question-bank format parser, fed any bytes or a mutated export of real questions, returns a
ParseResult (it never raises); every problem and skip note is Chinese; every question it returns is well-formed
enough for the bank's own checks (which the import then runs) and storable."""
from __future__ import annotations

import functools

from hypothesis import example, given, settings
from hypothesis import strategies as st

from examapp.bank import formats, qtypes
from examapp.bank.core import QuestionData, validate_question
from examapp.bank.formats.common import ExportItem
from examapp.bank.shipped import chapter_files, load_regulation, read_chapter_file
from tests.fuzz.mutations import (
    NUL,
    build_xlsx,
    examples,
    has_chinese,
    mutated_bytes,
    mutated_json,
    mutated_text,
    mutated_workbook,
    mutated_xml,
    mutated_zip,
    one_cell_replaced,
    read_xlsx,
)

# Two blanks whose answers are in article 1, so the question is valid in the bank too (Moodle: cloze).
TWO_BLANKS = QuestionData(type="fill", stem="制定本条例是为了持续优化____，不断解放和发展____。",
                          answer=[["营商环境"], ["社会生产力"]], explanation="见第一条。", article=1, difficulty=2,
                          tags=["立法目的"])


@functools.cache
def base_questions() -> tuple[QuestionData, ...]:
    """Real questions of the shipped bank, one or two of each type, plus a two-blank fill-in."""
    shipped, _ = read_chapter_file(chapter_files()[0])
    chosen: list[QuestionData] = []
    for qtype, count in (("single", 2), ("multiple", 1), ("truefalse", 1), ("fill", 1)):
        chosen += [q.data for q in shipped if q.data.type == qtype][:count]
    return (*chosen, TWO_BLANKS)


@functools.cache
def articles() -> dict:
    return load_regulation().articles_by_number


def export(fmt: str, questions=None, chapter: int | None = 1) -> bytes:
    items = [ExportItem(id=None, version=None, chapter=chapter, data=q) for q in (questions or base_questions())]
    return formats.dump(fmt, items).content


BASES = {fmt: export(fmt) for fmt in formats.FORMATS}
XLSX_SHEETS = read_xlsx(BASES["xlsx"])


def check_parse(fmt: str | None, content: bytes) -> formats.ParseResult:
    """The property the page and the CLI rely on: formats.parse never raises and speaks Chinese."""
    result = formats.parse(fmt, content)
    for problem in result.problems:
        assert has_chinese(str(problem)), problem
    for note in result.skipped:
        assert has_chinese(note), note
    if result.ok:
        assert result.items or result.skipped
    for item in result.items:
        data = item.data
        assert has_chinese(item.location)
        assert qtypes.find(data.type) and isinstance(data.stem, str)   # an empty stem: validate_question
        assert isinstance(data.explanation, str) and isinstance(data.tags, list)
        assert all(isinstance(o["key"], str) and isinstance(o["text"], str) for o in data.options)
        assert data.article is None or isinstance(data.article, int)
        assert isinstance(data.difficulty, int)
        texts = [data.stem, data.explanation, *data.tags, *(o["text"] for o in data.options)]
        if data.type == "fill":
            assert isinstance(data.answer, list) and all(isinstance(b, list) for b in data.answer)
            texts += [alt for blank in data.answer for alt in blank]
        assert all(NUL not in text for text in texts), "PostgreSQL cannot store NUL characters"
        for problem in validate_question(data, articles()):   # what the import checks next must not crash
            assert has_chinese(problem), problem
    return result


@functools.cache
def expected_in(fmt: str) -> int:
    return len(base_questions()) - (fmt == "gift")   # GIFT cannot carry the two-blank fill-in


def test_the_valid_bases_parse_back():
    for fmt, content in BASES.items():
        result = check_parse(fmt, content)
        assert result.ok and len(result.items) == expected_in(fmt), (fmt, result.problems)
        assert all(not validate_question(i.data, articles()) for i in result.items)


@settings(max_examples=examples(150))
@given(st.binary(max_size=3000), st.sampled_from([*formats.FORMATS, None]))
@example(b"[" * 100_000 + b"]" * 100_000, "json")   # nesting deeper than the JSON decoder's recursion
@example(b"[" + b"1" * 5000 + b"]", "json")           # an integer longer than Python converts
@example(b'<?xml version="1.0" encoding="x-unknown"?><quiz/>', "moodle-xml")
@example(b'<?xml version="1.0" encoding="gbk"?><quiz/>', "moodle-xml")   # expat reads no multi-byte codec
@example(b"<quiz>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</quiz>", "moodle-xml")
@example(b'[{"type": "truefalse", "stem": "\\u0000\\u0000", "answer": true}]', "json")
@example(b"\x00\x00{TRUE}", "gift")
def test_random_bytes(content, fmt):
    check_parse(fmt, content)


@settings(max_examples=examples(300))
@given(st.data())
def test_mutated_json(data):
    check_parse("json", data.draw(mutated_json(BASES["json"])))


@settings(max_examples=examples(300))
@given(st.data())
def test_mutated_moodle_xml(data):
    check_parse("moodle-xml", data.draw(mutated_xml(BASES["moodle-xml"])))


@settings(max_examples=examples(400))
@given(st.data(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_mutated_gift(data, encoding):
    text = data.draw(mutated_text(BASES["gift"].decode("utf-8")))
    content = text.encode(encoding, errors="replace")
    if data.draw(st.integers(0, 5)) == 0:
        content = data.draw(mutated_bytes(content))
    check_parse("gift", content)


@settings(max_examples=examples(250))
@given(st.data())
def test_mutated_xlsx(data):
    check_parse("xlsx", build_xlsx(data.draw(mutated_workbook(XLSX_SHEETS))))


@settings(max_examples=examples(200))
@given(st.data())
def test_damaged_xlsx_zip(data):
    check_parse("xlsx", data.draw(mutated_zip(BASES["xlsx"])))


@settings(max_examples=examples(250))
@given(st.data())
def test_xlsx_one_cell_replaced(data):
    check_parse("xlsx", build_xlsx(data.draw(one_cell_replaced({"题库": XLSX_SHEETS["题库"]}))))
