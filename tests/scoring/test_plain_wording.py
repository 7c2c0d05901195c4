"""Score cards and the organiser's breakdown speak plain Chinese: component names instead of E/I/A/C,
no min(…) formulas, no "第 1–1 名"."""
from __future__ import annotations

import re

from examapp.extensions import db
from examapp.reports.pdf.score_card import _robustness_text
from examapp.scoring.models import RoundComputation
from tests.conftest import login
from tests.scoring.test_rounds import demo_round

CODE_LETTER = re.compile(r"(?<![A-Za-z])[EIACRST](?: =|，|：|\))")


def test_score_card_says_a_single_rank_once_not_as_a_range():
    assert "名次九成以上都是第 1 名" in _robustness_text({"p5_rank": 1, "p95_rank": 1})
    assert "第 1–1 名" not in _robustness_text({"p5_rank": 1, "p95_rank": 1})
    assert "名次九成落在第 4 至 7 名之间" in _robustness_text({"p5_rank": 4, "p95_rank": 7})


def test_breakdown_page_names_components_in_chinese_without_formula_letters(app, client, demo):
    round_id = demo_round(app)
    login(client, "organizer")
    client.post(f"/scoring/{round_id}/compute")
    with app.app_context():
        computation_id = db.session.scalar(db.select(RoundComputation.id))
    for index in range(5):
        page = client.get(f"/scoring/{round_id}/results/{computation_id}/people/{index}").get_data(as_text=True)
        body = page.split("<main", 1)[1]
        assert "min(" not in body
        found = CODE_LETTER.search(body)
        assert not found, body[max(found.start() - 120, 0):found.end() + 40]
        assert "（E，" not in body and "（I，" not in body
        assert "联企解困得分 = " in body and "各次考试按权重平均" in body
