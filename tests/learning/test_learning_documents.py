"""Reading, the mastery map, the daily drill, the 错题本 and the organiser's 学习情况 with a second policy document:
two documents' 第三条 are two articles (both engines)."""
import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from examapp.accounts.models import User
from examapp.bank import services as bank
from examapp.bank.core import QuestionData
from examapp.bank.models import Question
from examapp.exams.mastery import Mastery, MasteryResponse, article_mastery
from examapp.extensions import db
from examapp.learning.models import DailyDrill
from examapp.learning.overview import mastery_change
from examapp.learning.progress import article_priority, drill_for, user_evidence
from examapp.learning.services import practice_pool
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.exams.test_documents import sample_with_questions
from tests.learning.test_practice import answer, question_by_code

TITLE = "《示例市优化营商服务办法》"


@pytest.fixture
def sj01(app, demo, bank):
    client = app.test_client()
    assert login(client, "sj01").status_code == 302
    return client


def sample_question(app, sample_id: int, article: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Question.id).where(Question.document_id == sample_id,
                                                           Question.article_number == article))


def regulation_id(app) -> int:
    with app.app_context():
        return bank.default_document_id()


def cell_rate(page: str, number: int) -> str:
    """The rate shown in the mastery map's cell for article `number`."""
    found = re.search(rf'<span class="mcell-no">{number}</span>\s*<span class="mcell-rate">([^<]*)</span>', page)
    return found.group(1)


def test_third_articles_of_two_documents_are_two_cells_and_two_priorities(app, sj01):
    sample_id, _ = sample_with_questions(app)
    # 《条例》第三条 answered right (R03-03 is false), the sample's 第三条 wrong (its question is true).
    assert answer(sj01, question_by_code(app, "R03-03"), False, client_id=1).get_json()["right"] is True
    assert answer(sj01, sample_question(app, sample_id, 3), False, client_id=2).get_json()["right"] is False
    regulation = regulation_id(app)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "sj01"))
        # Smoothed (earned + 1) / (responses + 2): one right 2/3, one wrong 1/3 (merged they would be 1/2).
        assert article_priority(user_evidence(user_id)) == {(regulation, 3): pytest.approx(2 / 3),
                                                            (sample_id, 3): pytest.approx(1 / 3)}
    page = sj01.get("/learning/mastery").get_data(as_text=True)
    assert "《优化营商环境条例》，共 72 条" in page and f'<option value="{sample_id}">{TITLE}</option>' in page
    assert (cell_rate(page, 3), cell_rate(page, 4)) == ("100%", "—")
    page = sj01.get(f"/learning/mastery?document={sample_id}").get_data(as_text=True)
    assert f"{TITLE}，共 5 条" in page and f'<option value="{sample_id}" selected>' in page
    assert (cell_rate(page, 3), cell_rate(page, 4)) == ("0%", "—")
    assert "第二章 服务保障" in page and "得分率 0%（1 次作答）" in page
    # An unanswered cell leads to the sample's own practice, the evidence to its own chapter.
    assert f"/learning/practice?article=4&amp;document={sample_id}" in page
    assert f"/learning/read/2?document={sample_id}#article-3" in page
    unknown = sj01.get("/learning/mastery?document=999").get_data(as_text=True)
    assert "《优化营商环境条例》，共 72 条" in unknown and cell_rate(unknown, 3) == "100%"


def test_reading_the_second_document_shows_its_chapters_articles_and_key_phrases(app, sj01):
    sample_id, _ = sample_with_questions(app)
    with app.app_context():
        bank.create_question(QuestionData(type="fill", stem="任何单位不得向市场主体收取____。", answer=[["帮办费用"]],
                                          explanation="见第四条", article=4), document_id=sample_id)
        db.session.commit()
    page = sj01.get("/learning/read").get_data(as_text=True)
    assert '<h1 class="h3 mb-3 document-title">《优化营商环境条例》</h1>' in page and "第七章 附则" in page
    assert f'<option value="{sample_id}">{TITLE}</option>' in page
    page = sj01.get(f"/learning/read?document={sample_id}").get_data(as_text=True)
    assert f'<h1 class="h3 mb-3 document-title">{TITLE}</h1>' in page
    assert "第一条至第二条，共 2 条" in page and "第三条至第五条，共 3 条" in page and "第七章" not in page
    assert f'href="/learning/read/2?document={sample_id}"' in page
    chapter = sj01.get(f"/learning/read/2?document={sample_id}").get_data(as_text=True)
    assert "任何单位不得向市场主体收取<mark class=\"key-phrase\">帮办费用</mark>。" in chapter
    assert "对复杂事项，可以延长至五个工作日。" in chapter and "简政放权" not in chapter
    # 练一练: article 4 has the true/false and the fill question, article 3 one; each leads to the sample's article.
    assert f'href="/learning/practice?article=4&amp;document={sample_id}">练一练（2 题）' in chapter
    assert f'href="/learning/practice?article=3&amp;document={sample_id}">练一练（1 题）' in chapter
    assert f"/learning/practice?chapter=2&amp;document={sample_id}" in chapter
    assert sj01.get(f"/learning/read/3?document={sample_id}").status_code == 404   # the sample has 2 chapters
    regulation = sj01.get("/learning/read/1").get_data(as_text=True)
    assert "简政放权" in regulation and "帮办费用" not in regulation and "document=" not in regulation
    assert "简政放权" in sj01.get("/learning/read/1?document=999").get_data(as_text=True)


