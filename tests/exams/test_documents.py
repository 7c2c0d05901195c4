"""Exams on a policy document other than 《条例》: a section names the document it draws from."""
import html
import json
import re

from examapp.accounts.models import User
from examapp.bank import services as bank
from examapp.bank.core import QuestionData
from examapp.bank.services import create_question, default_document_id
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.models import Exam
from examapp.extensions import db
from tests.bank.test_documents import SAMPLE, _import
from tests.conftest import login
from tests.exams.test_manage import YAML, form_data

NUMBER = "示例政发〔2026〕1号"


def sample_with_questions(app) -> tuple[int, set[int]]:
    """The fictional sample regulation imported beside the 《条例》 with three true/false questions on it."""
    with app.app_context():
        _checked, sample = _import(SAMPLE, issuer="示例市人民政府", number=NUMBER)
        db.session.commit()
        return sample.id, add_sample_questions(app, sample.id)


def add_sample_questions(app, sample_id: int) -> set[int]:
    """Three true/false questions (answer: true) on articles 3–5, chapter 2 of the sample regulation."""
    with app.app_context():
        stems = {4: "任何单位不得向市场主体收取帮办费用。", 5: "本办法自发布之日起施行。",
                 3: "服务专员应当在三个工作日内答复咨询。"}
        ids = {bank.create_question(QuestionData(type="truefalse", stem=f"（示例办法）{stem}", answer=True,
                                                 explanation=f"见第{n}条", article=n), document_id=sample_id).id
               for n, stem in stems.items()}
        db.session.commit()
        return ids


