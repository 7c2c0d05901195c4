"""Whole numbers from URLs and query strings, bounded to what the database's INTEGER columns hold: an id
such as 99999999999999999999 is simply not found (404) or ignored, never an overflow in PostgreSQL (500)."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1       # PostgreSQL's integer (the type of every id column); SQLite's is 64-bit


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` everywhere in the app (registered in create_app): no number past MAX_DB_INT matches."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_DB_INT if max is None else max, signed)


def db_int(text: str) -> int:
    """`type=` for request.args.get: a number outside INTEGER's range counts as no number at all."""
    value = int(text)
    if not -MAX_DB_INT - 1 <= value <= MAX_DB_INT:
        raise ValueError(f"{text} is outside the database integer range")
    return value