def test_the_daily_drill_and_the_wrong_book_draw_from_every_current_document(app, sj01):
    sample_id, sample_questions = sample_with_questions(app)
    sample_three = sample_question(app, sample_id, 3)
    answer(sj01, question_by_code(app, "R03-03"), False, client_id=1)     # 《条例》第三条 right: priority 2/3
    answer(sj01, sample_three, False, client_id=2)                         # sample 第三条 wrong: 1/3
    regulation = regulation_id(app)
    with app.app_context():
        exam_only = db.session.get(Question, sample_question(app, sample_id, 5))
        bank.set_exam_only(exam_only, True)
        db.session.commit()
        exam_only_id = exam_only.id
        pool = {c.question_id: c.article for c in practice_pool()}
        assert pool[sample_three] == (sample_id, 3) and exam_only_id not in pool
        user_id = db.session.scalar(select(User.id).where(User.username == "sj01"))
        drill = drill_for(user_id, utcnow() + timedelta(days=1))
        db.session.commit()
        chosen = db.session.scalars(select(Question).where(Question.id.in_(drill.question_ids))).all()
        by_id = {q.id: (q.document_id, q.article_number) for q in chosen}
    # Tomorrow the sample's 第三条 (box 1, due after a day) comes first; then one unseen question per article,
    # weakest first: every unseen article stands at 1/2 and ties go by (document, number), so the 《条例》's
    # articles 1, 2, 4, … come before the sample's; the 《条例》's 第三条 (2/3) is not due until the day after.
    assert [by_id[qid] for qid in drill.question_ids] == [(sample_id, 3)] + [
        (regulation, n) for n in (1, 2, 4, 5, 6, 7, 8, 9, 10)]
    wrong = sj01.get("/learning/wrong").get_data(as_text=True)
    assert "（示例办法）服务专员应当在三个工作日内答复咨询。" in wrong and f"{TITLE}第三条" in wrong
    assert f'data-article-label="{TITLE}第三条"' in wrong
    with app.app_context():
        assert db.session.scalar(select(DailyDrill.question_ids)) == drill.question_ids
        assert set(sample_questions) - {sample_three, exam_only_id} <= {c.question_id for c in practice_pool()}


def test_mastery_of_two_documents_third_articles_is_kept_apart_in_reports_and_changes():
    rows = [MasteryResponse(3, 1, "乡镇", 1, 1, document=1), MasteryResponse(3, 1, "乡镇", 0, 1, document=1),
            MasteryResponse(3, 2, "乡镇", 0, 2, document=7)]
    # 《条例》第三条 1 of 2 = 0.5; the sample's 第三条 0 of 2 = 0, weaker, first.
    assert [(m.document, m.article, m.chapter, m.mastery) for m in article_mastery(rows)] == [
        (7, 3, 2, 0.0), (1, 3, 1, 0.5)]

    def m(document: int, mastery: float) -> Mastery:
        return Mastery(article=3, chapter=1, organization_kind=None, questions_answered=2, earned=mastery * 2,
                       possible=2, mastery=mastery, document=document)

    changes = mastery_change([m(1, 0.5), m(7, 0.25)], [m(1, 0.75), m(7, 1.0)])
    # Sample 第三条 +0.75 before 《条例》第三条 +0.25; merged by number they would be one row.
    assert [(c.document, c.article, c.change) for c in changes] == [(7, 3, 0.75), (1, 3, 0.25)]


def test_the_overview_shows_district_mastery_per_document_and_exports_it_named(app, sj01):
    sample_id, _ = sample_with_questions(app)
    answer(sj01, question_by_code(app, "R03-03"), False, client_id=1)        # 《条例》第三条 right
    answer(sj01, sample_question(app, sample_id, 3), False, client_id=2)     # sample 第三条 wrong
    answer(sj01, sample_question(app, sample_id, 4), True, client_id=3)      # sample 第四条 right
    sj02 = app.test_client()
    login(sj02, "sj02")
    answer(sj02, sample_question(app, sample_id, 3), True, client_id=4)      # sample 第三条 right: 1 of 2
    organiser = app.test_client()
    login(organiser, "organizer")

    def weakest(page: str) -> list[tuple[str, ...]]:
        table = page[page.index('id="weakest"'):page.index("</table>", page.index('id="weakest"'))]
        return re.findall(r"<tr><td>(第[^<]+条)</td><td>(第[^<]+章)</td><td>(\d+)</td>.*?([\d.]+%)</td></tr>", table,
                          re.S)

    page = organiser.get("/learning/manage").get_data(as_text=True)
    assert weakest(page) == [("第三条", "第一章", "1", "100.0%")]
    assert f'<option value="{sample_id}">{TITLE}</option>' in page
    page = organiser.get(f"/learning/manage?document={sample_id}").get_data(as_text=True)
    assert f'<span class="document-title">{TITLE}</span>' in page
    assert weakest(page) == [("第三条", "第二章", "2", "50.0%"), ("第四条", "第二章", "1", "100.0%")]
    response = organiser.get(f"/learning/manage/export.xlsx?document={sample_id}")
    assert "filename*=UTF-8''" + quote("学习情况（示例市优化营商服务办法）.xlsx") in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    articles = [[c.value for c in row] for row in workbook["条款掌握"].iter_rows()]
    assert articles[1:3] == [["第三条", "第二章", 2, "50.0%"], ["第四条", "第二章", 1, "100.0%"]]
    assert articles[-1][0] == f"政策文件：{TITLE}"
    assert [c.value for c in workbook["章掌握"][2]] == ["第二章", 3, "66.7%"]
    regulation = load_workbook(io.BytesIO(organiser.get("/learning/manage/export.xlsx").data))
    assert [c.value for c in regulation["条款掌握"][2]] == ["第三条", "第一章", 1, "100.0%"]
    assert regulation["条款掌握"].cell(regulation["条款掌握"].max_row, 1).value == "政策文件：《优化营商环境条例》"
