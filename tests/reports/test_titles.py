"""Title line breaking (GB/T 9704 7.3.1: 回行时要做到词意完整、排列对称), hand-worked with one unit per character."""
from __future__ import annotations

import pytest

from examapp.reports.titles import break_penalties, title_lines


def lines(text: str, width: float) -> list[str]:
    return title_lines(text, len, width)


def test_title_that_fits_is_one_line():
    assert lines("关于表彰先进的通报", 20) == ["关于表彰先进的通报"]


def test_book_title_is_never_split_across_lines():
    # 29 characters, 20 a line → 2 lines. “关于“书记大比武”第一次《优化营商环境条例》” is 22 wide, so the book title
    # goes to line 2 whole: 12 + 17 (squares about the mean 14.5: 2 × 2.5² = 12.5, a break next to 《 is free).
    # Even halves (14 + 15) would cut 《优化|营商环境条例》; a break before 第 gives 9 + 20 (2 × 5.5² = 60.5).
    assert lines("关于“书记大比武”第一次《优化营商环境条例》测试成绩的通报", 20) == [
        "关于“书记大比武”第一次", "《优化营商环境条例》测试成绩的通报"]


def test_quoted_term_is_never_split_and_lines_are_balanced():
    # 24 characters → 2 lines, mean 12. After ”: 15 + 9 (2 × 3² = 18, free). After 综: 16 + 8 (32 + 1).
    # Before “: 8 + 16 (32). Even 12 + 12 would cut “书记|大比武”.
    assert lines("关于2023年度“书记大比武”综合排名情况的通报", 20) == ["关于2023年度“书记大比武”", "综合排名情况的通报"]


def test_three_lines_when_the_quoted_term_does_not_fit_on_the_first():
    # 18 characters, 10 a line: 2 lines would need “关于表彰“书记大比武”” (11) or a 14-wide second line.
    # 3 lines, mean 6: 4 + 7 + 7 → 4 + 1 + 1 = 6, both breaks at the quote (free); 4 + 8 + 6 → 4 + 4 + 0 + 1 = 9.
    assert lines("关于表彰“书记大比武”优秀个人的决定", 10) == ["关于表彰", "“书记大比武”", "优秀个人的决定"]


def test_book_title_wider_than_the_line_is_broken_as_a_last_resort():
    text = "关于印发《××区优化营商环境条例实施细则》的通知"      # the book title alone is 16 > 12
    result = lines(text, 12)
    assert "".join(result) == text and all(len(line) <= 12 for line in result) and len(result) == 2


def test_explicit_line_breaks_are_kept():
    assert lines("关于“书记大比武”\n综合排名情况的通报", 40) == ["关于“书记大比武”", "综合排名情况的通报"]


@pytest.mark.parametrize(("text", "position", "why"), [
    ("关于“书记大比武”的通报", 3, "inside the quotes"),
    ("关于2023年度的通报", 4, "inside the number 2023"),
    ("关于2023年度的通报", 6, "between 2023 and 年"),
    ("关于表彰，的通报", 4, "before ，"),
    ("关于表彰《条例》的通报", 5, "after 《"),
    ("关于表彰先进的通报", 1, "inside 关于"),
    ("关于表彰先进的通报", 8, "inside 通报"),
    ("关于第一次测试的通报", 3, "after 第"),
    ("关于第一次测试的通报", 4, "between 一 and 次"),
])
def test_breaks_that_are_never_allowed(text, position, why):
    assert break_penalties(text)[position - 1] is None, why


def test_breaks_next_to_a_span_are_preferred_to_plain_ones():
    penalties = break_penalties("关于“大比武”表彰先进的通报")
    assert penalties[2 - 1] == 0 and penalties[7 - 1] == 0      # before “ and after ”
    assert penalties[8 - 1] > 0 and penalties[11 - 1] > penalties[8 - 1]   # 表|彰 plain; before 的 worse


def test_ordinal_with_its_measure_word_stays_on_one_line():
    # 33 characters, 20 a line: 2 lines cannot hold the book title whole (12 + 21 or 22 + 11), so 3 lines, mean 11.
    # Thirds 11 + 11 + 11 would break 第一|次; the cheapest allowed is 12 + 10 + 11 (1 + 1 + 0 = 2, free breaks).
    assert lines("关于“书记大比武”第一次《优化营商环境条例》知识测试成绩情况的通报", 20) == [
        "关于“书记大比武”第一次", "《优化营商环境条例》", "知识测试成绩情况的通报"]
