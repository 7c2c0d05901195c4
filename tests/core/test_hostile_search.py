"""Search boxes take % and _ literally: they are characters people type (“50%”, “sj_01”), not SQL LIKE
wildcards that match everything."""
from __future__ import annotations

import re

from tests.conftest import login


def listed_logins(client, q: str) -> set[str]:
    page = client.get("/users", query_string={"q": q}).get_data(as_text=True)
    return set(re.findall(r"\bsj\d\d\b", page))


def test_user_search_treats_percent_and_underscore_literally(app, demo):
    client = app.test_client()
    login(client, "organizer")
    assert listed_logins(client, "sj0") == {f"sj0{n}" for n in range(1, 10)}
    assert listed_logins(client, "%") == set()
    assert listed_logins(client, "sj0_") == set()
    assert listed_logins(client, "s%1") == set()


def question_links(client, q: str) -> set[str]:
    page = client.get("/bank/", query_string={"q": q, "status": "all"}).get_data(as_text=True)
    return set(re.findall(r'href="/bank/questions/(\d+)"', page))


def test_question_search_treats_percent_and_underscore_literally(app, demo, bank):
    client = app.test_client()
    login(client, "organizer")
    assert question_links(client, "营商环境")          # an ordinary search still finds questions
    assert question_links(client, "%") == set()
    assert question_links(client, "营商_境") == set()       # ("_" alone is in every fill-in blank)
    assert question_links(client, "营商%环境") == set()
