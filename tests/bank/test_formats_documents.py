"""Every bank format carries each question's policy document (政策文件) both ways; an import names existing 现行
documents or none (the current 《条例》), and checks each article against its own document.

The second document is the short fictional regulation of test_documents.py.
"""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from examapp.bank import formats
from examapp.bank.core import QuestionData
from examapp.bank.formats.common import ExportItem, category_path, document_in_category, parse_document
from examapp.bank.models import Question
from examapp.extensions import db
from tests.bank.test_documents import REVISED, SAMPLE, _import
from tests.bank.test_import_export import export_empty_import, xlsx_file
from tests.conftest import login

SAMPLE_TITLE = "示例市优化营商服务办法"


def regulation_question(n: int) -> QuestionData:
    return QuestionData(type="truefalse", stem=f"第{n}条的示例判断题。", answer=True, explanation="说明", article=n)


def sample_questions() -> list[QuestionData]:
    return [
        QuestionData(type="fill", stem="服务专员应当在____内答复市场主体的咨询。", answer=[["三个工作日"]],
                     explanation="见第三条", article=3, difficulty=3, tags=["时限"]),
        QuestionData(type="single", stem="任何单位不得向市场主体收取（　）。", answer="B",
                     options=[{"key": "A", "text": "税款"}, {"key": "B", "text": "帮办费用"}], article=4),
        QuestionData(type="truefalse", stem="示例办法的题目可以不关联条款。", answer=True),
    ]


# --- the formats alone (pure) ----------------------------------------------------------------------------

def two_document_items() -> list[ExportItem]:
    regulation = [ExportItem(id=n, version=1, chapter=1, data=regulation_question(n), document="国务院令第722号",
                             document_title="优化营商环境条例") for n in (1, 2)]
    sample = [ExportItem(id=10 + n, version=1, chapter=(None if q.article is None else 2), data=q, document=2,
                         document_title=SAMPLE_TITLE) for n, q in enumerate(sample_questions())]
    return regulation + sample


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_each_format_writes_and_reads_back_the_document_of_every_question(fmt):
    items = two_document_items()
    parsed = formats.parse(fmt, formats.dump(fmt, items).content)
    assert parsed.ok and not parsed.skipped, parsed.problems
    # The 文号 comes back as written; a document without one by its id (a number, or "编号2" in a category).
    id_back = "编号2" if fmt in ("gift", "moodle-xml") else 2
    assert [(p.data.stem, p.document) for p in parsed.items] == [
        (item.data.stem, "国务院令第722号" if item.document != 2 else id_back) for item in items]
    assert [p.data.as_dict() for p in parsed.items] == [item.data.as_dict() for item in items]


def test_moodle_categories_file_questions_under_their_document_and_chapter():
    gift = formats.dump("gift", two_document_items()).content.decode()
    assert "$CATEGORY: $course$/top/题库/《优化营商环境条例》（国务院令第722号）/第一章" in gift
    assert f"$CATEGORY: $course$/top/题库/《{SAMPLE_TITLE}》（编号2）/第二章" in gift
    root = ET.fromstring(formats.dump("moodle-xml", two_document_items()).content)
    paths = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert paths == ["$course$/top/题库/《优化营商环境条例》（国务院令第722号）/第一章",
                     f"$course$/top/题库/《{SAMPLE_TITLE}》（编号2）/第二章",
                     f"$course$/top/题库/《{SAMPLE_TITLE}》（编号2）/未关联条款"]


def test_a_slash_in_a_document_number_survives_moodles_category_escaping():
    path = category_path(3, "示例/〔2026〕1号", "甲/乙办法")
    assert path == "$course$/top/题库/《甲//乙办法》（示例//〔2026〕1号）/第三章"
    assert document_in_category(path) == "示例/〔2026〕1号"
    assert document_in_category("$course$/top/默认/第一批（试用）") is None   # an ordinary category names none


def test_files_written_before_documents_and_other_moodle_categories_name_no_document():
    old_xlsx = xlsx_file([["判断题", "旧文件的判断题。", "", "", "", "", "", "", "对", "", 1, 1, ""]])
    gift = "$CATEGORY: $course$/top/默认\n\n::a::旧判断题。{T}\n".encode()
    xml = ("<quiz><question type='category'><category><text>$course$/top/默认</text></category></question>"
           "<question type='truefalse'><questiontext format='html'><text>旧判断题。</text></questiontext>"
           "<answer fraction='100'><text>true</text></answer><answer fraction='0'><text>false</text></answer>"
           "</question></quiz>").encode()
    old_json = json.dumps([{"type": "truefalse", "stem": "旧判断题。", "answer": True}]).encode()
    for fmt, content in (("xlsx", old_xlsx), ("gift", gift), ("moodle-xml", xml), ("json", old_json)):
        parsed = formats.parse(fmt, content)
        assert parsed.ok and [p.document for p in parsed.items] == [None], fmt


