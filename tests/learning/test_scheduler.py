"""The pure learning schedule, by hand: Leitner boxes, the 错题本 rule, smoothed mastery, the daily drill, streaks."""
from datetime import date, datetime, timedelta

from examapp.learning import scheduler
from examapp.learning.scheduler import Candidate, Card, DrillInput, Review

D1 = date(2026, 7, 1)


def review(day_offset: int, right: bool, minute: int = 0) -> Review:
    day = D1 + timedelta(days=day_offset)
    return Review(at=datetime(day.year, day.month, day.day, 2, minute), day=day, right=right)


def test_a_question_never_answered_has_no_card():
    assert scheduler.card_after([]) is None


def test_first_right_answer_puts_it_in_box_two_due_in_two_days():
    card = scheduler.card_after([review(0, True)])
    assert (card.box, card.due, card.reviews, card.lapses) == (2, D1 + timedelta(days=2), 1, 0)


def test_first_wrong_answer_puts_it_in_box_one_due_tomorrow():
    card = scheduler.card_after([review(0, False)])
    assert (card.box, card.due, card.lapses) == (1, D1 + timedelta(days=1), 1)


def test_right_answers_on_successive_reviews_climb_the_boxes_and_stop_at_five():
    # day 0 right -> box 2 (due day 2); day 2 -> box 3 (due 6); day 6 -> 4 (due 14); day 14 -> 5 (due 30);
    # day 30 -> stays 5, due 30 + 16 = 46.
    reviews = [review(0, True), review(2, True), review(6, True), review(14, True)]
    assert scheduler.card_after(reviews).box == 5
    assert scheduler.card_after(reviews).due == D1 + timedelta(days=30)
    card = scheduler.card_after(reviews + [review(30, True)])
    assert (card.box, card.due) == (5, D1 + timedelta(days=46))


def test_only_the_first_answer_of_a_day_moves_a_card():
    # Three right answers on day 0: box 2 only, not box 4.
    card = scheduler.card_after([review(0, True, 1), review(0, True, 2), review(0, True, 3)])
    assert (card.box, card.due) == (2, D1 + timedelta(days=2))


def test_right_just_after_wrong_the_same_day_does_not_promote():
    card = scheduler.card_after([review(0, False, 1), review(0, True, 5)])
    assert (card.box, card.due) == (1, D1 + timedelta(days=1))
    # The next day's right answer promotes it: box 2, due day 1 + 2 = day 3.
    card = scheduler.card_after([review(0, False, 1), review(0, True, 5), review(1, True)])
    assert (card.box, card.due) == (2, D1 + timedelta(days=3))


def test_a_wrong_answer_sends_a_high_card_back_to_box_one():
    card = scheduler.card_after([review(0, True), review(2, True), review(6, True), review(14, False)])
    assert (card.box, card.due, card.lapses) == (1, D1 + timedelta(days=15), 1)


def test_reviews_are_taken_in_time_order_whatever_order_they_come_in():
    reviews = [review(2, False), review(0, True)]
    assert scheduler.card_after(reviews).box == 1
    assert scheduler.card_after(list(reversed(reviews))).box == 1


def test_a_question_answered_right_only_is_not_in_the_book():
    assert scheduler.book_entry([review(0, True), review(3, True)]) is None


def test_a_wrong_answer_stays_in_the_book_until_right_on_two_different_days():
    wrong = [review(0, False)]
    assert scheduler.book_entry(wrong).open
    same_day_twice = wrong + [review(1, True, 1), review(1, True, 2)]
    entry = scheduler.book_entry(same_day_twice)
    assert entry.open and entry.right_days == (D1 + timedelta(days=1),) and entry.right_days_needed == 1
    two_days = same_day_twice + [review(3, True)]
    assert not scheduler.book_entry(two_days).open


def test_a_new_mistake_restarts_the_count_of_right_days():
    reviews = [review(0, False), review(1, True), review(2, False), review(3, True)]
    entry = scheduler.book_entry(reviews)
    assert entry.open and entry.right_days == (D1 + timedelta(days=3),)


