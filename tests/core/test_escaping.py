"""Stored text is shown as text: a stem, option, explanation, exam title, organisation, name or reason holding
<script> or a formula renders literally in pages, JSON, PDFs and Excel, and no script writes HTML from strings."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from examapp.accounts.models import User
from examapp.bank import services as bank
from examapp.bank.core import QuestionData
from examapp.bank.models import Question
from examapp.exams import proctoring, services
from examapp.exams.assembly import Section
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer
from examapp.extensions import db
from examapp.publishing import services as publishing
from examapp.scoring import services as scoring
from examapp.scoring.models import EvaluationRound
from examapp.timeutil import utcnow
from tests.conftest import login
from tests.publishing.test_publishing import computed_round

SCRIPT = "<script>alert(1)</script>"
# Each stored field starts with a different formula prefix (=, +, -, @) and carries the script.
STEM = '=HYPERLINK("evil.invalid","点我")' + SCRIPT + "优化营商环境应当坚持什么原则？"
OPTION = "+1+1" + SCRIPT + "市场化、法治化、国际化原则"
EXPLANATION = "-2+3" + SCRIPT + "见条例第四条。"
TITLE = "=1+2" + SCRIPT + "专项测试"
ORG = "@SUM(A1)" + SCRIPT + "示例单位"
NAME = "=1+1" + SCRIPT + "张三"
REASON = '=HYPERLINK("x.invalid")' + SCRIPT + "网络故障"
STORED = {"stem": STEM, "option": OPTION, "explanation": EXPLANATION, "title": TITLE, "organization": ORG,
          "name": NAME, "reason": REASON}
JS_DIR = Path(__file__).resolve().parents[2] / "examapp" / "static" / "js"


@dataclass
class World:
    question: int
    exam: int
    attempt: int           # sj01's, submitted (review after submit)
    running: int           # sj02's, given extra time with REASON
    round: int
    computation: int
    person_index: int
    snapshot: int          # current ranking snapshot, published with REASON as its correction reason
    exam_snapshot: int
    user: int
    org: int


def build_world(app) -> World:
    round_id = computed_round(app)
    with app.app_context():
        sj01 = db.session.scalar(db.select(User).where(User.username == "sj01"))
        sj01.name = NAME
        sj01.organization.name = ORG
        options = [{"key": "A", "text": OPTION}, {"key": "B", "text": "公开、公平、公正原则"},
                   {"key": "C", "text": "自愿、平等原则"}, {"key": "D", "text": "以上都不对"}]
        question = bank.create_question(QuestionData(type="single", stem=STEM, options=options, answer="A",
                                                     explanation=EXPLANATION, article=4, difficulty=1))
        for other in db.session.scalars(db.select(Question).where(Question.id != question.id)):
            if other.current.article_number == 4 and other.current.type == "single" and other.active:
                bank.set_active(other, False)
        now = utcnow().replace(microsecond=0)
        exam = services.save_exam(services.ExamDefinition(
            title=TITLE, description=SCRIPT, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
            duration_minutes=30, sections=[Section("single", 1, 2.0, articles=(4,))], pass_mark=1,
            review_policy="after_submit"))
        services.publish_exam(exam)
        attempt = start_attempt(exam, sj01)
        save_answer(attempt.id, sj01.id, attempt.items[0].id, "A", 1)
        submit_attempt(attempt)
        sj02 = db.session.scalar(db.select(User).where(User.username == "sj02"))
        running = start_attempt(exam, sj02)
        proctoring.grant_extra_time(running, 5, REASON)
        # Results are published once everybody is done: a second sitting of the same exam, closed.
        sitting = services.save_exam(services.ExamDefinition(
            title=TITLE, description=SCRIPT, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
            duration_minutes=30, sections=[Section("single", 1, 2.0, articles=(4,))], pass_mark=1,
            review_policy="after_submit"))
        services.publish_exam(sitting)
        taken = start_attempt(sitting, sj01)
        save_answer(taken.id, sj01.id, taken.items[0].id, "A", 1)
        submit_attempt(taken)
        proctoring.close_now(sitting, "考试结束")
        exam_snapshot = publishing.publish("exam", exam=sitting, final=True)
        round_ = db.session.get(EvaluationRound, round_id)
        computation = scoring.compute_round(round_)
        publishing.publish("ranking", round_=round_, final=True)
        snapshot = publishing.publish("ranking", round_=round_, final=True, reason=REASON)
        index = next(i for i, r in enumerate(computation.result["results"]) if r["organization"] == ORG)
        db.session.commit()
        return World(question=question.id, exam=exam.id, attempt=attempt.id, running=running.id, round=round_id,
                     computation=computation.id, person_index=index, snapshot=snapshot.id,
                     exam_snapshot=exam_snapshot.id, user=sj01.id, org=sj01.organization_id)


def clients(app) -> dict:
    signed_in = {}
    for role in ("sj01", "viewer", "organizer", "admin"):
        signed_in[role] = app.test_client()
        assert login(signed_in[role], role).status_code == 302
    return signed_in


def test_stored_text_is_escaped_on_every_page_that_shows_it(app, demo, bank):
    w = build_world(app)
    c = clients(app)
    manage, scoring_base = f"/manage/exams/{w.exam}", f"/scoring/{w.round}/results/{w.computation}"
    # (who, url, which stored texts the page shows)
    pages = [
        ("organizer", "/bank/?status=all&q=HYPERLINK", ["stem"]),
        ("organizer", f"/bank/questions/{w.question}", ["stem", "option", "explanation"]),
        ("organizer", f"/bank/questions/{w.question}/edit", ["stem", "option", "explanation"]),
        ("organizer", "/users", ["name", "organization"]),
        ("organizer", f"/users/{w.user}/edit", ["name"]),
        ("organizer", "/organizations", ["organization"]),
        ("organizer", f"/organizations/{w.org}/edit", ["organization"]),
        ("organizer", "/manage/exams/", ["title"]),
        ("organizer", manage, ["title"]),
        ("organizer", f"{manage}/edit", ["title"]),
        ("organizer", f"{manage}/preview", ["stem", "option"]),
        ("organizer", f"{manage}/monitor", ["title", "name", "organization"]),
        ("organizer", f"{manage}/attempts/{w.attempt}", ["stem", "option", "explanation", "name"]),
        ("organizer", f"{manage}/attempts/{w.running}", ["reason"]),
        ("organizer", f"{manage}/results", ["title", "name", "organization", "stem"]),
        ("organizer", "/scoring/", []),
        ("organizer", scoring_base, ["name", "organization"]),
        ("organizer", f"{scoring_base}/people/{w.person_index}", ["name", "organization"]),
        ("organizer", "/published/", []),
        ("viewer", f"/published/{w.snapshot}", ["name", "organization", "reason"]),
        ("viewer", f"/published/{w.exam_snapshot}", ["name", "organization", "title"]),
        ("sj01", "/exams", ["title"]),
        ("sj01", f"/exams/{w.exam}", ["title"]),
        ("sj01", f"/attempts/{w.attempt}", ["title", "stem", "option", "explanation"]),
        ("sj01", f"/published/{w.snapshot}", ["name", "organization"]),
    ]
    problems = []
    for who, url, shown in pages:
        response = c[who].get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        if SCRIPT in html or re.search(r"<script>\s*alert", html):
            problems.append(f"{url}: raw <script> in the page")
        for key in shown:
            if str(escape(STORED[key])) not in html:
                problems.append(f"{url}: {key} not shown as escaped text")
    assert problems == [], "\n".join(problems)


def test_json_carries_stored_text_verbatim_as_json(app, demo, bank):
    w = build_world(app)
    c = clients(app)
    monitor = c["organizer"].get(f"/manage/exams/{w.exam}/monitor.json")
    assert monitor.mimetype == "application/json" and monitor.headers["X-Content-Type-Options"] == "nosniff"
    row = next(r for r in monitor.get_json()["rows"] if r["user"] == w.user)
    assert row["name"] == NAME and row["organization"] == ORG
    sj02 = app.test_client()
    login(sj02, "sj02")
    paper = sj02.post(f"/api/v1/exams/{w.exam}/attempts", json={})
    assert paper.mimetype == "application/json"
    item = paper.get_json()["items"][0]
    assert item["stem"] == STEM and OPTION in [o["text"] for o in item["options"]]


def _pdf_text(data: bytes) -> str:
    assert data[:4] == b"%PDF", data[:200]
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_pdfs_print_stored_text_literally(app, demo, bank):
    w = build_world(app)
    c = clients(app)
    squash = {key: re.sub(r"\s+", "", value) for key, value in STORED.items()}
    league = _pdf_text(c["viewer"].get(f"/published/{w.snapshot}/document.pdf").data)
    assert squash["organization"] in league and squash["name"] in league
    card = _pdf_text(c["sj01"].get(f"/published/{w.snapshot}/cards/{ORG}.pdf").data)
    assert squash["organization"] in card and squash["name"] in card
    results = _pdf_text(c["viewer"].get(f"/published/{w.exam_snapshot}/document.pdf").data)
    assert squash["organization"] in results and squash["name"] in results and squash["title"] in results


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_excel_exports_keep_formula_like_stored_text_as_text(app, demo, bank):
    w = build_world(app)
    c = clients(app)
    exports = [
        ("viewer", f"/published/{w.snapshot}/table.xlsx", ["organization", "name"]),
        ("viewer", f"/published/{w.exam_snapshot}/table.xlsx", ["organization", "name"]),
        ("organizer", f"/manage/exams/{w.exam}/results.xlsx", ["organization", "name", "stem"]),
        ("organizer", f"/scoring/{w.round}/results/{w.computation}/export.xlsx", ["organization", "name"]),
        ("organizer", "/bank/export?format=xlsx", ["stem", "option", "explanation"]),
    ]
    problems = []
    for who, url, shown in exports:
        response = c[who].get(url)
        assert response.status_code == 200, url
        cells = _cells(response.data)
        formulas = [f"{cell.coordinate}={cell.value!r}" for cell in cells if cell.data_type == "f"]
        if formulas:
            problems.append(f"{url}: formula cells {formulas[:3]}")
        values = {cell.value for cell in cells if cell.data_type == "s"}
        for key in shown:
            if not any(isinstance(v, str) and STORED[key] in v for v in values):
                problems.append(f"{url}: {key} missing as text")
    assert problems == [], "\n".join(problems)


def test_no_script_writes_html_from_strings():
    # The exam page and the monitor render stems, options, names with textContent / createTextNode only.
    sinks = re.compile(r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    found = [f"{path.name}:{n}: {line.strip()}" for path in sorted(JS_DIR.glob("*.js"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if sinks.search(line)]
    assert found == []
    exam_js = (JS_DIR / "exam.js").read_text(encoding="utf-8")
    assert "document.createTextNode(item.stem)" in exam_js and 'text: option.text' in exam_js
