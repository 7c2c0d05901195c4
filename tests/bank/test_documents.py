"""Policy documents: the pure text reader (第X章/第X条 in .txt/.md/.docx), importing with a preview, revising.

The sample is a short fictional regulation written for these tests, not a real one.
"""
from __future__ import annotations

import zipfile
from io import BytesIO

import docx as docx_writer
import pytest
from sqlalchemy import select

from examapp.bank.core import QuestionData
from examapp.bank.document_text import (
    MAX_BYTES,
    DocumentTextError,
    compare_articles,
    parse_paragraphs,
    read_document,
)
from examapp.extensions import db

SAMPLE = """# 示例市优化营商服务办法

（示例文本，仅供测试）

## 第一章 总则

第一条 为了测试政策文件导入，制定本办法。

第二条 本办法所称服务专员，是指为市场主体提供帮办服务的工作人员。

## 第二章 服务保障

第三条 服务专员应当在三个工作日内答复市场主体的咨询。
对复杂事项，可以延长至五个工作日。

第四条 任何单位不得向市场主体收取帮办费用。

第五条 本办法自发布之日起施行。
"""

REVISED = SAMPLE.replace("三个工作日", "两个工作日").replace("第五条 本办法自发布之日起施行。",
                                                    "第五条 服务专员应当公开联系方式。\n\n第六条 本办法自发布之日起施行。")


def docx(paragraphs: list[str]) -> bytes:
    """A Word file written by python-docx, one paragraph each (two runs, to test joining), the last chapter's
    articles in a table as some offices lay them out."""
    document = docx_writer.Document()
    last_chapter = max(i for i, p in enumerate(paragraphs) if p.startswith("第") and "章" in p[:5])
    for paragraph in paragraphs[:last_chapter]:
        written = document.add_paragraph(paragraph[:3])
        written.add_run(paragraph[3:])
    table = document.add_table(rows=len(paragraphs) - last_chapter, cols=1)
    for row, paragraph in zip(table.rows, paragraphs[last_chapter:], strict=True):
        row.cells[0].text = paragraph
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- the pure reader ------------------------------------------------------------------------------------

def test_markdown_gives_title_chapters_and_articles():
    parsed = read_document("办法.md", SAMPLE.encode())
    assert parsed.title == "示例市优化营商服务办法"
    assert [c.label for c in parsed.chapters] == ["第一章 总则", "第二章 服务保障"]
    assert [(a.number, a.chapter) for a in parsed.articles] == [(1, 1), (2, 1), (3, 2), (4, 2), (5, 2)]
    assert parsed.articles[2].text == "服务专员应当在三个工作日内答复市场主体的咨询。\n对复杂事项，可以延长至五个工作日。"
    assert parsed.chapter_summary() == [("第一章 总则", 1, 2, 2), ("第二章 服务保障", 3, 5, 3)]
    assert parsed.chapter_rows() == [("第一章 总则", "第一条至第二条", 2), ("第二章 服务保障", "第三条至第五条", 3)]


def test_docx_and_gbk_text_and_full_width_spaces_read_the_same():
    lines = [line.lstrip("# ") for line in SAMPLE.splitlines()]
    expected = read_document("a.md", SAMPLE.encode()).texts()
    assert read_document("办法.docx", docx(lines)).texts() == expected
    plain = "\n".join(line.replace("章 ", "章\u3000").replace("条 ", "条\u3000") for line in lines)
    assert read_document("办法.txt", plain.encode("gb18030")).texts() == expected


def test_a_reference_at_a_paragraph_start_is_not_an_article():
    parsed = parse_paragraphs(["示例办法", "第一章总则", "第一条 总则内容。", "第二条 具体内容。",
                               "第一条规定的事项另行规定。", "第一章规定的原则适用于全市。"])
    assert [a.number for a in parsed.articles] == [1, 2] and [c.label for c in parsed.chapters] == ["第一章 总则"]
    assert parsed.articles[1].text == "具体内容。\n第一条规定的事项另行规定。\n第一章规定的原则适用于全市。"


