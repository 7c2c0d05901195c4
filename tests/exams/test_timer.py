"""Deadline arithmetic: start + duration, capped by the window, plus extra time; grace for saves."""
from datetime import datetime, timedelta

from examapp.exams.timer import accepts_save, compute_deadline, is_overdue, seconds_left

START = datetime(2023, 10, 20, 1, 0)          # 09:00 Beijing time, stored as UTC
CLOSE = datetime(2023, 10, 20, 4, 0)


def test_deadline_is_start_plus_duration():
    assert compute_deadline(START, 60, CLOSE) == datetime(2023, 10, 20, 2, 0)


def test_deadline_is_capped_by_the_window_close():
    late_start = datetime(2023, 10, 20, 3, 30)
    assert compute_deadline(late_start, 60, CLOSE) == CLOSE


def test_extra_time_is_added_after_the_cap():
    late_start = datetime(2023, 10, 20, 3, 30)
    assert compute_deadline(late_start, 60, CLOSE, extra_seconds=600) == CLOSE + timedelta(minutes=10)
    assert compute_deadline(START, 60, CLOSE, extra_seconds=300) == datetime(2023, 10, 20, 2, 5)


def test_seconds_left_never_negative():
    deadline = datetime(2023, 10, 20, 2, 0)
    assert seconds_left(deadline, deadline - timedelta(seconds=90)) == 90
    assert seconds_left(deadline, deadline + timedelta(seconds=5)) == 0


def test_saves_count_until_deadline_plus_grace_then_attempt_is_overdue():
    deadline = datetime(2023, 10, 20, 2, 0)
    assert accepts_save(deadline, deadline + timedelta(seconds=30), 30)
    assert not accepts_save(deadline, deadline + timedelta(seconds=31), 30)
    assert not is_overdue(deadline, deadline + timedelta(seconds=30), 30)
    assert is_overdue(deadline, deadline + timedelta(seconds=31), 30)