def test_smoothed_mastery_by_hand():
    assert scheduler.smoothed_mastery(0, 0) == 0.5          # no evidence
    assert scheduler.smoothed_mastery(0, 1) == 1 / 3        # one wrong
    assert scheduler.smoothed_mastery(1, 1) == 2 / 3        # one right
    assert scheduler.smoothed_mastery(2.5, 4) == 3.5 / 6    # half marks count as half


def card(box: int, due_offset: int) -> Card:
    return Card(box=box, due=D1 + timedelta(days=due_offset), last_day=D1, reviews=1, lapses=0)


def test_the_drill_takes_due_questions_weakest_article_first():
    questions = [Candidate(1, 10), Candidate(2, 11), Candidate(3, 12), Candidate(4, 12)]
    cards = {1: card(1, 0), 2: card(1, -1), 3: card(2, 0), 4: card(3, 5)}   # 4 is not due
    priority = {10: 0.6, 11: 0.4, 12: 0.3}
    chosen = scheduler.choose_daily(DrillInput(questions, cards, priority), D1, 2, seed=1)
    # Due: 1 (article 10, 0.6), 2 (article 11, 0.4), 3 (article 12, 0.3) -> weakest first: 3, 2.
    assert chosen == [3, 2]


def test_the_drill_fills_with_new_questions_one_per_article_weakest_first():
    questions = [Candidate(1, 10), Candidate(2, 10), Candidate(3, 11), Candidate(4, 12), Candidate(5, 12)]
    cards = {1: card(1, 0)}          # due today
    priority = {10: 1 / 3, 12: 0.6}  # article 11 unseen: 0.5
    chosen = scheduler.choose_daily(DrillInput(questions, cards, priority), D1, 4, seed=7)
    # Due 1 first; then new ones by article: 10 (1/3) -> 2, 11 (0.5) -> 3, 12 (0.6) -> 4 or 5.
    assert chosen[:3] == [1, 2, 3] and chosen[3] in (4, 5) and len(chosen) == 4


def test_the_drill_goes_round_the_articles_again_when_one_round_is_not_enough():
    questions = [Candidate(1, 10), Candidate(2, 10), Candidate(3, 11)]
    chosen = scheduler.choose_daily(DrillInput(questions, {}, {}), D1, 3, seed=3)
    # Round 1: article 10, article 11 (ties at 0.5 go by article number); round 2: article 10 again.
    assert chosen[1] == 3 and sorted(chosen) == [1, 2, 3]


def test_when_nothing_is_due_or_new_the_drill_takes_the_soonest_due():
    questions = [Candidate(1, 10), Candidate(2, 11), Candidate(3, 12)]
    cards = {1: card(3, 6), 2: card(2, 2), 3: card(4, 9)}
    assert scheduler.choose_daily(DrillInput(questions, cards, {}), D1, 2, seed=0) == [2, 1]


def test_the_drill_is_the_same_for_the_same_seed_and_never_repeats_a_question():
    questions = [Candidate(i, 1 + i % 7) for i in range(1, 60)]
    first = scheduler.choose_daily(DrillInput(questions, {}, {}), D1, 10, seed=42)
    assert first == scheduler.choose_daily(DrillInput(questions, {}, {}), D1, 10, seed=42)
    assert len(set(first)) == 10
    # Ten new questions from seven articles: every article once before any article twice.
    articles = [1 + q % 7 for q in first]
    assert sorted(articles[:7]) == list(range(1, 8))


def test_the_drill_is_smaller_than_asked_only_when_the_pool_is():
    questions = [Candidate(1, 10), Candidate(2, 11)]
    assert sorted(scheduler.choose_daily(DrillInput(questions, {}, {}), D1, 10, seed=0)) == [1, 2]


def test_streak_counts_back_from_today_or_from_yesterday_if_today_is_not_done():
    days = {D1, D1 + timedelta(days=1), D1 + timedelta(days=2), D1 + timedelta(days=4)}
    assert scheduler.current_streak(days, D1 + timedelta(days=2)) == 3     # today done, two before
    assert scheduler.current_streak(days, D1 + timedelta(days=3)) == 3     # today not done yet: still 3
    assert scheduler.current_streak(days, D1 + timedelta(days=4)) == 1     # a gap on day 3
    assert scheduler.current_streak(days, D1 + timedelta(days=6)) == 0     # yesterday missed
