"""Oversized uploads: every upload page refuses a body over MAX_CONTENT_LENGTH with 413, a Chinese message that
states the configured limit, and no change to the database. The limit is a setting (16 MB by default); here it
is set small so the test needs no 16 MB bodies."""
from __future__ import annotations

import io

import pytest

from examapp.accounts.importer import COLUMNS
from examapp.demo import load_demo_accounts
from examapp.extensions import db
from examapp.scoring import services as scoring
from tests.conftest import login, reset_postgres_schema
from tests.fuzz.mutations import build_xlsx
from tests.fuzz.test_import_pages_fuzz import database_state

LIMIT = 64 * 1024


@pytest.fixture
def small_limit_app(app_factory, engine_name):
    app = app_factory(MAX_CONTENT_LENGTH=LIMIT)
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        db.create_all()
        load_demo_accounts()
        round_id = scoring.ensure_round("上传限制测试").id
        db.session.commit()
    app.config["TEST_ROUND_ID"] = round_id
    return app


def upload_pages(app) -> list[tuple[str, str]]:
    return [("/users/import", "名单.xlsx"), ("/bank/import", "题目.xlsx"),
            (f"/scoring/{app.config['TEST_ROUND_ID']}/import", "考评数据.xlsx")]


def valid_users_xlsx_of_size(size: int) -> bytes:
    """A real, valid users workbook padded (with a zip comment) to at least ``size`` bytes."""
    content = build_xlsx({"书记名单": [list(COLUMNS), ["上传限制测试组织", "园区", "郑五", "upload01", ""]]})
    return content + b"\0" * max(0, size - len(content))


def test_the_default_limit_is_16_mb(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


@pytest.mark.parametrize("page", range(3))
def test_an_upload_over_the_configured_limit_is_refused_and_writes_nothing(small_limit_app, page):
    app = small_limit_app
    client = app.test_client()
    login(client, "organizer")
    url, filename = upload_pages(app)[page]
    with app.app_context():
        before = database_state()
    response = client.post(url, data={"file": (io.BytesIO(valid_users_xlsx_of_size(LIMIT + 1)), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "文件过大" in body and "64 KB" in body   # the configured limit, not the default's 16 MB
    with app.app_context():
        assert database_state() == before


def test_a_file_under_the_limit_still_goes_through(small_limit_app):
    app = small_limit_app
    client = app.test_client()
    login(client, "organizer")
    response = client.post("/users/import", data={"file": (io.BytesIO(valid_users_xlsx_of_size(LIMIT // 2)),
                                                            "名单.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302   # imported: the limit, not the file, was the reason above
