"""One handler for user errors: a UserError no view catches is answered with its Chinese message (JSON for
API clients, a flashed message and a way back for a browser), and nothing the request wrote is kept."""
import pytest

from examapp.access.policy import roles_required
from examapp.access.roles import STAFF
from examapp.audit.models import AuditEntry
from examapp.audit.services import record
from examapp.errors import same_site_referrer
from examapp.exams.services import ExamError
from examapp.extensions import db
from examapp.scoring.services import ScoringError
from examapp.usererror import UserError
from tests.conftest import login

MESSAGE = "考评批次已锁定，不能再修改。"


@pytest.fixture
def failing(app, demo):
    """A view that writes, then meets a user error it does not catch."""
    @roles_required(*STAFF)
    def fail():
        record("test.half_done", target_type="test", summary="写到一半")
        db.session.flush()
        raise ScoringError(MESSAGE)

    app.add_url_rule("/manage/test-fail", "test_fail", fail, methods=["POST"])
    app.add_url_rule("/api/v1/test-fail", "test_fail_api", fail, methods=["POST"])
    client = app.test_client()
    login(client, "organizer")
    return client


def written(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "test.half_done"))


def test_every_domain_error_is_a_user_error():
    from examapp.accounts.importer import ImportFileError
    from examapp.accounts.services import AccountError
    from examapp.bank.services import BankError
    from examapp.exams.assembly import BlueprintError
    from examapp.learning.services import LearningError
    from examapp.reports.fonts import FontError
    from examapp.scoring.scheme import SchemeError
    from examapp.settings.services import SettingsError
    from examapp.yamlutil import YamlInputError
    for cls in (ImportFileError, AccountError, BankError, BlueprintError, ExamError, LearningError, FontError,
                SchemeError, ScoringError, SettingsError, YamlInputError):
        assert issubclass(cls, UserError) and issubclass(cls, ValueError), cls


def test_html_request_is_rolled_back_flashed_and_sent_back(app, failing):
    response = failing.post("/manage/test-fail", headers={"Referer": "http://localhost/manage/exams/?page=2"})
    assert response.status_code == 302 and response.location == "/manage/exams/?page=2"
    assert written(app) == 0
    page = failing.get(response.location).get_data(as_text=True)
    assert MESSAGE in page


def test_html_request_from_another_site_goes_home_not_there(app, failing):
    response = failing.post("/manage/test-fail", headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302 and response.location == "/"
    assert MESSAGE in failing.get("/").get_data(as_text=True)
    assert failing.post("/manage/test-fail").location == "/"                      # no referrer at all
    assert written(app) == 0


@pytest.mark.parametrize("path, headers", [("/api/v1/test-fail", {}),
                                           ("/manage/test-fail", {"Accept": "application/json"})])
def test_json_request_gets_400_with_the_message_and_nothing_is_kept(app, failing, path, headers):
    response = failing.post(path, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": MESSAGE, "status": 400}
    assert written(app) == 0


def test_the_api_keeps_its_status_and_code(app, failing):
    def gone():
        raise ExamError("找不到这次作答。", status=404, code="missing")
    app.view_functions["test_fail_api"] = roles_required(*STAFF)(gone)
    response = failing.post("/api/v1/test-fail")
    assert response.status_code == 404
    assert response.get_json() == {"error": "找不到这次作答。", "status": 404, "code": "missing"}


@pytest.mark.parametrize("referrer, expected", [
    ("http://localhost/bank/?q=1", "/bank/?q=1"), ("/scoring/", "/scoring/"), ("http://other.example/x", None),
    ("http://localhost//evil.example/x", None), (None, None)])
def test_same_site_referrer(app, referrer, expected):
    headers = {"Referer": referrer} if referrer else {}
    with app.test_request_context("/", headers=headers):
        assert same_site_referrer() == expected