def test_a_document_without_chapters_is_one_run_of_articles():
    parsed = parse_paragraphs(["示例通知", "第一条 甲。", "第二条 乙。"])
    assert parsed.chapters == [] and [a.chapter for a in parsed.articles] == [0, 0]
    assert parsed.chapter_summary() == [("（不分章）", 1, 2, 2)]
    one = parse_paragraphs(["示例通知", "第一章 总则", "第一条 甲。", "第二章 附则", "第二条 乙。"])
    assert [articles for _label, articles, _count in one.chapter_rows()] == ["第一条", "第二条"]


@pytest.mark.parametrize(("lines", "problem"), [
    (["示例", "没有条款的文字。"], "未识别到任何条款"),
    (["示例", "第二条 甲。", "第三条 乙。"], "第一个条款是第二条，条款应从第一条开始"),
    (["示例", "第一条 甲。", "第二条 乙。", "第五条 丙。"], "第二条之后是第五条，缺少第三条至第四条"),
    (["示例", "第一条 甲。", "第二条 乙。", "第二条 丙。"], "第二条重复出现"),
    (["示例", "第一条 甲。", "第二条", "第三条 丙。"], "第二条没有内容"),
    (["示例", "第一章 总则", "第一条 甲。", "第三章 附则", "第二条 乙。"], "章的编号应连续"),
    (["示例", "第一章 总则", "第二章 空章", "第一条 甲。"], "第一章 总则下没有条款"),
])
def test_numbering_problems_are_said_in_chinese(lines, problem):
    with pytest.raises(DocumentTextError) as caught:
        parse_paragraphs(lines)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("a.md", b"x" * (MAX_BYTES + 1), "文件过大"),
    ("a.pdf", b"%PDF", "不支持的文件类型"),
    ("a.docx", b"not a zip", "无法读取该 Word 文件"),
    ("a.txt", b"\xff\xfe\xfa\xfb\x81", "UTF-8 或 GBK"),
    ("a.docx", zipped({"word/document.xml": b"<w:document/>"}), "无法读取该 Word 文件"),   # no package parts
    ("a.docx", zipped({"[Content_Types].xml": b"<Types/>"}), "无法读取该 Word 文件"),     # no document
    ("a.docx", zipped({"word/document.xml": b'<!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>'}), "无法读取该 Word 文件"),
])
def test_unreadable_files_are_refused_with_a_reason(name, data, problem):
    with pytest.raises(DocumentTextError) as caught:
        read_document(name, data)
    assert problem in caught.value.problems[0]


def test_comparison_ignores_white_space_and_width():
    revision = compare_articles({1: "甲 乙", 2: "丙", 3: "丁"}, {1: "甲乙", 2: "丙二", 4: "戊"})
    assert (revision.changed, revision.removed, revision.added) == ([2], [3], [4])


# --- importing and revising --------------------------------------------------------------------------

def _import(text: str, **details):
    from examapp.bank import documents
    parsed = documents.parse_upload("办法.md", text.encode())
    checked = documents.preview(parsed, documents.DocumentDetails(**details))
    return checked, (documents.save(checked) if checked.ok else None)


