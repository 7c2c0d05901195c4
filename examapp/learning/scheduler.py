"""The learning schedule (pure): Leitner boxes per question, the 错题本 rule, article priority and the daily drill.

No Flask, no database: plain dataclasses in, plain values out, so every rule is tested by hand.

**Leitner boxes** (chosen over SM-2: five boxes are easy to explain to a secretary and to check by hand,
and SM-2's ease factor needs a self-graded 0–5 recall quality we do not have — our answers are right or
wrong). A question's history is a list of reviews (local day, right or not), from practice and from
closed exams alike:

- the first review puts the question in box 1 (wrong) or box 2 (right);
- a wrong answer sends it back to box 1; a right one moves it up one box (at most box 5), but only the
  first answer of a day counts, so answering the same question again and again today (or right just
  after a wrong answer and its explanation) does not push it out of sight;
- the question is next due ``INTERVALS[box]`` days after its last counted review:
  box 1 → 1 day, 2 → 2, 3 → 4, 4 → 8, 5 → 16.

**错题本**: a wrong answer (in practice, or in a closed exam whose review policy shows answers) puts the
question in the book; it leaves the book once answered right on two different days after the last wrong
answer. A partly right answer (half marks on a multiple choice, one blank of two) is wrong.

**Article priority**: smoothed mastery (earned + 1) / (responses + 2) over every response to the article's
questions (practice and exams, each response weighing 1, earned 0..1). An article never answered is 1/2, one
wrong answer makes it 1/3, one right answer 2/3: the least mastered articles come first, unseen ones in
the middle. An article is a key the caller chooses: the app uses (document, number), so the 《条例》's 第三条 and
another policy document's 第三条 have a priority each.

**Daily drill** of N questions (``choose_daily``): questions due today or earlier, weakest article first;
then questions never answered, one per article in turn, weakest article first; then, if the bank is still
not exhausted, the questions due soonest. Deterministic for a given seed (the page fixes the day's
selection when it is first opened).
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

INTERVALS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}   # box -> days until due again
TOP_BOX = max(INTERVALS)
RIGHT_DAYS_TO_LEAVE_BOOK = 2


@dataclass(frozen=True)
class Review:
    """One answer to a question: when (for ordering), on which local day, and whether it was fully right."""
    at: datetime
    day: date
    right: bool


@dataclass(frozen=True)
class Card:
    """A question's place in the schedule after its reviews."""
    box: int
    due: date
    last_day: date
    reviews: int
    lapses: int        # wrong answers


def card_after(reviews: list[Review]) -> Card | None:
    """The Leitner card after these reviews (any order; sorted by time here); None if never reviewed."""
    box, last_day, counted_day, lapses = 0, None, None, 0
    for review in sorted(reviews, key=lambda r: r.at):
        if not review.right:
            # The day is used up: a right answer later the same day (after reading the explanation) does
            # not promote it.
            box, lapses, last_day, counted_day = 1, lapses + 1, review.day, review.day
        elif box == 0:
            box, last_day, counted_day = 2, review.day, review.day
        elif counted_day != review.day:
            box, last_day, counted_day = min(box + 1, TOP_BOX), review.day, review.day
    if box == 0:
        return None
    return Card(box=box, due=last_day + timedelta(days=INTERVALS[box]), last_day=last_day,
                reviews=len(reviews), lapses=lapses)


@dataclass(frozen=True)
class BookEntry:
    """The question's state in the 错题本."""
    open: bool
    wrong_at: datetime | None       # the last wrong answer
    right_days: tuple[date, ...]    # days it was answered right since then

    @property
    def right_days_needed(self) -> int:
        return max(0, RIGHT_DAYS_TO_LEAVE_BOOK - len(self.right_days))


def book_entry(reviews: list[Review]) -> BookEntry | None:
    """None if the question was never answered wrongly; else whether it is still in the book."""
    wrong_at, right_days = None, []
    for review in sorted(reviews, key=lambda r: r.at):
        if not review.right:
            wrong_at, right_days = review.at, []
        elif wrong_at is not None and review.day not in right_days:
            right_days.append(review.day)
    if wrong_at is None:
        return None
    return BookEntry(open=len(right_days) < RIGHT_DAYS_TO_LEAVE_BOOK, wrong_at=wrong_at,
                     right_days=tuple(right_days))


def smoothed_mastery(earned: float, responses: int) -> float:
    """(earned + 1) / (responses + 2): 1/2 with no evidence, moving toward the plain rate as answers accrue."""
    return (earned + 1.0) / (responses + 2.0)


# An article as the drill knows it: any comparable, hashable key — the app uses (document, number), so that two
# documents' 第三条 are two articles; a plain number does as well.
ArticleKey = Hashable


@dataclass(frozen=True)
class Candidate:
    """A question the drill may choose: its id and the article it cites (None: no article)."""
    question_id: int
    article: ArticleKey | None


@dataclass
class DrillInput:
    questions: list[Candidate]                    # the practice pool (active, not exam-only)
    cards: dict[int, Card]                         # question id -> card, for questions answered before
    priority: dict[ArticleKey, float] = field(default_factory=dict)   # article -> smoothed mastery (absent: 1/2)


def choose_daily(data: DrillInput, today: date, count: int, seed: int) -> list[int]:
    """Up to ``count`` question ids for today's drill, in the order to ask them (see the module docstring)."""
    def weakness(article: ArticleKey | None) -> tuple:
        # Questions citing no article come after the articles of equal priority; the flag keeps None from
        # being compared with a key.
        if article is None:
            return (0.5, True, 0)
        return (round(data.priority.get(article, 0.5), 9), False, article)

    seen = [q for q in data.questions if q.question_id in data.cards]
    due = sorted((q for q in seen if data.cards[q.question_id].due <= today),
                 key=lambda q: (weakness(q.article), data.cards[q.question_id].due, q.question_id))
    chosen = [q.question_id for q in due[:count]]

    if len(chosen) < count:
        fresh: dict[ArticleKey | None, list[int]] = defaultdict(list)
        for q in data.questions:
            if q.question_id not in data.cards:
                fresh[q.article].append(q.question_id)
        rng = random.Random(seed)
        for ids in fresh.values():
            ids.sort()
            rng.shuffle(ids)
        articles = sorted(fresh, key=weakness)
        while len(chosen) < count and any(fresh[a] for a in articles):
            for article in articles:
                if fresh[article] and len(chosen) < count:
                    chosen.append(fresh[article].pop(0))

    if len(chosen) < count:
        later = sorted((q for q in seen if q.question_id not in chosen),
                       key=lambda q: (data.cards[q.question_id].due, weakness(q.article), q.question_id))
        chosen.extend(q.question_id for q in later[:count - len(chosen)])
    return chosen


def current_streak(completed_days: set[date], today: date) -> int:
    """Consecutive days with the drill completed, ending today (or yesterday, if today's is not done yet)."""
    day = today if today in completed_days else today - timedelta(days=1)
    streak = 0
    while day in completed_days:
        streak += 1
        day -= timedelta(days=1)
    return streak