def test_a_later_category_without_a_document_ends_the_previous_ones_document():
    gift = ("$CATEGORY: $course$/top/题库/《示例》（示例〔2026〕1号）/第一章\n\n::a::甲。{T}\n\n"
            "$CATEGORY: $course$/top/别的类别\n\n::b::乙。{F}\n").encode()
    assert [p.document for p in formats.parse("gift", gift).items] == ["示例〔2026〕1号", None]


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), ("  国务院令 第722号 ", "国务院令 第722号"),
                                               (2, 2), (2.0, 2), ("2", "2")])
def test_parse_document(raw, expected):
    assert parse_document(raw) == expected


@pytest.mark.parametrize("raw", [0, 2.5, True, ["x"]])
def test_parse_document_refuses_what_names_no_document(raw):
    with pytest.raises(ValueError, match="政策文件"):
        parse_document(raw)


def test_bad_document_cells_are_reported_by_row_and_column():
    header = ["题型", "题干", "答案", "政策文件"]
    workbook = load_workbook(io.BytesIO(xlsx_file([])))
    sheet = workbook["题库"]
    sheet.delete_rows(1)
    sheet.append(header)
    sheet.append(["判断题", "甲。", "对", 2.5])
    sheet.append(["判断题", "乙。", "对", -1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = formats.parse("xlsx", buffer.getvalue())
    assert [str(p) for p in parsed.problems] == [
        "第 2 行「政策文件」列：政策文件“2.5”无效，应写文号（如 国务院令第722号）或文件编号",
        "第 3 行「政策文件」列：政策文件编号“-1”无效，应为正整数"]
    bad_json = json.dumps([{"type": "truefalse", "stem": "甲。", "answer": True, "document": True}]).encode()
    assert [str(p) for p in formats.parse("json", bad_json).problems] == [
        "第 1 题：政策文件“True”无效，应写文号（如 国务院令第722号）或文件编号"]


# --- through the bank (both engines) ---------------------------------------------------------------------

@pytest.fixture
def two_documents(app):
    """The 《条例》's articles with two questions, and the sample document (no 文号) with three."""
    from examapp.bank import services
    with app.app_context():
        services.load_articles()
        for n in (1, 2):
            services.create_question(regulation_question(n))
        _checked, sample = _import(SAMPLE)
        for question in sample_questions():
            services.create_question(question, document_id=sample.id)
        db.session.commit()
        return sample.id


def bank_by_document(app) -> dict[str, tuple[int, dict]]:
    with app.app_context():
        return {q.stem: (q.document_id, q.current.as_data().as_dict()) for q in db.session.scalars(db.select(Question))}


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_export_then_import_puts_every_question_back_in_its_document(app, runner, two_documents, tmp_path, fmt):
    original = bank_by_document(app)
    assert sorted(doc for doc, _data in original.values()) == [1, 1, two_documents, two_documents, two_documents]
    result = export_empty_import(app, runner, tmp_path / f"bank.{formats.FILE_EXTENSIONS[fmt]}", fmt)
    assert result.exit_code == 0, result.output
    assert f"新增 5 题（《优化营商环境条例》2 题、《{SAMPLE_TITLE}》3 题）" in result.output
    assert bank_by_document(app) == original


def test_the_excel_export_names_each_questions_document_and_lists_them(app, client, demo, two_documents):
    login(client, "organizer")
    workbook = load_workbook(io.BytesIO(client.get("/bank/export?format=xlsx").data))
    rows = list(workbook["题库"].iter_rows(values_only=True))
    column = rows[0].index("政策文件")
    assert [(row[1], row[column]) for row in rows[1:3]] == [("第1条的示例判断题。", "国务院令第722号"),
                                                            ("第2条的示例判断题。", "国务院令第722号")]
    assert {row[column] for row in rows[3:]} == {two_documents}
    help_rows = dict(workbook["填写说明"].iter_rows(values_only=True))
    assert help_rows["本文件中的政策文件"] == f"国务院令第722号：《优化营商环境条例》\n{two_documents}：《{SAMPLE_TITLE}》"


def test_each_article_is_checked_against_its_own_documents_text(app, runner, two_documents, tmp_path):
    path = tmp_path / "题目.json"
    records = [
        # Article 9 exists in the 《条例》 but not in the five-article sample.
        {"type": "truefalse", "stem": "示例办法第九条的题。", "answer": True, "article": 9, "document": two_documents},
        # The fill answer is verbatim in the sample's article 3, not in the 《条例》's.
        {"type": "fill", "stem": "可以延长至______。", "answer": [["五个工作日"]], "article": 3},
        {"type": "fill", "stem": "复杂事项可以延长至______。", "answer": [["五个工作日"]], "article": 3,
         "document": f"编号{two_documents}"},
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    before = bank_by_document(app)
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1
    assert f"第 1 题（《{SAMPLE_TITLE}》）：条款“第九条”不存在" in result.output
    assert "第 2 题：第 1 空的答案“五个工作日”未在第三条原文中出现" in result.output
    assert "第 3 题" not in result.output and "文件有 2 处错误，未导入任何题目" in result.output
    assert bank_by_document(app) == before


def test_an_unknown_or_revised_document_refuses_the_whole_file(app, client, demo, two_documents):
    with app.app_context():
        _checked, revised = _import(REVISED, revises_id=two_documents, number="示例政发〔2026〕9号")
        db.session.commit()
        revised_id = revised.id
    before = bank_by_document(app)
    content = xlsx_file([
        ["判断题", "本行可以导入。", "", "", "", "", "", "", "对", "", 4, 1, ""],
        ["判断题", "写了不存在的文件。", "", "", "", "", "", "", "对", "", 4, 1, ""],
        ["判断题", "写了已修订的文件。", "", "", "", "", "", "", "对", "", 4, 1, ""],
    ])
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["题库"]
    sheet["N1"], sheet["N3"], sheet["N4"] = "政策文件", "示例政发〔2099〕1号", two_documents
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, "organizer")
    page = client.post("/bank/import", data={"file": (io.BytesIO(buffer.getvalue()), "题目.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "文件中有 2 处错误，未导入任何题目" in page
    assert ("第 3 行：政策文件“示例政发〔2099〕1号”不存在：请写已导入的政策文件的文号，或它在“政策文件”页面上的编号"
            in page)
    assert (f"第 4 行：政策文件编号 {two_documents}即《{SAMPLE_TITLE}》已被修订，不能再导入题目，"
            f"请改为现行版本《{SAMPLE_TITLE}》（“示例政发〔2026〕9号”）") in page
    assert bank_by_document(app) == before
    # Named by its 文号, the revision takes the questions; the success message says where they went.
    sheet["N3"], sheet["N4"] = "示例政发〔2026〕9号", " 示例政发〔2026〕9号"
    buffer = io.BytesIO()
    workbook.save(buffer)
    done = client.post("/bank/import", data={"file": (io.BytesIO(buffer.getvalue()), "题目.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert f"导入成功：3 道题目（《优化营商环境条例》1 题、《{SAMPLE_TITLE}》2 题）" in done
    after = bank_by_document(app)
    assert [after[stem][0] for stem in ("本行可以导入。", "写了不存在的文件。", "写了已修订的文件。")] == [1, revised_id, revised_id]


def test_a_shared_number_means_the_current_version(app, runner, tmp_path):
    with app.app_context():
        _checked, sample = _import(SAMPLE, number="示例政发〔2026〕1号")
        _checked, revised = _import(REVISED, revises_id=sample.id, number="示例政发〔2026〕1号")
        db.session.commit()
        revised_id = revised.id
    path = tmp_path / "题目.json"
    path.write_text(json.dumps([{"type": "truefalse", "stem": "第六条：本办法自发布之日起施行。", "answer": True,
                                 "article": 6, "document": "示例政发〔2026〕1号"}], ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["bank", "import", str(path)]).exit_code == 0
    assert list(bank_by_document(app).values())[0][0] == revised_id


def test_the_regulations_questions_into_a_database_without_it_say_once_how_to_load_it(app, runner, tmp_path):
    items = [ExportItem(id=n, version=1, chapter=1, data=regulation_question(n), document="国务院令第722号",
                        document_title="优化营商环境条例") for n in (1, 2)]
    path = tmp_path / "题库.gift"
    path.write_bytes(formats.dump("gift", items).content)
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1 and result.output.count("数据库中没有《条例》条文") == 1, result.output
    assert runner.invoke(args=["bank", "load-articles"]).exit_code == 0
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0 and "新增 2 题（《优化营商环境条例》2 题）" in result.output, result.output
