"""Line breaks for a document title (公文标题), as GB/T 9704-2012 7.3.1 asks: 2号小标宋, one or more centred lines;
when a title runs over, 回行时要做到词意完整、排列对称 (each line a whole phrase, the lines of about equal length).

:func:`title_lines` is a pure function: the text, a width measure and the available width in, the lines out.

- Never inside a quoted term or a bracketed span: “书记大比武”, 《优化营商环境条例》, （试行）, 〔2026〕 … stay on one
  line. Only when such a span is wider than the whole line is it broken (at character level, as a last resort).
- Never before a mark that cannot start a line (，。、”》）…) nor after one that cannot end it (“《（).
- Never inside a run of digits or Latin letters (2023, A4), nor inside an ordinal or a number with its measure
  word (2023年, 第一次, 二十条), nor inside the leading 关于 or the closing 文种 (通报, 通知, 决定 …).
- The fewest lines that fit; among those, the most even lines (least sum of squared differences from the mean
  width), with a small penalty for a break between two ordinary characters — a break next to a quoted term, a
  book title or a number is preferred, as it keeps the words whole.
- An explicit line break ("\\n") in the title is kept; each part is broken on its own.
"""
from __future__ import annotations

from collections.abc import Callable

OPENERS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "（": "）", "(": ")", "〔": "〕", "【": "】", "「": "」",
           "『": "』", "［": "］", "〖": "〗"}
NO_START = "，。、；：！？）》」』”’〉】〕］｝〗〙…·・％‰℃～,.;:!?)]"
NO_END = "“‘《〈（(〔【「『［〖"
MEASURE_WORDS = "年月日度号期次届季批轮名位个项条款"
CN_NUMERALS = "〇零一二三四五六七八九十百千两"
DOC_TYPES = ("通报", "通知", "决定", "意见", "报告", "请示", "批复", "决议", "命令", "公报", "公告", "通告",
             "议案", "纪要", "函")
LEADING_WORDS = ("关于",)

PLAIN_BREAK = 1.0       # penalty (in em²) of a break between two ordinary characters
FORBIDDEN = None        # a break that is not allowed at all (unless nothing else fits)


def _ascii_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "._-/%")


def _spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each quoted or bracketed span (outermost only; an unclosed opener spans nothing)."""
    spans, i = [], 0
    while i < len(text):
        closer = OPENERS.get(text[i])
        if closer:
            depth, j = 0, i
            while j < len(text):
                if text[j] == text[i] and closer != text[i]:
                    depth += 1
                elif text[j] == closer:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < len(text):
                spans.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return spans


def break_penalties(text: str) -> list[float | None]:
    """For each position 1..len-1 (a break before ``text[k]``): its penalty in em², or None if not allowed.

    Index 0 of the returned list stands for position 1. Hard rules give None; a break next to a span, a number
    or Latin text is free (0); any other break between two characters costs PLAIN_BREAK.
    """
    n = len(text)
    inside = [False] * (n + 1)
    edges: set[int] = set()
    for start, end in _spans(text):
        for k in range(start + 1, end):
            inside[k] = True
        edges.update((start, end))
    forbidden = set()
    for word in LEADING_WORDS:
        if text.startswith(word):
            forbidden.update(range(1, len(word)))
    for word in DOC_TYPES:
        if text.endswith(word) and len(text) > len(word):
            forbidden.update(range(n - len(word) + 1, n))
            orphan = n - len(word)                  # “…情况的\n通报”: a line of the 文种 alone
            break
    else:
        orphan = None
    penalties: list[float | None] = []
    for k in range(1, n):
        before, after = text[k - 1], text[k]
        hard = (inside[k] or k in forbidden or after in NO_START or before in NO_END
                or (_ascii_word(before) and _ascii_word(after))           # 2023, A4
                or (before.isdigit() and after in MEASURE_WORDS)          # 2023年, 12号
                or (before == "第" and (after.isdigit() or after in CN_NUMERALS))          # 第一, 第3
                or (before in CN_NUMERALS and after in CN_NUMERALS + MEASURE_WORDS))     # 二十, 一次
        if hard:
            penalties.append(FORBIDDEN)
        elif after == "的" or k == orphan:     # 的 goes with what it qualifies; the 文种 not alone
            penalties.append(4 * PLAIN_BREAK)
        elif k in edges or _ascii_word(before) or _ascii_word(after):
            penalties.append(0.0)
        else:
            penalties.append(PLAIN_BREAK)
    return penalties


def _best(text: str, measure: Callable[[str], float], width: float, em: float,
          penalties: list[float | None], lines: int) -> tuple[float, list[int]] | None:
    """The cheapest way to cut ``text`` into exactly ``lines`` lines no wider than ``width`` (None: no way)."""
    n = len(text)
    cuts = [0] + [k for k in range(1, n) if penalties[k - 1] is not FORBIDDEN] + [n]
    mean = measure(text) / lines
    # best[j][m]: (cost, cut list) of the first m lines ending at cuts[j]
    best: list[dict[int, tuple[float, list[int]]]] = [dict() for _ in cuts]
    best[0][0] = (0.0, [])
    for j in range(1, len(cuts)):
        for i in range(j):
            line_width = measure(text[cuts[i]:cuts[j]])
            if line_width > width + 1e-6:
                continue
            penalty = 0.0 if j == len(cuts) - 1 else penalties[cuts[j] - 1] * em * em
            for m, (cost, path) in best[i].items():
                if m + 1 > lines:
                    continue
                total = cost + (line_width - mean) ** 2 + penalty
                if m + 1 not in best[j] or total < best[j][m + 1][0] - 1e-9:
                    best[j][m + 1] = (total, path + [cuts[j]])
    return best[-1].get(lines)


def _split(text: str, measure: Callable[[str], float], width: float, em: float) -> list[str]:
    if not text or measure(text) <= width:
        return [text]
    penalties = break_penalties(text)
    cuts = [0] + [k for k in range(1, len(text)) if penalties[k - 1] is not FORBIDDEN] + [len(text)]
    if any(measure(text[a:b]) > width for a, b in zip(cuts, cuts[1:], strict=False)):
        penalties = [PLAIN_BREAK] * (len(text) - 1)    # a span wider than the line: break it, as a last resort
    for lines in range(max(2, int(measure(text) // width)), len(text) + 1):
        found = _best(text, measure, width, em, penalties, lines)
        if found is not None:
            cuts = [0, *found[1]]
            return [text[cuts[i]:cuts[i + 1]] for i in range(len(cuts) - 1)]
    return list(text)      # not even one character per line fits: nothing sensible left to do


def title_lines(text: str, measure: Callable[[str], float], width: float, em: float | None = None) -> list[str]:
    """The lines of a centred title no wider than ``width`` (module docstring: the rules).

    ``measure(s)`` gives the printed width of ``s``; ``em`` (the width of one full-width character) scales the
    break penalties and defaults to ``measure("国")``.
    """
    em = measure("国") if em is None else em
    lines: list[str] = []
    for part in str(text).split("\n"):
        part = part.strip()
        if part:
            lines += _split(part, measure, width, em)
    return lines or [""]
