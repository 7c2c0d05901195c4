"""The organiser's 学习情况: participation, district mastery, the change between two exams, the Excel export."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from examapp.accounts.models import User
from examapp.bank.models import Question
from examapp.exams import proctoring
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.exams.mastery import Mastery
from examapp.exams.models import Exam
from examapp.exams.papers import display_answer
from examapp.extensions import db
from examapp.learning.overview import learning_effect, mastery_change, participation
from tests.conftest import login
from tests.exams.conftest import open_exam


def m(article: int, mastery: float) -> Mastery:
    return Mastery(article=article, chapter=1, organization_kind=None, questions_answered=2, earned=mastery * 2,
                   possible=2, mastery=mastery)


def test_mastery_change_by_hand_largest_gain_first_untested_last():
    before = [m(1, 0.5), m(2, 0.8), m(3, 0.25)]
    after = [m(1, 0.75), m(2, 0.6), m(4, 1.0), m(3, 0.75)]
    changes = mastery_change(before, after)
    # Article 3: 0.25 -> 0.75 = +0.50; article 1: +0.25; article 2: -0.20; article 4 only in the later exam.
    assert [(c.article, round(c.change, 2) if c.change is not None else None) for c in changes] == \
        [(3, 0.5), (1, 0.25), (2, -0.2), (4, None)]
    assert changes[-1].before is None and changes[-1].after == 1.0


def _practise(app, username: str, code: str, value, client_id: int):
    client = app.test_client()
    login(client, username)
    with app.app_context():
        question = db.session.scalar(select(Question.id).where(Question.code == code))
    return client.post("/learning/api/answers", json={"question": question, "answer": value, "mode": "practice",
                                                      "client_id": client_id}).get_json()


def test_the_overview_shows_who_practised_and_the_least_mastered_articles(app, demo, bank):
    _practise(app, "sj01", "R10-01", "A", 1)     # article 10 wrong
    _practise(app, "sj01", "R10-02", "A", 2)     # article 10 wrong
    _practise(app, "sj02", "R10-04", True, 3)    # article 10 right -> 1 of 3 = 33.3%
    _practise(app, "sj02", "R10-02", "B", 4)     # (now 2 of 4 = 50.0%)
    organiser = app.test_client()
    login(organiser, "organizer")
    page = organiser.get("/learning/manage").get_data(as_text=True)
    assert '<div class="stat-value" id="practised">2</div>' in page
    weakest = page[page.index('id="weakest"'):page.index("</table>", page.index('id="weakest"'))]
    assert "第十条" in weakest and "50.0%" in weakest
    assert "有两场考试结束后" in page            # no learning effect yet
    with app.app_context():
        rows = {r.login: r for r in participation()}
    assert (rows["sj01"].answers, rows["sj01"].days, rows["sj02"].answers, rows["sj03"].answers) == (2, 1, 2, 0)


def _sit_and_close(app, title: str, right_singles: int) -> int:
    """sj01 and sj02 sit an exam answering the first `right_singles` single-choice items right, the rest wrong."""
    with app.app_context():
        exam = open_exam(title=title, review="after_close")
        for name in ("sj01", "sj02"):
            user = db.session.scalar(select(User).where(User.username == name))
            attempt = start_attempt(exam, user)
            singles = [i for i in attempt.items if i.type == "single"]
            for n, item in enumerate(singles):
                key = display_answer(item.version, item.option_order)
                wrong = "A" if key != "A" else "B"
                save_answer(attempt.id, user.id, item.id, key if n < right_singles else wrong, 1)
            submit_attempt(attempt)
        proctoring.close_now(exam, "考试结束")
        db.session.commit()
        return exam.id


def test_after_two_closed_exams_the_overview_shows_the_change_per_article_and_exports_it(app, demo, bank):
    july = _sit_and_close(app, "7月考试", 0)
    october = _sit_and_close(app, "10月考试", 5)
    organiser = app.test_client()
    login(organiser, "organizer")
    page = organiser.get("/learning/manage").get_data(as_text=True)
    assert "7月考试" in page and "10月考试" in page and 'id="effect"' in page
    with app.app_context():
        effect = learning_effect(db.session.get(Exam, july), db.session.get(Exam, october))
    # July: every single-choice answer wrong and nothing else answered, so every article tested stood at 0%;
    # October: five singles right each, so some articles rose and none fell.
    assert {c.before for c in effect if c.before is not None} == {0.0}
    assert any(c.change and c.change > 0 for c in effect) and not any(c.change and c.change < 0 for c in effect)
    response = organiser.get(f"/learning/manage/export.xlsx?before={july}&after={october}")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["参与情况", "条款掌握", "章掌握", "党组织类别", "学习效果"]
    people = workbook["参与情况"]
    assert [c.value for c in people[1]][:3] == ["党组织", "类别", "姓名"] and people.max_row == 73
    effect_sheet = workbook["学习效果"]
    assert effect_sheet["A1"].value == "条款"
    assert any(row[0].value == "学习效果：7月考试 → 10月考试" for row in effect_sheet.iter_rows())
    first = next(effect_sheet.iter_rows(min_row=2, max_row=2))
    assert first[2].value == "0.0%" and first[4].value == round(effect[0].change * 100, 1) > 0


def test_candidates_cannot_open_the_overview_or_export(app, demo, bank):
    client = app.test_client()
    login(client, "sj01")
    assert client.get("/learning/manage").status_code == 403
    assert client.get("/learning/manage/export.xlsx").status_code == 403
