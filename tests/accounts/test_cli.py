"""The operators' flask commands for accounts and demo data."""
import json

from tests.accounts.test_import import GOOD_ROWS, xlsx
from tests.conftest import login


def test_demo_is_idempotent_and_lists_72_secretaries(runner, app):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo1234" in first.output and "sj01" in first.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["users", "list", "--format", "json"])
    users = json.loads(result.output)
    candidates = [u for u in users if u["role"] == "candidate"]
    assert len(candidates) == 72
    assert len({u["organization"] for u in candidates}) == 72
    assert all(u["organization"].startswith("示例") for u in candidates)
    assert {u["role"] for u in users} == {"candidate", "organizer", "admin", "viewer"}
    assert set(users[0]) >= {"login", "name", "role", "organization"}


def test_create_admin_and_log_in(runner, client):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--name", "王主任",
                                 "--password", "Strong2026pw"])
    assert result.exit_code == 0, result.output
    assert login(client, "boss", "Strong2026pw").headers["Location"] == "/"


def test_create_admin_refuses_weak_password(runner):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--name", "王", "--password", "short"])
    assert result.exit_code != 0 and "至少 8 位" in result.output


def test_set_password_temporary_forces_change(runner, client, demo):
    result = runner.invoke(args=["users", "set-password", "sj07", "--password", "Temp2026ab", "--temporary"])
    assert result.exit_code == 0, result.output
    assert login(client, "sj07", "Temp2026ab").headers["Location"] == "/password"


def test_users_import_from_file(runner, tmp_path, demo):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD_ROWS))
    result = runner.invoke(args=["users", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "已导入 3 名书记" in result.output and "zhouym" in result.output
    again = runner.invoke(args=["users", "import", str(good)])
    assert again.exit_code != 0
    assert "已被系统中的用户使用" in again.output and "未导入任何数据" in again.output
