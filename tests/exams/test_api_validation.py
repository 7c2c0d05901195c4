"""The candidate JSON API refuses malformed bodies with a 400 (or 413) naming what is wrong, and saves nothing."""
import json

import pytest

from examapp.exams.api import MAX_ANSWER_CHARS, MAX_ANSWER_ITEMS, MAX_ID, parse_save
from examapp.exams.services import ExamError
from tests.conftest import login
from tests.exams.test_attempts import start

# parse_save alone: (body, the words the 400 message must contain); None means accepted.
SAVE_BODIES = [
    ({"item": 7, "answer": "A", "seq": 1}, None),
    ({"item": 7, "answer": None, "seq": 0}, None),
    ({"item": 7, "answer": True, "seq": MAX_ID}, None),
    ({"item": 7, "answer": ["A", "C"], "seq": 2}, None),
    ({"item": 7, "answer": ["x" * MAX_ANSWER_CHARS] * MAX_ANSWER_ITEMS, "seq": 2}, None),
    ({"answer": "A", "seq": 1}, "缺少字段 item"),
    ({"item": 7, "seq": 1}, "缺少字段 answer"),
    ({"item": 7, "answer": "A"}, "缺少字段 seq"),
    ({"item": "7", "answer": "A", "seq": 1}, "字段 item"),
    ({"item": True, "answer": "A", "seq": 1}, "字段 item"),
    ({"item": 7.0, "answer": "A", "seq": 1}, "字段 item"),
    ({"item": 0, "answer": "A", "seq": 1}, "字段 item"),
    ({"item": MAX_ID + 1, "answer": "A", "seq": 1}, "字段 item"),
    ({"item": None, "answer": "A", "seq": 1}, "字段 item"),
    ({"item": 7, "answer": "A", "seq": -1}, "字段 seq"),
    ({"item": 7, "answer": "A", "seq": MAX_ID + 1}, "字段 seq"),
    ({"item": 7, "answer": "A", "seq": 2**70}, "字段 seq"),
    ({"item": 7, "answer": "A", "seq": "1"}, "字段 seq"),
    ({"item": 7, "answer": "A", "seq": False}, "字段 seq"),
    ({"item": 7, "answer": 1, "seq": 1}, "字段 answer"),
    ({"item": 7, "answer": 1.5, "seq": 1}, "字段 answer"),
    ({"item": 7, "answer": {"A": True}, "seq": 1}, "字段 answer"),
    ({"item": 7, "answer": "A" * (MAX_ANSWER_CHARS + 1), "seq": 1}, "过长"),
    ({"item": 7, "answer": ["a"] * (MAX_ANSWER_ITEMS + 1), "seq": 1}, f"最多 {MAX_ANSWER_ITEMS} 项"),
    ({"item": 7, "answer": ["a", 1], "seq": 1}, "每一项"),
    ({"item": 7, "answer": ["a", ["b"]], "seq": 1}, "每一项"),
    ({"item": 7, "answer": ["a", None], "seq": 1}, "每一项"),
    ({"item": 7, "answer": ["x" * (MAX_ANSWER_CHARS + 1)], "seq": 1}, "每一项"),
]


@pytest.mark.parametrize(("body", "words"), SAVE_BODIES, ids=[json.dumps(b)[:60] for b, _ in SAVE_BODIES])
def test_parse_save_accepts_the_pages_shapes_and_names_what_is_wrong(body, words):
    if words is None:
        assert parse_save(body) == (body["item"], body["answer"], body["seq"])
        return
    with pytest.raises(ExamError) as caught:
        parse_save(body)
    assert caught.value.status == 400 and words in str(caught.value)


def _post(client, url, body):
    """body: a dict/list (sent as JSON), ("raw", text, content type), or None (no body at all)."""
    if body is None:
        return client.post(url)
    if isinstance(body, tuple):
        _, text, content_type = body
        return client.post(url, data=text, content_type=content_type)
    return client.post(url, json=body)


