"""Text that looks like a formula stays text in every Excel export (no formula injection)."""
import io

from openpyxl import Workbook, load_workbook

from examapp.bank.core import QuestionData
from examapp.bank.formats import ExportItem, dump, parse
from examapp.xlsxutil import keep_text_as_text

EVIL = '=HYPERLINK("http://example.invalid","点此")'


def test_formula_like_text_is_written_as_a_string():
    workbook = Workbook()
    workbook.active.append([EVIL, "正常文字", 3])
    buffer = io.BytesIO()
    keep_text_as_text(workbook).save(buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]
    assert cell.value == EVIL and cell.data_type == "s"


def test_question_bank_export_keeps_a_formula_like_stem_as_text_and_round_trips():
    question = QuestionData(type="truefalse", stem=EVIL + "（这是一道判断题）", answer=True, explanation="说明",
                            article=1, difficulty=1)
    content = dump("xlsx", [ExportItem(id=1, version=1, chapter=1, data=question)]).content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    stems = [c for c in sheet["B"] if c.value and str(c.value).startswith("=")]
    assert stems and all(c.data_type == "s" for c in stems)
    parsed = parse("xlsx", content)
    assert not parsed.problems and parsed.items[0].data.stem == question.stem
