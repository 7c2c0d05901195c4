"""The audit log speaks Chinese only: every event has a label defined once (examapp/audit/routes.py
ACTION_LABELS), the table never shows an event code, and a code without a label shows a generic label."""
from __future__ import annotations

import ast

from examapp.audit.routes import ACTION_LABELS, UNKNOWN_ACTION, action_label, target_label
from tests.audit.test_audit_page import add, admin_client
from tests.audit.test_coverage import PACKAGE


def _table(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_log_table_shows_chinese_labels_and_never_the_event_code(app, demo):
    add(app, "attempt.force_submit", reason="设备故障", summary="强制交卷", target_type="attempt")
    add(app, "login.mystery_event", summary="某个尚无标签的事件", target_type="gadget")
    html = admin_client(app).get("/admin/audit/").get_data(as_text=True)
    table = _table(html)
    assert "强制交卷" in table and "作答" in table
    assert "attempt.force_submit" not in table and "login.mystery_event" not in table and "gadget" not in table
    assert UNKNOWN_ACTION in table and "其他对象" in table
    # the filter still offers the unlabelled code, under a generic numbered label
    assert '<option value="login.mystery_event" >其他操作 1</option>' in html


def test_unknown_codes_fall_back_to_generic_chinese_labels():
    assert action_label("no.such.event") == "其他操作"
    assert target_label("no_such_kind") == "其他对象"
    assert target_label("") == ""
    assert action_label("attempt.force_submit") == ACTION_LABELS["attempt.force_submit"]


def test_every_record_call_names_its_event_code_literally():
    """The label check (test_every_recorded_action_has_a_chinese_label) reads the codes from the source, so a
    code passed through a variable would escape it: every record(...) call must spell its code out."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record" \
                    and node.args and not any(isinstance(part, ast.Constant) and isinstance(part.value, str)
                                              for part in ast.walk(node.args[0])):
                hidden.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not hidden, f"record() with a computed event code (write the code as a string literal): {hidden}"
