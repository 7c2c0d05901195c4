"""Property: the scoring workbook reader, fed any bytes or a mutated filled template, never raises; its
problems and notes are Chinese; when it reports no problem, every value it returns fits the round's tables."""
from __future__ import annotations

import datetime as dt
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from examapp.scoring.inputs import (
    AssistanceRecord,
    ConductItem,
    ExamScore,
    Indicator,
    IndicatorRank,
    OtherScore,
    RoundInputs,
)
from examapp.scoring.workbook import read_workbook, write_workbook
from tests.fuzz.mutations import (
    build_xlsx,
    examples,
    has_chinese,
    mutated_workbook,
    mutated_zip,
    one_cell_replaced,
    read_xlsx,
)

FAGAI, CAIZHENG, SHANGWU = "示例·区发展和改革局党组", "示例·区财政局党组", "示例·区商务局党组"
ORGANIZATIONS = (FAGAI, CAIZHENG, SHANGWU)
# Column sizes of the round's tables (examapp/scoring/models.py) and the range of an SQL INTEGER.
MAX_LENGTHS = {"code": 32, "name": 200, "leader": 100, "period": 32, "exam": 200, "component": 100}
INT_RANGE = range(-(2 ** 31), 2 ** 31)


def small_inputs() -> RoundInputs:
    """A little of everything the template holds, for organisations that exist in the demo data."""
    return RoundInputs(
        periods=["2023Q1", "2023Q2"],
        indicators=[Indicator("F1", "政务服务", 1, None, "王副区长", None),
                    Indicator("F1.1", "网上办事", 2, "F1", "李局长", FAGAI, (CAIZHENG, SHANGWU))],
        ranks=[IndicatorRank("F1.1", "2023Q1", 15, 16), IndicatorRank("F1.1", "2023Q2", 3, 16)],
        assistance=[AssistanceRecord(FAGAI, "2023Q1", 30, 12, 10, 8, 95.0),
                    AssistanceRecord(CAIZHENG, "2023Q2", 25, 0, 0, 0, None)],
        conduct=[ConductItem(SHANGWU, dt.date(2023, 5, 12), "扣分", 2.0, "信访事项办理超期", "督查通报5号")],
        exams=[ExamScore(FAGAI, "条例知识测试", 88.5), ExamScore(CAIZHENG, "条例知识测试", None, "缺考")],
        others=[OtherScore(SHANGWU, "党建工作", 90.0)],
    )


BASE = write_workbook(small_inputs())
BASE_SHEETS = read_xlsx(BASE)


def check_workbook(content: bytes) -> None:
    result = read_workbook(content, set(ORGANIZATIONS), {"F0"})
    for problem in result.problems:
        assert has_chinese(str(problem)), problem
    for note in result.notes:
        assert has_chinese(note), note
    if result.problems:
        return
    data = result.inputs
    texts = {"code": [i.code for i in data.indicators] + [i.parent_code or "" for i in data.indicators]
             + [r.code for r in data.ranks],
             "name": [i.name for i in data.indicators], "leader": [i.leader for i in data.indicators],
             "period": [r.period for r in data.ranks] + [a.period for a in data.assistance],
             "exam": [e.exam for e in data.exams], "component": [o.component for o in data.others]}
    for column, values in texts.items():
        assert all(len(v) <= MAX_LENGTHS[column] for v in values), (column, values)
    integers = [i.level for i in data.indicators] + [n for r in data.ranks for n in (r.rank, r.ranked_count)] \
        + [n for a in data.assistance for n in (a.visited, a.collected, a.resolved, a.resolved_on_time)]
    assert all(n in INT_RANGE for n in integers), integers
    numbers = [a.satisfaction for a in data.assistance] + [c.points for c in data.conduct] \
        + [e.score for e in data.exams] + [o.score for o in data.others]
    assert all(n is None or math.isfinite(n) for n in numbers), numbers
    texts = [c.reason for c in data.conduct] + [c.evidence for c in data.conduct] + sum(texts.values(), [])
    assert all("\x00" not in t for t in texts)


def test_the_valid_base_is_read_back():
    result = read_workbook(BASE, set(ORGANIZATIONS), set())
    assert result.ok, result.problems
    assert result.inputs.indicators == small_inputs().indicators


@settings(max_examples=examples(100))
@given(st.binary(max_size=3000))
def test_random_bytes(content):
    check_workbook(content)


@settings(max_examples=examples(300))
@given(st.data())
def test_one_cell_replaced(data):
    check_workbook(build_xlsx(data.draw(one_cell_replaced(BASE_SHEETS))))


@settings(max_examples=examples(300))
@given(st.data())
def test_mutated_workbook(data):
    check_workbook(build_xlsx(data.draw(mutated_workbook(BASE_SHEETS, max_ops=5))))


@settings(max_examples=examples(200))
@given(st.data())
def test_damaged_xlsx_zip(data):
    check_workbook(data.draw(mutated_zip(BASE)))
