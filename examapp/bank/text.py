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