def test_a_second_document_sits_beside_the_regulation_and_a_revision_flags_changed_articles(app, bank):
    from examapp.audit.models import AuditEntry
    from examapp.bank import services
    from examapp.bank.models import Article, Document, Question
    with app.app_context():
        checked, sample = _import(SAMPLE, issuer="示例市人民政府", number="示例政发〔2026〕1号")
        db.session.commit()
        assert (sample.id, sample.title, sample.status_label) == (2, "示例市优化营商服务办法", "现行")
        assert len(services.articles_by_number(sample.id)) == 5 and len(services.articles_by_number()) == 72
        assert db.session.get(Article, (2, 3)).chapter_label == "第二章 服务保障"
        on_sample = [services.create_question(QuestionData(type="fill", stem=f"服务专员应当在______内答复咨询（{n}）。",
                                                            answer=[["三个工作日"]], explanation="见第三条", article=3),
                                               document_id=sample.id) for n in (1, 2)]
        kept = services.create_question(QuestionData(type="truefalse", stem="单位不得收取帮办费用。", answer=True,
                                                     explanation="见第四条", article=4), document_id=sample.id)
        gone = services.create_question(QuestionData(type="truefalse", stem="本办法自发布之日起施行。", answer=True,
                                                     explanation="见第五条", article=5), document_id=sample.id)
        on_sample[0].current.used_at = on_sample[0].created_at      # an exam used it: frozen
        # The fill answer is checked verbatim against the sample's article 3, not the regulation's.
        with pytest.raises(services.BankError, match="未在第三条原文中出现"):
            services.create_question(QuestionData(type="fill", stem="应当在______内答复。", answer=[["十个工作日"]],
                                                  explanation="", article=3), document_id=sample.id)
        db.session.commit()
        # A second current document with the same title is refused: it must be imported as a revision.
        assert not _import(SAMPLE)[0].ok

        checked, revised = _import(REVISED, revises_id=sample.id, number="示例政发〔2026〕9号")
        assert (checked.revision.changed, checked.revision.removed, checked.revision.added) == ([3, 5], [], [6])
        db.session.commit()
        assert db.session.get(Document, sample.id).status_label == "已修订"
        assert revised.revises_id == sample.id and len(services.articles_by_number(revised.id)) == 6
        notes = {q.id: (q.document_id, q.review_note) for q in db.session.scalars(
            select(Question).where(Question.id.in_([q.id for q in on_sample] + [kept.id, gone.id])))}
        assert notes[kept.id] == (revised.id, None)
        assert notes[on_sample[1].id] == (revised.id, "第三条已修订，请复核")
        assert notes[gone.id] == (revised.id, "第五条已修订，请复核")
        frozen = db.session.get(Question, on_sample[0].id)
        assert frozen.document_id == revised.id and frozen.current.document_id == sample.id   # papers keep the old text
        assert db.session.get(Question, on_sample[1].id).current.document_id == revised.id
        # Revising the old version again is refused: choose the current one.
        assert "已被修订过" in _import(REVISED, revises_id=sample.id)[0].problems[0]
        assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "document.imported")) == 2
        # The regulation's own pages keep reading document 1.
        assert services.bank_summary()["articles"] == 72
        assert len(services.coverage()) == 72 and len(services.coverage(revised.id)) == 6


def test_an_article_removed_by_the_revision_keeps_its_questions_on_the_old_text(app):
    from examapp.bank import services
    from examapp.bank.models import Question
    with app.app_context():
        _checked, sample = _import(SAMPLE)
        question = services.create_question(QuestionData(type="truefalse", stem="本办法自发布之日起施行。", answer=True,
                                                         explanation="", article=5), document_id=sample.id)
        shorter = SAMPLE.replace("\n第五条 本办法自发布之日起施行。\n", "\n")
        checked, revised = _import(shorter, revises_id=sample.id)
        assert checked.revision.removed == [5] and checked.questions_to_review == 1
        db.session.commit()
        question = db.session.get(Question, question.id)
        assert question.document_id == sample.id
        assert question.review_note == "第五条在修订后的《示例市优化营商服务办法》中已删除，请复核或改为其他条款"