def test_every_json_endpoint_refuses_malformed_bodies_by_name(app, client, exam):
    login(client, "sj01")
    paper = start(client, exam)
    attempt = paper["attempt"]
    single = next(i for i in paper["items"] if i["type"] == "single")
    fill = next(i for i in paper["items"] if i["type"] == "fill")
    save, submit = f"/api/v1/attempts/{attempt}/answers", f"/api/v1/attempts/{attempt}/submit"
    events, start_url = f"/api/v1/attempts/{attempt}/events", f"/api/v1/exams/{exam}/attempts"
    item = single["item"]
    # (url, body, expected status, words the error must contain)
    cases = [
        (save, ("raw", "item=1&seq=1", "application/x-www-form-urlencoded"), 400, "JSON"),
        (save, ("raw", '{"item": 1, ', "application/json"), 400, "不是有效的 JSON"),
        (save, ("raw", "[" * 5000 + "]" * 5000, "application/json"), 400, "不是有效的 JSON"),
        (save, ("raw", "NaN", "application/json"), 400, "JSON 对象"),
        (save, None, 400, "JSON"),
        (save, [item, "A", 1], 400, "JSON 对象"),
        (save, {"item": item, "answer": "A", "seq": 1, "user_id": 2}, 400, "user_id"),
        (save, {"item": item, "answer": "A", "seq": 1, "attempt": 99}, 400, "attempt"),
        (save, {"item": item, "answer": "A"}, 400, "seq"),
        (save, {"item": item, "answer": "A", "seq": 2**40}, 400, "seq"),
        (save, {"item": 2**40, "answer": "A", "seq": 1}, 400, "item"),
        (save, {"item": item, "answer": {"key": "A"}, "seq": 1}, 400, "answer"),
        (save, {"item": fill["item"], "answer": ["长" * 201] * fill["blanks"], "seq": 1}, 400, "200"),
        (save, {"item": fill["item"], "answer": ["a"] * 21, "seq": 1}, 400, "20 项"),
        (save, ("raw", json.dumps({"item": item, "answer": "A" * 20000, "seq": 1}), "application/json"), 413, "过大"),
        (save, {"item": item, "answer": "Z", "seq": 1}, 400, "单选题"),      # right shape, wrong for the type
        (submit, {"reason": "later"}, 400, "reason"),
        (submit, {"reason": "timeout", "score": 100}, 400, "score"),
        (submit, ["timeout"], 400, "JSON 对象"),
        (events, {}, 400, "kind"),
        (events, {"kind": "answer_copied"}, 400, "kind"),
        (events, {"kind": "focus_loss", "count": 0}, 400, "count"),
        (events, {"kind": "focus_loss", "away_seconds": -1}, 400, "away_seconds"),
        (events, {"kind": "focus_loss", "away_seconds": "5"}, 400, "away_seconds"),
        (events, {"kind": "focus_loss", "away_seconds": True}, 400, "away_seconds"),
        (events, {"kind": "focus_loss", "away_seconds": 10**9}, 400, "away_seconds"),
        (events, None, 400, "JSON"),
        (start_url, {"attempt": attempt}, 400, "attempt"),
        (start_url, ("raw", "{", "application/json"), 400, "JSON"),
    ]
    wrong = []
    for url, body, status, words in cases:
        response = _post(client, url, body)
        data = response.get_json(silent=True) or {}
        message = data.get("error", "")
        if response.status_code != status or words not in message or data.get("status") != status:
            wrong.append(f"{url} {str(body)[:80]} -> {response.status_code} {message!r}, expected {status} {words!r}")
    assert wrong == [], "\n".join(wrong)

    state = client.get(f"/api/v1/attempts/{attempt}").get_json()
    assert state["status"] == "in_progress" and state["answers"] == [] and state["focus_losses"] == 0

    # What the exam page sends is still accepted (static/js/exam.js).
    assert _post(client, start_url, {}).status_code == 200
    assert _post(client, start_url, None).status_code == 200
    assert _post(client, save, {"item": item, "answer": "A", "seq": 1}).status_code == 200
    assert _post(client, save, {"item": item, "answer": None, "seq": 2}).status_code == 200
    assert _post(client, save, {"item": fill["item"], "answer": ["长" * 200] * fill["blanks"],
                                "seq": 1}).status_code == 200
    assert _post(client, events, {"kind": "focus_loss"}).get_json()["focus_losses"] == 1
    assert _post(client, events, {"kind": "focus_loss", "away_seconds": 12}).get_json()["focus_losses"] == 2
    submitted = _post(client, submit, {"reason": "candidate"})
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"


def test_a_submit_without_a_body_is_the_candidates_own(app, client, exam):
    from examapp.exams.models import Attempt
    from examapp.extensions import db
    login(client, "sj02")
    attempt = start(client, exam)["attempt"]
    assert _post(client, f"/api/v1/attempts/{attempt}/submit", None).status_code == 200
    with app.app_context():
        assert db.session.get(Attempt, attempt).finished_by == "candidate"


# A blank holding a lone surrogate or a control character (tab and newline included: the page turns
# those into spaces before sending) cannot be stored; it used to be, and the result pages then failed.
UNSTORABLE_BLANKS = ["\ud800", "前\udfff后", "a\x00b", "a\tb", "a\nb", "a\rb", "\x1b[31m红", "a\x7fb", "a\x85b"]
# Odd but ordinary text is stored and shown as typed.
STORABLE_BLANKS = ["😀营商环境", "<script>alert(1)</script>", "　全角　空格　", "零\u200b宽", "\u202e反向", "长" * 200]


@pytest.mark.parametrize("blank", UNSTORABLE_BLANKS, ids=[repr(b) for b in UNSTORABLE_BLANKS])
def test_a_fill_answer_with_control_characters_or_a_lone_surrogate_is_refused(app, client, exam, blank):
    login(client, "sj03")
    paper = start(client, exam)
    fill = next(i for i in paper["items"] if i["type"] == "fill")
    body = json.dumps({"item": fill["item"], "answer": [blank] * fill["blanks"], "seq": 1})   # \ud800 stays escaped
    response = client.post(f"/api/v1/attempts/{paper['attempt']}/answers", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "第 1 空含有不能保存的字符" in response.get_json()["error"]
    assert client.get(f"/api/v1/attempts/{paper['attempt']}").get_json()["answers"] == []


def test_result_and_review_pages_render_every_storable_fill_answer(app, client, exam):
    from tests.exams.test_proctoring import staff
    login(client, "sj04")
    paper = start(client, exam)
    attempt = paper["attempt"]
    first, second = [i for i in paper["items"] if i["type"] == "fill"]
    url = f"/api/v1/attempts/{attempt}/answers"
    for seq, blank in enumerate(STORABLE_BLANKS, start=1):
        response = client.post(url, json={"item": first["item"], "answer": [blank] * first["blanks"], "seq": seq})
        assert response.status_code == 200, repr(blank)
    response = client.post(url, json={"item": second["item"], "answer": ["<script>alert(1)</script>"] * second["blanks"],
                                      "seq": 1})
    assert response.status_code == 200
    assert client.post(f"/api/v1/attempts/{attempt}/submit", json={}).status_code == 200
    for page in (client.get(f"/attempts/{attempt}"), staff(app).get(f"/manage/exams/{exam}/attempts/{attempt}")):
        assert page.status_code == 200
        shown = page.get_data(as_text=True)
        assert "长" * 200 in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "<script>alert(1)</script>" not in shown
