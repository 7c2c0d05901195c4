"""Text rules every part of the bank shares: width folding and the blanks of a fill-in stem."""
from __future__ import annotations

import re
import unicodedata

# A blank in a fill-in stem: a run of three or more underscores, or an empty pair of brackets.
BLANK_RE = re.compile(r"_{3,}|（[\s\u3000]*）|\([\s\u3000]*\)")


def normalise_width(text: str) -> str:
    """Fold full-width letters/digits/punctuation to half-width (NFKC) and drop all whitespace."""
    folded = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", folded)


def count_blanks(stem: str) -> int:
    return len(BLANK_RE.findall(stem or ""))


def int_to_cn_numeral(number: int) -> str:
    """Inverse of cn_numeral_to_int for 1–999, in the style used for article numbers."""
    digits = "零一二三四五六七八九"
    if not 0 < number < 1000:
        raise ValueError(number)
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if (tens == 1 and not hundreds) else digits[tens]) + "十"
    if units:
        out += digits[units]
    return out


def article_label(number: object) -> str:
    """第三条 (how the product writes an article); a number outside 1–999, as a message quotes it: 第1200条."""
    if isinstance(number, int) and 0 < number < 1000:
        return f"第{int_to_cn_numeral(number)}条"
    return f"第{number}条"