def test_cli_shows_the_preview_and_saves_only_when_confirmed(app, runner, tmp_path):
    from examapp.bank.models import Document
    path = tmp_path / "办法.md"
    path.write_text(SAMPLE, encoding="utf-8")
    refused = runner.invoke(args=["bank", "import-document", str(path), "--number", "示例政发〔2026〕1号"], input="n\n")
    assert refused.exit_code == 1 and "共 2 章、5 条" in refused.output and "第二章 服务保障：第三条至第五条，3 条" in refused.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Document.id))) == 0
    saved = runner.invoke(args=["bank", "import-document", str(path), "--date", "2026-03-01", "--yes"])
    assert saved.exit_code == 0, saved.output
    assert "已保存：《示例市优化营商服务办法》" in saved.output
    listed = runner.invoke(args=["bank", "documents"])
    assert "示例市优化营商服务办法" in listed.output and "5 条" in listed.output
    broken = tmp_path / "坏.txt"
    broken.write_text("示例\n第一条 甲。\n第三条 乙。\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "import-document", str(broken), "--yes"])
    assert result.exit_code == 1 and "第一条之后是第三条，缺少第二条" in result.output


# --- the pages --------------------------------------------------------------------------------------

def test_upload_preview_confirm_then_revise_and_review_in_the_bank_list(app, demo, bank, client):
    from io import BytesIO as Buffer

    from examapp.bank import services
    from examapp.bank.models import Document, Question
    from tests.conftest import login
    login(client, "organizer")
    page = client.get("/bank/documents").get_data(as_text=True)
    assert "《优化营商环境条例》" in page and "国务院令第722号" in page and "72 条" in page
    preview = client.post("/bank/documents/import", data={
        "file": (Buffer(docx([line.lstrip("# ") for line in SAMPLE.splitlines()])), "办法.docx"),
        "issuer": "示例市人民政府", "number": "示例政发〔2026〕1号", "issued_on": "2026-03-01", "revises": "0"},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "预览：《示例市优化营商服务办法》" in preview and "共 2 章、5 条" in preview and "<td>第三条至第五条</td>" in preview
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Document.id))) == 1    # nothing saved by the preview
    text = preview.split('name="text" type="hidden" value="', 1)[1].split('"', 1)[0]
    import html as htmllib
    confirm = {"text": htmllib.unescape(text), "title": "示例市优化营商服务办法", "issuer": "示例市人民政府",
               "number": "示例政发〔2026〕1号", "issued_on": "2026-03-01", "revises": "0"}
    saved = client.post("/bank/documents/confirm", data=confirm, follow_redirects=True).get_data(as_text=True)
    assert "已保存《示例市优化营商服务办法》（5 条）" in saved and "示例政发〔2026〕1号" in saved
    with app.app_context():
        sample = db.session.scalar(select(Document).where(Document.number == "示例政发〔2026〕1号"))
        question = services.create_question(QuestionData(type="truefalse", stem="服务专员应当三个工作日内答复咨询。",
                                                         answer=True, explanation="", article=3),
                                            document_id=sample.id)
        db.session.commit()
        sample_id, question_id = sample.id, question.id
    revised = client.post("/bank/documents/import", data={
        "file": (Buffer(REVISED.encode("gb18030")), "办法（修订）.txt"), "revises": str(sample_id)},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "修改 2 条、删除 0 条、新增 1 条" in revised and "1 道题目将标为待复核" in revised
    text = htmllib.unescape(revised.split('name="text" type="hidden" value="', 1)[1].split('"', 1)[0])
    done = client.post("/bank/documents/confirm", data={"text": text, "title": "示例市优化营商服务办法",
                                                         "revises": str(sample_id)}, follow_redirects=True)
    assert "1 道题目的条款有变动，已标为待复核" in done.get_data(as_text=True)
    listed = client.get("/bank/?status=review").get_data(as_text=True)
    assert "待复核：第三条已修订，请复核" in listed and "共 1 题" in listed
    detail = client.get(f"/bank/questions/{question_id}").get_data(as_text=True)
    assert "待复核：第三条已修订，请复核" in detail
    client.post(f"/bank/questions/{question_id}/reviewed")
    with app.app_context():
        assert db.session.get(Question, question_id).review_note is None
    assert "共 0 题" in client.get("/bank/?status=review").get_data(as_text=True)


def test_a_broken_upload_lists_its_problems_and_saves_nothing(app, demo, client):
    from io import BytesIO as Buffer

    from examapp.bank.models import Document
    from tests.conftest import login
    login(client, "organizer")
    page = client.post("/bank/documents/import", data={
        "file": (Buffer("示例\n第一条 甲。\n第一条 乙。\n".encode()), "坏.md"), "revises": "0"},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "文件中有 1 处问题，未导入" in page and "第一条重复出现" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Document.id))) == 0


