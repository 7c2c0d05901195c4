"""Reading a policy document: chapters, the key phrases of articles and highlighting them, practice counts."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from examapp.bank import qtypes
from examapp.bank.core import int_to_cn_numeral
from examapp.bank.models import Article, Question, QuestionVersion
from examapp.bank.services import in_default_document
from examapp.extensions import db
from examapp.learning.services import pool_filter

# --- reading -------------------------------------------------------------------------------------------

def chapters(document_id: int | None = None) -> list[dict]:
    """The chapters of a document (None: the current 《条例》) with their article ranges."""
    on_document = in_default_document() if document_id is None else Article.document_id == document_id
    rows = db.session.execute(select(Article.chapter, Article.chapter_title, func.min(Article.number),
                                     func.max(Article.number), func.count(Article.number))
                              .where(on_document).group_by(Article.chapter, Article.chapter_title).order_by(Article.chapter)).all()
    return [{"number": c, "label": f"第{int_to_cn_numeral(c)}章 {t}", "first": lo, "last": hi, "articles": n}
            for c, t, lo, hi, n in rows]


def key_phrases(document_id: int, article_numbers: list[int]) -> dict[int, list[str]]:
    """Per article of the document, the phrases its fill-in questions ask for (the bank checks they appear in
    the article's text): the words a secretary should know by heart."""
    phrases: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(QuestionVersion.article_number, QuestionVersion.answer)
        .join(Question, (Question.id == QuestionVersion.question_id) & (Question.version == QuestionVersion.version))
        .where(QuestionVersion.type.in_(qtypes.with_shape(qtypes.BLANKS)), QuestionVersion.article_number.in_(article_numbers),
               QuestionVersion.document_id == document_id, Question.active.is_(True)).order_by(Question.id))
    for article, answer in rows:
        for blank in answer or []:
            if blank and blank[0] not in phrases[article]:
                phrases[article].append(blank[0])
    return phrases


def highlight(text: str, phrases: list[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_key_phrase) runs, longest phrase first where they overlap."""
    marks = [False] * len(text)
    for phrase in sorted(phrases, key=len, reverse=True):
        start = text.find(phrase)
        while phrase and start != -1:
            for i in range(start, start + len(phrase)):
                marks[i] = True
            start = text.find(phrase, start + len(phrase))
    runs: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + char, mark)
        else:
            runs.append((char, mark))
    return runs


def practice_counts_by_article(document_id: int) -> dict[int, int]:
    """How many practice questions each of the document's articles has (its 练一练 button)."""
    return dict(db.session.execute(select(Question.article_number, func.count(Question.id))
                                   .where(*pool_filter(document_id)).group_by(Question.article_number)).all())
