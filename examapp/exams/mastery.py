"""Per-article and per-chapter mastery (pure): the share of points earned, by article, chapter and organisation kind."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# ---------------------------------------------------------------- per-article mastery


@dataclass(frozen=True)
class MasteryResponse:
    """One candidate's result on one paper item, with what the question cites and who answered it.

    ``document`` is the policy document the article belongs to: two documents' 第三条 are different articles
    (None where only one document is in play)."""
    article_number: int | None
    chapter: int | None
    organization_kind: str
    earned: float
    points: float
    document: int | None = None


@dataclass(frozen=True)
class Mastery:
    """The share of marks earned on questions citing one article / chapter (optionally for one organisation kind).

    ``questions_answered`` counts paper items (responses), answered or left blank: a blank earns 0.
    """
    article: int | None
    chapter: int | None
    organization_kind: str | None
    questions_answered: int
    earned: float
    possible: float
    mastery: float          # earned / possible, 0..1
    document: int | None = None

    def as_dict(self) -> dict:
        return {"document": self.document, "article": self.article, "chapter": self.chapter,
                "organization_kind": self.organization_kind, "questions_answered": self.questions_answered,
                "earned": self.earned, "possible": self.possible, "mastery": self.mastery}


@dataclass(frozen=True)
class MasteryReport:
    articles: list[Mastery]
    chapters: list[Mastery]
    by_kind_chapter: list[Mastery]
    by_kind_article: list[Mastery]


def _mastery(rows: Iterable[MasteryResponse], key) -> list[Mastery]:
    """Group rows by key(row) → (article, chapter, kind), within each row's document; rows whose key is None or
    worth no points are left out.

    Sorted by organisation kind, then weakest first, then document, chapter and article number.
    """
    groups: dict[tuple, list[MasteryResponse]] = defaultdict(list)
    for row in rows:
        group = key(row)
        if group is not None and row.points > 0:
            groups[(row.document, *group)].append(row)
    result = []
    for (document, article, chapter, kind), members in groups.items():
        earned = math.fsum(r.earned for r in members)
        possible = math.fsum(r.points for r in members)
        result.append(Mastery(article=article, chapter=chapter, organization_kind=kind,
                              questions_answered=len(members), earned=round(earned, 2),
                              possible=round(possible, 2), mastery=earned / possible, document=document))
    # Rounding the sort key lets 1/3 and 0.67/2.01 tie as a reader would expect.
    return sorted(result, key=lambda m: (m.organization_kind or "", round(m.mastery, 9), _document_order(m),
                                         -1 if m.chapter is None else m.chapter,
                                         -1 if m.article is None else m.article))


def _document_order(m: Mastery) -> int:
    return -1 if m.document is None else m.document


def article_mastery(rows: Iterable[MasteryResponse]) -> list[Mastery]:
    """Per article, weakest first (ties by chapter, then article number); questions citing no article are left out."""
    return _mastery(rows, lambda r: None if r.article_number is None else (r.article_number, r.chapter, None))


def chapter_mastery(rows: Iterable[MasteryResponse]) -> list[Mastery]:
    """Per chapter, weakest first (ties by chapter number); questions with no chapter are left out."""
    return _mastery(rows, lambda r: None if r.chapter is None else (None, r.chapter, None))


def mastery_by_kind(rows: Iterable[MasteryResponse], level: str = "chapter") -> list[Mastery]:
    """Per organisation kind × chapter (or × article with level="article"), by kind, then weakest first."""
    if level == "chapter":
        return _mastery(rows, lambda r: None if r.chapter is None else (None, r.chapter, r.organization_kind))
    if level == "article":
        return _mastery(rows, lambda r: None if r.article_number is None
                        else (r.article_number, r.chapter, r.organization_kind))
    raise ValueError("level must be 'chapter' or 'article'")


def mastery_report(rows: Iterable[MasteryResponse]) -> MasteryReport:
    rows = list(rows)
    return MasteryReport(articles=article_mastery(rows), chapters=chapter_mastery(rows),
                         by_kind_chapter=mastery_by_kind(rows, "chapter"),
                         by_kind_article=mastery_by_kind(rows, "article"))


def weakest_articles(rows: Iterable[MasteryResponse], limit: int = 5) -> list[Mastery]:
    """One candidate's weakest articles (their own responses): up to ``limit``, weakest first, ties by document
    and article number.

    Articles the candidate fully mastered are not "weak" and are never listed, so a perfect
    paper gives an empty list.
    """
    weak = [m for m in article_mastery(rows) if m.mastery < 1 - 1e-9]
    weak.sort(key=lambda m: (round(m.mastery, 9), _document_order(m), m.article))
    return weak[:limit]