def test_a_documents_questions_coverage_and_new_questions_are_its_own(app, demo, bank, client):
    from examapp.bank.models import Question
    from tests.conftest import login
    with app.app_context():
        _checked, sample = _import(SAMPLE)
        db.session.commit()
        sample_id = sample.id
    login(client, "organizer")
    coverage = client.get(f"/bank/coverage?document={sample_id}").get_data(as_text=True)
    assert "《示例市优化营商服务办法》" in coverage and "第五条" in coverage and "第六条" not in coverage
    assert "第七十二条" in client.get("/bank/coverage").get_data(as_text=True)
    form = client.get(f"/bank/questions/new?document={sample_id}").get_data(as_text=True)
    assert "所考文件：《示例市优化营商服务办法》" in form and "第五条（第二章 服务保障）" in form
    saved = client.post(f"/bank/questions/new?document={sample_id}", data={
        "type": "truefalse", "stem": "任何单位不得向市场主体收取帮办费用吗？", "answer": "对", "explanation": "见第四条",
        "article": "4", "difficulty": "1", "tags": "", "note": ""})
    assert saved.status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.stem == "任何单位不得向市场主体收取帮办费用吗？"))
        assert (question.document_id, question.article.text, question.current.document_id) == \
            (sample_id, "任何单位不得向市场主体收取帮办费用。", sample_id)
    listed = client.get(f"/bank/?document={sample_id}&status=all").get_data(as_text=True)
    assert "共 1 题" in listed and "《示例市优化营商服务办法》第四条" in listed
    assert client.get("/bank/?document=999").status_code == 404
    # Without a document, an article number still means the regulation's article.
    assert "共 1 题" not in client.get("/bank/?article=4").get_data(as_text=True)


def test_after_the_regulation_is_revised_its_pages_and_practice_follow_the_revision(app, bank):
    from examapp.bank import services
    from examapp.bank.shipped import BANK_DIR, REGULATION_FILE
    with app.app_context():
        text = (BANK_DIR / REGULATION_FILE).read_text(encoding="utf-8")
        revised_text = text.replace("第七十二条 本条例自2020年1月1日起施行。", "第七十二条 本条例自2030年1月1日起施行。")
        assert revised_text != text
        before = services.coverage()
        checked, revised = _import(revised_text, revises_id=1, number="示例修订令第1号")
        assert checked.revision.changed == [72]
        db.session.commit()
        assert services.default_document_id() == revised.id and revised.id != 1
        after = services.coverage()
        assert [(r["article"].number, r["total"]) for r in after] == [(r["article"].number, r["total"]) for r in before]
        assert all(r["article"].document_id == revised.id for r in after)
        assert services.bank_summary()["covered_articles"] == 72
        flagged = services.filter_questions(services.QuestionFilter(status="review"))
        assert {q.article_number for q in db.session.scalars(flagged)} == {72}


def test_exam_sections_without_a_document_draw_only_the_regulations_questions_the_drill_every_current_one(app, bank):
    from examapp.bank import services
    from examapp.exams.assembly import Section, section_pool
    from examapp.exams.services import active_pool
    from examapp.learning.services import practice_pool
    with app.app_context():
        regulation = Section("truefalse", 1, 1.0)
        exam_pool, practice = len(section_pool(regulation, active_pool())), len(practice_pool())
        _checked, sample = _import(SAMPLE)
        question = services.create_question(QuestionData(type="truefalse", stem="单位不得收取帮办费用。", answer=True,
                                                         explanation="", article=4), document_id=sample.id)
        db.session.commit()
        # The daily drill's pool takes every 现行 document's questions, keyed by (document, article).
        assert (len(section_pool(regulation, active_pool())), len(practice_pool())) == (exam_pool, practice + 1)
        assert [c.article for c in practice_pool() if c.question_id == question.id] == [(sample.id, 4)]
        assert [q.question_id for q in section_pool(Section("truefalse", 1, 1.0, document=sample.id),
                                                    active_pool())] == [question.id]
