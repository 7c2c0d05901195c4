"""Import and export of the bank through the CLI and the organiser pages, with round trips."""
import io
import json

import pytest
from openpyxl import Workbook

from examapp.bank.models import Question
from examapp.extensions import db
from tests.conftest import login


def bank_signature(app):
    """Everything a question carries, per stem, for comparing two banks."""
    with app.app_context():
        return {q.stem: q.current.as_data().as_dict() for q in db.session.scalars(db.select(Question))}


def export_empty_import(app, runner, out, fmt: str):
    """Export the bank to `out`, delete every question, import the file again: the import's CLI result."""
    result = runner.invoke(args=["bank", "export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(db.delete(Question))
        db.session.commit()
    return runner.invoke(args=["bank", "import", str(out), "--format", fmt])


@pytest.mark.parametrize("fmt", ["json", "xlsx", "moodle-xml"])
def test_export_then_import_into_an_empty_bank_reproduces_it(app, runner, bank, tmp_path, fmt, app_factory):
    original = bank_signature(app)
    result = export_empty_import(app, runner, tmp_path / f"bank.{fmt}", fmt)
    assert result.exit_code == 0, result.output
    assert f"新增 {len(original)} 题" in result.output
    assert bank_signature(app) == original


def test_gift_round_trip_keeps_every_question_it_can_carry(app, runner, bank, tmp_path):
    out = tmp_path / "bank.gift"
    result = runner.invoke(args=["bank", "export", "--format", "gift", "-o", str(out)])
    assert result.exit_code == 0
    multi_blank = [line for line in result.output.splitlines() if line.startswith("未导出")]
    original = bank_signature(app)
    with app.app_context():
        db.session.execute(db.delete(Question))
        db.session.commit()
    assert runner.invoke(args=["bank", "import", str(out)]).exit_code == 0
    restored = bank_signature(app)
    assert len(restored) == len(original) - len(multi_blank)
    assert all(restored[stem] == original[stem] for stem in restored)


def test_json_export_has_the_documented_shape(runner, bank, tmp_path):
    out = tmp_path / "bank.json"
    runner.invoke(args=["bank", "export", "--format", "json", "-o", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) >= 400
    first = data[0]
    assert set(first) >= {"id", "version", "type", "stem", "options", "answer", "article", "chapter",
                          "difficulty", "explanation", "tags"}
    fill = next(q for q in data if q["type"] == "fill")
    assert isinstance(fill["answer"], list) and isinstance(fill["answer"][0], list)


def xlsx_file(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "条款", "难度", "标签"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_malformed_xlsx_changes_nothing_and_names_rows(app, client, bank, demo):
    login(client, "organizer")
    before = bank_signature(app)
    content = xlsx_file([
        ["单选题", "新题：营商环境评价应以什么为导向（　）。", "满意度", "考核", "收入", "数量", "", "", "A", "第八条", "8", "易", ""],
        ["多选题", "新题：多选（　）。", "甲", "乙", "丙", "丁", "", "", "AX", "", "8", "中", ""],
        ["问答题", "新题：论述", "", "", "", "", "", "", "略", "", "", "", ""],
    ])
    response = client.post("/bank/import", data={"file": (io.BytesIO(content), "题目.xlsx")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert "未导入任何题目" in body
    assert "第 3 行" in body and "第 4 行" in body
    assert bank_signature(app) == before


def test_import_without_article_is_accepted_and_flagged(app, client, bank, demo):
    login(client, "organizer")
    content = xlsx_file([["判断题", "新题：这是一道没有注明条款的判断题。", "", "", "", "", "", "", "对", "说明", "", "", ""]])
    body = client.post("/bank/import", data={"file": (io.BytesIO(content), "题目.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "导入成功：1 道题目" in body and "未关联条款" in body
    listing = client.get("/bank/?status=unlinked").get_data(as_text=True)
    assert "这是一道没有注明条款的判断题" in listing


def test_duplicate_of_a_bank_question_is_refused(app, runner, bank, tmp_path):
    with app.app_context():
        question = db.session.scalar(db.select(Question).where(Question.code == "R02-01"))
        stem = question.stem
    path = tmp_path / "dup.json"
    path.write_text(json.dumps([{"type": "truefalse", "stem": stem + " ", "options": [], "answer": True,
                                 "article": 2, "difficulty": 1, "explanation": "", "tags": []}],
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code != 0 and "重复" in result.output


def test_unsupported_moodle_types_are_listed_not_dropped(app, client, bank, demo):
    login(client, "organizer")
    xml = ("<?xml version='1.0' encoding='UTF-8'?><quiz><question type='essay'><name><text>论述</text></name>"
           "<questiontext format='html'><text>请论述</text></questiontext></question>"
           "<question type='truefalse'><name><text>判断</text></name><questiontext format='html'><text>"
           "新题：条例自2020年1月1日起施行。</text></questiontext><answer fraction='100'><text>true</text></answer>"
           "<answer fraction='0'><text>false</text></answer></question></quiz>").encode()
    body = client.post("/bank/import", data={"file": (io.BytesIO(xml), "moodle.xml")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "essay" in body and "跳过" in body and "导入成功：1 道题目" in body


def test_web_export_downloads_each_format(client, bank, demo):
    login(client, "organizer")
    for fmt, name in (("xlsx", ".xlsx"), ("moodle-xml", ".xml"), ("gift", ".gift.txt"), ("json", ".json")):
        response = client.get(f"/bank/export?format={fmt}")
        assert response.status_code == 200 and len(response.data) > 1000
        assert name in response.headers["Content-Disposition"]


def test_import_refuses_an_explanation_naming_an_option_the_question_lacks(app, runner, tmp_path):
    path = tmp_path / "letters.json"
    path.write_text(json.dumps([{"type": "single", "stem": "营商环境评价以（　）为导向。", "answer": "A",
                                 "options": [{"key": k, "text": t} for k, t in zip("ABCD", "甲乙丙丁", strict=True)],
                                 "explanation": "A 正确，E 与条文相反。", "difficulty": 1, "tags": []}],
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code != 0
    assert "解析中“A 正确，E 与条文相反。”提到的选项 E 在本题中不存在" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_import_into_a_database_without_the_articles_says_once_how_to_load_them(app, runner, tmp_path):
    path = tmp_path / "题目.xlsx"
    path.write_bytes(xlsx_file([
        ["判断题", f"第 {n} 条的示例判断题{n}。", None, None, None, None, None, None, "对", "", n, 1, ""]
        for n in range(1, 31)]))
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.count("数据库中没有《条例》条文") == 1 and result.output.count("\n") <= 2, result.output
    assert "flask bank load-articles" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
    # The command it names exists and makes the same import work.
    loaded = runner.invoke(args=["bank", "load-articles"])
    assert loaded.exit_code == 0 and "已载入《条例》条文 72 条" in loaded.output
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0 and "新增 30 题" in result.output, result.output
