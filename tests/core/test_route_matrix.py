"""Who may use which URL: every rule × method × role has an expected outcome, and a rule without one fails.

One world per test (demo accounts, the shipped bank, an open exam where sj01 is answering, a closed exam
with published results, a computed round published twice — the first snapshot replaced — and computed once
more without publishing), then every URL of app.url_map is requested as each role.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from examapp.accounts.models import PasswordSheet, User
from examapp.exams import proctoring
from examapp.exams.attempts import start_attempt, submit_attempt
from examapp.exams.autosave import save_answer, saved_answers
from examapp.exams.models import Attempt
from examapp.extensions import db
from examapp.publishing import services as publishing
from examapp.publishing.models import Snapshot
from examapp.scoring import services as scoring
from examapp.scoring.models import EvaluationRound
from tests.conftest import login
from tests.exams.conftest import open_exam
from tests.publishing.test_publishing import computed_round

ANON, OWNER, OTHER, VIEWER, ORGANIZER, ADMIN = "anonymous", "sj01", "sj02", "viewer", "organizer", "admin"
ROLES = (ANON, OWNER, OTHER, VIEWER, ORGANIZER, ADMIN)
OK, LOGIN, FORBIDDEN, NOTFOUND = "ok", "login", "forbidden", "notfound"


def expect(anon=LOGIN, owner=FORBIDDEN, other=FORBIDDEN, viewer=FORBIDDEN, organizer=OK, admin=OK) -> dict:
    return dict(zip(ROLES, (anon, owner, other, viewer, organizer, admin), strict=True))


PUBLIC = expect(OK, OK, OK, OK, OK, OK)
SIGNED_IN = expect(LOGIN, OK, OK, OK, OK, OK)
STAFF = expect()
ADMIN_ONLY = expect(organizer=FORBIDDEN)
CANDIDATES = expect(LOGIN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)
OWNER_ONLY = expect(LOGIN, OK, NOTFOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN)           # another candidate's attempt does not exist for them
# The autosave endpoint checks the session inside its own query (no user load): nobody but the owner
# has the attempt, so staff get the same 404 as another candidate.
OWNER_ONLY_LIGHT = expect(LOGIN, OK, NOTFOUND, NOTFOUND, NOTFOUND, NOTFOUND)
# Practice answers: any candidate may answer a practice question; others' sessions have no candidate nonce.
PRACTICE_ANSWER = expect(LOGIN, OK, OK, LOGIN, LOGIN, LOGIN)
OWN_CARD = expect(LOGIN, OK, FORBIDDEN, OK)         # sj01's score card: sj01, leaders and staff

# (rule, method) -> outcome per role. A new route must be added here, or the matrix test fails.
MATRIX = {
    ("/", "GET"): SIGNED_IN,
    ("/healthz", "GET"): PUBLIC,
    ("/dashboard.json", "GET"): STAFF,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/bootstrap/static/<path:filename>", "GET"): PUBLIC,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): PUBLIC,
    ("/password", "GET"): SIGNED_IN,
    ("/password", "POST"): SIGNED_IN,
    ("/logout", "POST"): SIGNED_IN,
    # accounts (staff)
    ("/users", "GET"): STAFF,
    ("/users/new", "GET"): STAFF,
    ("/users/new", "POST"): STAFF,
    ("/users/<int:user_id>/edit", "GET"): STAFF,
    ("/users/<int:user_id>/edit", "POST"): STAFF,
    ("/users/<int:user_id>/active", "POST"): STAFF,
    ("/users/<int:user_id>/reset-password", "POST"): STAFF,
    ("/users/<int:user_id>/release-login", "POST"): STAFF,
    ("/users/import", "GET"): STAFF,
    ("/users/import", "POST"): STAFF,
    ("/users/import/template.xlsx", "GET"): STAFF,
    ("/users/import/done/<token>", "GET"): STAFF,
    ("/users/password-sheet/<token>", "POST"): STAFF,
    ("/organizations", "GET"): STAFF,
    ("/organizations/new", "GET"): STAFF,
    ("/organizations/new", "POST"): STAFF,
    ("/organizations/<int:org_id>/edit", "GET"): STAFF,
    ("/organizations/<int:org_id>/edit", "POST"): STAFF,
    # audit log (admin)
    ("/admin/audit/", "GET"): ADMIN_ONLY,
    ("/admin/audit/export.csv", "GET"): ADMIN_ONLY,
    ("/admin/audit/export.xlsx", "GET"): ADMIN_ONLY,
    # system settings (admin)
    ("/admin/settings/", "GET"): ADMIN_ONLY,
    ("/admin/settings/", "POST"): ADMIN_ONLY,
    # question bank (staff)
    ("/bank/", "GET"): STAFF,
    ("/bank/coverage", "GET"): STAFF,
    ("/bank/export", "GET"): STAFF,
    ("/bank/import", "GET"): STAFF,
    ("/bank/import", "POST"): STAFF,
    ("/bank/questions/new", "GET"): STAFF,
    ("/bank/questions/new", "POST"): STAFF,
    ("/bank/questions/<int:question_id>", "GET"): STAFF,
    ("/bank/questions/<int:question_id>/edit", "GET"): STAFF,
    ("/bank/questions/<int:question_id>/edit", "POST"): STAFF,
    ("/bank/questions/<int:question_id>/active", "POST"): STAFF,
    ("/bank/questions/<int:question_id>/exam-only", "POST"): STAFF,
    ("/bank/questions/<int:question_id>/reviewed", "POST"): STAFF,
    ("/bank/documents", "GET"): STAFF,
    ("/bank/documents/import", "GET"): STAFF,
    ("/bank/documents/import", "POST"): STAFF,
    ("/bank/documents/confirm", "POST"): STAFF,
    # candidate pages and API
    ("/exams", "GET"): CANDIDATES,
    ("/exams/<int:exam_id>", "GET"): CANDIDATES,
    ("/exams/<int:exam_id>/start", "POST"): CANDIDATES,
    ("/attempts/<int:attempt_id>", "GET"): OWNER_ONLY,
    ("/api/v1/exams", "GET"): CANDIDATES,
    ("/api/v1/exams/<int:exam_id>/attempts", "POST"): CANDIDATES,
    ("/api/v1/attempts/<int:attempt_id>", "GET"): OWNER_ONLY,
    ("/api/v1/attempts/<int:attempt_id>/answers", "POST"): OWNER_ONLY_LIGHT,
    ("/api/v1/attempts/<int:attempt_id>/submit", "POST"): OWNER_ONLY,
    ("/api/v1/attempts/<int:attempt_id>/events", "POST"): OWNER_ONLY,
    # learning: candidate pages, the practice-answer API (session checked in its own query), organiser overview
    ("/learning/", "GET"): CANDIDATES,
    ("/learning/read", "GET"): CANDIDATES,
    ("/learning/read/<int:chapter>", "GET"): CANDIDATES,
    ("/learning/practice", "GET"): CANDIDATES,
    ("/learning/daily", "GET"): CANDIDATES,
    ("/learning/wrong", "GET"): CANDIDATES,
    ("/learning/mastery", "GET"): CANDIDATES,
    ("/learning/api/answers", "POST"): PRACTICE_ANSWER,
    ("/learning/manage", "GET"): STAFF,
    ("/learning/manage/export.xlsx", "GET"): STAFF,
    ("/learning/manage/settings", "POST"): STAFF,
    # exam management (staff)
    ("/manage/exams/", "GET"): STAFF,
    ("/manage/exams/new", "GET"): STAFF,
    ("/manage/exams/new", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/edit", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/edit", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/preview", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/publish", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/monitor", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/monitor.json", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/window", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/attempts/<int:attempt_id>", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/attempts/<int:attempt_id>/extra-time", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/attempts/<int:attempt_id>/force-submit", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/attempts/<int:attempt_id>/reopen", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/regrade/<int:question_id>", "POST"): STAFF,
    ("/manage/exams/<int:exam_id>/results", "GET"): STAFF,
    ("/manage/exams/<int:exam_id>/results.xlsx", "GET"): STAFF,
    # scoring rounds and unpublished computations (staff)
    ("/scoring/", "GET"): STAFF,
    ("/scoring/new", "POST"): STAFF,
    ("/scoring/template.xlsx", "GET"): STAFF,
    ("/scoring/<int:round_id>", "GET"): STAFF,
    ("/scoring/<int:round_id>/import", "POST"): STAFF,
    ("/scoring/<int:round_id>/scheme", "POST"): STAFF,
    ("/scoring/<int:round_id>/scheme/form", "POST"): STAFF,
    ("/scoring/<int:round_id>/scheme.yaml", "GET"): STAFF,
    ("/scoring/<int:round_id>/compute", "POST"): STAFF,
    ("/scoring/<int:round_id>/results/<int:computation_id>", "GET"): STAFF,
    ("/scoring/<int:round_id>/results/<int:computation_id>/people/<int:index>", "GET"): STAFF,
    ("/scoring/<int:round_id>/results/<int:computation_id>/export.<fmt>", "GET"): STAFF,
    # published results
    ("/published/", "GET"): SIGNED_IN,
    ("/published/<int:snapshot_id>", "GET"): SIGNED_IN,
    ("/published/<int:snapshot_id>/document.pdf", "GET"): SIGNED_IN,
    ("/published/<int:snapshot_id>/table.xlsx", "GET"): SIGNED_IN,
    ("/published/<int:snapshot_id>/cards/<path:organization>.pdf", "GET"): OWN_CARD,
    ("/published/<int:snapshot_id>/finalise", "POST"): STAFF,
    ("/published/rounds/<int:round_id>/publish", "POST"): STAFF,
    ("/published/exams/<int:exam_id>/publish", "POST"): STAFF,
}


@dataclass
class World:
    open_exam: int
    closed_exam: int
    attempt: int                 # sj01's attempt in the open exam, with saved answers
    answered_item: int           # one of its items, answered at seq 5
    closed_attempts: dict        # login -> attempt id in the closed exam (sj01, sj02)
    question: int
    round: int                   # computed, published twice, computed once more
    replaced_snapshot: int
    snapshot: int                # the current ranking snapshot
    published_computation: int
    unpublished_computation: int
    empty_round: int             # no inputs: publishing or computing it fails harmlessly
    exam_snapshot: int           # the closed exam's published results
    own_org: str                 # sj01's organisation
    other_org: str               # sj02's organisation
    org_id: int
    managed_user: int            # sj72, whom staff rows edit, deactivate and reactivate
    sheet_token: str
    users: dict = field(default_factory=dict)   # login -> user id


def _answer_some(attempt: Attempt, count: int, seq: int) -> int:
    items = [i for i in attempt.items if i.type in ("single", "truefalse")][:count]
    for item in items:
        save_answer(attempt.id, attempt.user_id, item.id, True if item.type == "truefalse" else "A", seq)
    return items[0].id


def build_world(app) -> World:
    """Everything the URLs need (demo accounts and the bank must already be loaded)."""
    round_id = computed_round(app)
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        exam = open_exam(title="开放中的考试")
        attempt = start_attempt(exam, users["sj01"])
        answered = _answer_some(attempt, 3, seq=5)
        closed = open_exam(title="已结束的考试")
        closed_attempts = {}
        for name in ("sj01", "sj02"):
            taken = start_attempt(closed, users[name])
            _answer_some(taken, 2, seq=1)
            submit_attempt(taken)
            closed_attempts[name] = taken.id
        proctoring.close_now(closed, "考试结束")
        db.session.commit()
        exam_snapshot = publishing.publish("exam", exam=closed, final=True)
        round_ = db.session.get(EvaluationRound, round_id)
        replaced = publishing.publish("ranking", round_=round_, final=True)
        current = publishing.publish("ranking", round_=round_, final=True, reason="更正")
        published_computation = current.computation_id
        unpublished = scoring.compute_round(round_)
        empty = scoring.ensure_round("空批次")
        sheet = PasswordSheet(token="matrix-sheet-token", entries=[], count=0, created_by_id=users["organizer"].id)
        db.session.add(sheet)
        db.session.commit()
        return World(
            open_exam=exam.id, closed_exam=closed.id, attempt=attempt.id, answered_item=answered,
            closed_attempts=closed_attempts, question=attempt.items[0].version.question_id, round=round_id,
            replaced_snapshot=replaced.id, snapshot=current.id, published_computation=published_computation,
            unpublished_computation=unpublished.id, empty_round=empty.id, exam_snapshot=exam_snapshot.id,
            own_org=users["sj01"].organization.name, other_org=users["sj02"].organization.name,
            org_id=users["sj01"].organization_id, managed_user=users["sj72"].id, sheet_token=sheet.token,
            users={name: u.id for name, u in users.items()})


def url_values(world: World, rule: str, method: str) -> dict:
    values = {
        "attempt_id": world.attempt, "exam_id": world.open_exam, "question_id": world.question,
        "snapshot_id": world.snapshot, "organization": world.own_org, "round_id": world.round,
        "computation_id": world.unpublished_computation, "index": 0, "fmt": "xlsx", "org_id": world.org_id,
        "user_id": world.managed_user, "token": world.sheet_token,
        "filename": "css/bootstrap.min.css" if rule.startswith("/bootstrap") else "js/exam.js", "chapter": 2,
    }
    if method == "POST" and "<int:round_id>" in rule:
        values["round_id"] = world.empty_round    # no computation: compute/publish fail without harm
    return values


PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def fill(rule: str, values: dict) -> str:
    unknown = [name for name in PLACEHOLDER.findall(rule) if name not in values]
    assert not unknown, f"route {rule}: give url_values() a world value for {unknown}"
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), rule)


# API bodies chosen so the world survives (an older seq, a refused submit reason). Other POSTs go empty:
# their forms fail validation, save what is already there (edit forms), act on the empty round, or toggle
# twice (organizer, then admin); the end of the matrix test checks the world is intact.
def post_body(world: World, rule: str) -> dict:
    if rule == "/learning/api/answers":
        return {"json": {"question": world.question, "answer": None, "mode": "practice", "client_id": 1}}
    if rule.endswith("/answers"):
        return {"json": {"item": world.answered_item, "answer": None, "seq": 0}}
    if rule.endswith("/submit"):
        return {"json": {"reason": "never"}}
    if rule.endswith("/events"):
        return {"json": {"kind": "focus_loss"}}
    if rule.startswith("/api/"):
        return {"json": {}}
    return {}


def outcome(response, method: str) -> str:
    code = response.status_code
    response.close()
    location = urlsplit(response.headers.get("Location", "")).path
    if code == 401 or (code in (301, 302, 303) and location == "/login"):
        return LOGIN
    if code == 403:
        return FORBIDDEN
    if code == 404:
        return NOTFOUND
    if code >= 500:
        return f"error {code}"
    if method == "GET" and code not in (200, 302, 303):
        return f"status {code}"
    return OK


def signed_in_clients(app) -> dict:
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if role != ANON:
            assert login(clients[role], role).status_code == 302, role
    return clients


def rules_of(app) -> list[tuple[str, str]]:
    return sorted({(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}})


def test_every_route_has_an_expected_outcome_for_every_role(app, demo, bank):
    routes = rules_of(app)
    missing = [f"route {rule} [{method}] has no expected outcome in the matrix" for rule, method in routes
               if (rule, method) not in MATRIX]
    stale = [f"matrix row {key} matches no route" for key in MATRIX if key not in routes]
    assert missing + stale == [], "\n".join(missing + stale)

    world = build_world(app)
    clients = signed_in_clients(app)
    # Logging out ends the sessions, so it goes last.
    ordered = sorted(routes, key=lambda key: key == ("/logout", "POST"))
    wrong = []
    for rule, method in ordered:
        url = fill(rule, url_values(world, rule, method))
        for role in ROLES:
            client = clients[role]
            response = client.get(url) if method == "GET" else client.post(url, **post_body(world, rule))
            got = outcome(response, method)
            if (rule, method) == ("/logout", "POST") and got == LOGIN and role != ANON:
                # Logging out also ends at the login page: it is "ok" when it says so.
                got = OK if "您已安全退出" in client.get("/login").get_data(as_text=True) else got
            if got != MATRIX[(rule, method)][role]:
                wrong.append(f"{method} {url} as {role}: {got} ({response.status_code}), "
                             f"expected {MATRIX[(rule, method)][role]}")
    assert wrong == [], "\n".join(wrong)

    with app.app_context():   # the harmless POSTs left the world as it was
        attempt = db.session.get(Attempt, world.attempt)
        assert attempt.status == "in_progress"
        assert saved_answers(attempt)[world.answered_item][1] == 5
        assert publishing.is_current(db.session.get(Snapshot, world.snapshot))
        assert db.session.get(User, world.managed_user).active


# --- one candidate cannot reach another's data by any id ------------------------------------------

def test_another_candidate_cannot_read_an_attempt_by_any_id(app, demo, bank):
    world = build_world(app)
    sj02 = app.test_client()
    login(sj02, "sj02")
    with app.app_context():
        others = db.session.scalars(db.select(Attempt.id).where(Attempt.user_id != world.users["sj02"])).all()
        own = set(db.session.scalars(db.select(Attempt.id).where(Attempt.user_id == world.users["sj02"])))
    assert world.attempt in others and world.closed_attempts["sj01"] in others and len(others) > 100
    leaks = []
    for attempt_id in others + [max(others) + 1000]:
        for method, url, body in (
                ("GET", f"/attempts/{attempt_id}", None),
                ("GET", f"/api/v1/attempts/{attempt_id}", None),
                ("POST", f"/api/v1/attempts/{attempt_id}/submit", {}),
                ("POST", f"/api/v1/attempts/{attempt_id}/events", {"kind": "focus_loss"})):
            response = sj02.get(url) if method == "GET" else sj02.post(url, json=body)
            if response.status_code != 404:
                leaks.append(f"{method} {url}: {response.status_code}")
    assert leaks == [], "\n".join(leaks[:20])
    # Saving into sj01's attempt, with sj01's own item ids, is refused and changes nothing.
    with app.app_context():
        items = [i.id for i in db.session.get(Attempt, world.attempt).items]
    for item in items:
        response = sj02.post(f"/api/v1/attempts/{world.attempt}/answers", json={"item": item, "answer": "B", "seq": 99})
        assert response.status_code == 404, item
    # ... and with sj02's own item ids in sj01's attempt, or sj01's items in sj02's attempt.
    own_closed = world.closed_attempts["sj02"]
    assert own_closed in own
    response = sj02.post(f"/api/v1/attempts/{own_closed}/answers", json={"item": items[0], "answer": "B", "seq": 99})
    assert response.status_code in (404, 409)
    with app.app_context():
        attempt = db.session.get(Attempt, world.attempt)
        assert attempt.status == "in_progress" and attempt.focus_losses == 0
        assert {seq for _, seq in saved_answers(attempt).values()} == {5}
    # The attempt's answers are not in sj02's own state either.
    state = sj02.get(f"/api/v1/attempts/{own_closed}").get_json()
    assert {a["item"] for a in state["answers"]}.isdisjoint(items)


def test_another_candidate_cannot_read_a_score_card_or_unpublished_results(app, demo, bank):
    world = build_world(app)
    sj02, sj01 = app.test_client(), app.test_client()
    login(sj02, "sj02")
    login(sj01, "sj01")
    base = f"/published/{world.snapshot}"
    assert sj01.get(f"{base}/cards/{world.own_org}.pdf").data[:4] == b"%PDF"
    assert sj02.get(f"{base}/cards/{world.own_org}.pdf").status_code == 403
    assert sj02.get(f"{base}/cards/{world.other_org}.pdf").data[:4] == b"%PDF"
    with app.app_context():
        orgs = list(db.session.get(Snapshot, world.snapshot).content["people"])
    assert len(orgs) == 72
    refused = [org for org in orgs if org != world.other_org
               and sj02.get(f"{base}/cards/{org}.pdf").status_code != 403]
    assert refused == []
    # A replaced snapshot and an exam snapshot have no score cards for candidates; odd names do not help.
    for url in (f"/published/{world.replaced_snapshot}/cards/{world.other_org}.pdf",
                f"/published/{world.exam_snapshot}/cards/{world.other_org}.pdf",
                f"{base}/cards/{world.own_org}.pdf/..%2F{world.other_org}.pdf",
                f"{base}/cards/..%2F..%2F{world.snapshot}/cards/{world.own_org}.pdf"):
        assert sj02.get(url).status_code in (403, 404), url
    # The replaced snapshot, in every form, is gone for candidates (still there for organisers).
    for suffix in ("", "/document.pdf", "/table.xlsx"):
        assert sj02.get(f"/published/{world.replaced_snapshot}{suffix}").status_code == 404, suffix
    assert f"/published/{world.replaced_snapshot}\"" not in sj02.get("/published/").get_data(as_text=True)
    # No snapshot id beyond the published ones exists.
    assert sj02.get(f"/published/{world.snapshot + 1}").status_code == 404
    # Unpublished computations and exam results are staff pages, whatever the id.
    for computation in (world.published_computation, world.unpublished_computation):
        for suffix in ("", "/people/0", "/export.json", "/export.xlsx"):
            url = f"/scoring/{world.round}/results/{computation}{suffix}"
            assert sj02.get(url).status_code == 403, url
    for exam in (world.open_exam, world.closed_exam):
        for suffix in ("/results", "/results.xlsx", "/monitor.json",
                       f"/attempts/{world.closed_attempts['sj01']}"):
            assert sj02.get(f"/manage/exams/{exam}{suffix}").status_code == 403
    # The open exam's results were never published: no snapshot of it is listed for anyone.
    with app.app_context():
        assert db.session.scalar(db.select(Snapshot).where(Snapshot.exam_id == world.open_exam)) is None


def test_the_published_excel_table_carries_the_accountability_list_only_for_leaders_and_staff(app, demo, bank):
    from openpyxl import load_workbook
    world = build_world(app)
    sheets = {}
    for role in (OWNER, VIEWER, ORGANIZER):
        client = app.test_client()
        login(client, role)
        book = load_workbook(io.BytesIO(client.get(f"/published/{world.snapshot}/table.xlsx").data))
        sheets[role] = book.sheetnames
    with app.app_context():
        assert db.session.get(Snapshot, world.snapshot).content["accountability"], "the demo round has some"
    assert "问责清单" not in sheets[OWNER] and "综合排名" in sheets[OWNER]
    assert "问责清单" in sheets[VIEWER] and "问责清单" in sheets[ORGANIZER]


def test_login_never_sends_a_user_to_another_site(client, demo):
    targets = ["//evil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\\evil.example/", "\\\\evil.example/",
               "https://evil.example/", "javascript:alert(1)", " //evil.example/"]
    for target in targets:
        response = client.post("/login", query_string={"next": target},
                               data={"username": "viewer", "password": "demo1234"})
        location = response.headers["Location"]
        parts = urlsplit(location)
        assert response.status_code == 302 and not parts.scheme and not parts.netloc, (target, location)
        assert location.startswith("/") and not location.startswith("//"), (target, location)
        client.post("/logout")
    response = client.post("/login", query_string={"next": "/published/"},
                           data={"username": "viewer", "password": "demo1234"})
    assert response.headers["Location"] == "/published/"