def test_an_exam_on_the_second_document_draws_only_its_questions_and_is_graded(app, client, bank, demo):
    sample_id, sample_questions = sample_with_questions(app)
    login(client, "organizer")
    page = client.get("/manage/exams/new").get_data(as_text=True)
    assert "《示例市优化营商服务办法》" in page and "《优化营商环境条例》" in page
    none = {f"{t}-count": "0" for t in ("single", "multiple", "fill")}
    # Chapter 2 of the sample holds articles 3-5; the 《条例》's chapter 2 questions are not drawn.
    response = client.post("/manage/exams/new", data=form_data(
        document=str(sample_id), **none, **{"truefalse-count": "3", "truefalse-chapters": "2", "pass_mark": "2",
                                            "review_policy": "after_submit"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    exam_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    detail = client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
    assert "<td>《示例市优化营商服务办法》 第 2 章</td>" in detail
    edit = client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)
    assert f'<option selected value="{sample_id}">' in edit and "第二章 服务保障" in edit
    # More than the sample holds is refused, though the 《条例》 has hundreds of true/false questions.
    body = client.post("/manage/exams/new", data=form_data(document=str(sample_id), **none,
                                                           **{"truefalse-count": "4"})).get_data(as_text=True)
    assert "考试未保存" in body and "只有 3 道" in body
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert exam.sections == [{"type": "truefalse", "count": 3, "points": 1.0, "chapters": [2],
                                  "document": sample_id}]
        exam.opens_at = exam.opens_at.replace(year=2020)
        from examapp.exams import services
        services.publish_exam(exam)
        sj01 = db.session.scalar(db.select(User).where(User.username == "sj01"))
        attempt = start_attempt(exam, sj01)
        assert {item.version.question_id for item in attempt.items} == sample_questions
        for seq, item in enumerate(attempt.items, start=1):
            save_answer(attempt.id, sj01.id, item.id, True, seq)
        submit_attempt(attempt)
        db.session.commit()
        assert (attempt.score, attempt.max_score) == (3.0, 3.0)
        attempt_id = attempt.id
    candidate = app.test_client()
    login(candidate, "sj01")
    review = candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "《示例市优化营商服务办法》第二章 服务保障 第四条 原文" in review and "任何单位不得向市场主体收取帮办费用。</div>" in review


def test_an_unknown_document_is_refused_in_the_form_and_in_yaml(app, client, runner, bank, demo, tmp_path):
    sample_id, _ = sample_with_questions(app)
    login(client, "organizer")
    body = client.post("/manage/exams/new", data=form_data(document="999")).get_data(as_text=True)
    assert "考试未保存" in body and "政策文件 999 不存在或不是现行文件" in body
    one = YAML.format(opens="2030-10-20 09:00", closes="2030-10-20 11:00").split("sections:")[0].replace("pass_mark: 60", "pass_mark: 60%")
    path = tmp_path / "exam.yaml"
    for document, problem in (("不存在的文号", "找不到现行政策文件“不存在的文号”"), ("999", "找不到现行政策文件“999”")):
        path.write_text(one + f"sections:\n  - {{type: truefalse, count: 2, points: 1, document: {document}}}\n",
                        encoding="utf-8")
        result = runner.invoke(args=["exams", "create", str(path)])
        assert result.exit_code != 0 and problem in result.output, result.output
    for document in (NUMBER, str(sample_id)):
        path.write_text(one + f"sections:\n  - {{type: truefalse, count: 2, points: 1, document: \"{document}\"}}\n",
                        encoding="utf-8")
        result = runner.invoke(args=["exams", "create", str(path)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            exam = db.session.get(Exam, int(result.output.strip()))
            assert exam.sections[0]["document"] == sample_id


def _chapters_data(page: str) -> dict:
    """The chapters of every 现行 document the exam form carries for its script."""
    found = re.search(r"data-document-chapters='([^']*)'", page)
    return json.loads(html.unescape(found.group(1)))


def test_the_form_carries_every_documents_chapters_and_refuses_a_chapter_of_another(app, client, bank, demo):
    sample_id, _ = sample_with_questions(app)
    with app.app_context():
        regulation_id = default_document_id()
    login(client, "organizer")
    page = client.get("/manage/exams/new").get_data(as_text=True)
    chapters = _chapters_data(page)
    assert chapters[str(sample_id)] == [[1, "第一章 总则"], [2, "第二章 服务保障"]]
    assert [n for n, _ in chapters[str(regulation_id)]] == [1, 2, 3, 4, 5, 6, 7]
    assert chapters[str(regulation_id)][4] == [5, "第五章 监管执法"]
    assert "先保存" not in page and 'src="/static/js/examform.js' in page
    # Without the script, the 《条例》's chapter 5 stays ticked when the sample (two chapters) is chosen.
    none = {f"{t}-count": "0" for t in ("single", "multiple", "fill")}
    body = client.post("/manage/exams/new", data=form_data(
        document=str(sample_id), **none, **{"truefalse-count": "3", "truefalse-chapters": ["2", "5"]})
    ).get_data(as_text=True)
    assert "考试未保存" in body
    assert ("判断题：限定章中的第五章不是《示例市优化营商服务办法》的章（该文件的章：第一章 总则、第二章 服务保障），"
            "请重新选择限定章") in body
    assert "只有" not in body            # no "the bank has 0 such questions" beside the real problem
    # The page comes back on the sample, its two chapters offered, chapter 2 still ticked.
    assert f'<option selected value="{sample_id}">' in body
    assert 'value="2" id="truefalse-chapters-2" checked>' in body and 'id="truefalse-chapters-3"' not in body
    # The 《条例》 has no eighth chapter either.
    body = client.post("/manage/exams/new", data=form_data(**{"fill-chapters": "8"})).get_data(as_text=True)
    assert "填空题：限定章中的第八章不是《优化营商环境条例》的章（该文件的章：第一章 总则、" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Exam.id))) == 0


def test_yaml_chapters_must_be_chapters_of_the_sections_document(app, runner, bank, demo, tmp_path):
    sample_with_questions(app)
    one = YAML.format(opens="2030-10-20 09:00", closes="2030-10-20 11:00").split("sections:")[0].replace("pass_mark: 60", "pass_mark: 60%")
    path = tmp_path / "exam.yaml"
    path.write_text(one + f"sections:\n  - {{type: truefalse, count: 2, points: 1, document: {NUMBER}, chapters: [1, 3]}}\n",
                    encoding="utf-8")
    result = runner.invoke(args=["exams", "create", str(path)])
    assert result.exit_code != 0
    assert "判断题：限定章中的第三章不是《示例市优化营商服务办法》的章" in result.output, result.output


def test_a_document_without_chapters_offers_none_and_refuses_any(app, client, bank, demo):
    with app.app_context():
        _checked, notice = _import("# 示例通知\n\n第一条 甲事项。\n\n第二条 乙事项。\n", number="示例通〔2026〕2号")
        create_question(QuestionData(type="truefalse", stem="（示例通知）甲事项。", answer=True,
                                     explanation="见第一条", article=1), document_id=notice.id)
        db.session.commit()
        notice_id = notice.id
    login(client, "organizer")
    page = client.get("/manage/exams/new").get_data(as_text=True)
    assert _chapters_data(page)[str(notice_id)] == []
    none = {f"{t}-count": "0" for t in ("single", "multiple", "fill")}
    body = client.post("/manage/exams/new", data=form_data(
        document=str(notice_id), **none, **{"truefalse-count": "1", "truefalse-chapters": "1"})).get_data(as_text=True)
    assert "判断题：限定章中的第一章不是《示例通知》的章（该文件不分章，请不要限定章），请重新选择限定章" in body
    assert body.count("（该文件不分章）") == 4     # each type's empty 限定章 list
    response = client.post("/manage/exams/new", data=form_data(
        document=str(notice_id), **none, **{"truefalse-count": "1", "pass_mark": "1"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
