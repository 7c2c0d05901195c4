"""The one base class of the errors a user is told about (Flask-free, importable from the pure core).

A `UserError` means "what you asked cannot be done", never "the program is broken": its message is
Simplified Chinese and shown as is. The app-level handler in `examapp.errors` answers one that a view
does not catch: JSON `{"error": ..., "status": ...}` for API clients, otherwise the transaction is rolled
back, the message flashed and the user sent back to the page they came from.
"""
from __future__ import annotations


class UserError(ValueError):
    """Base of every domain error (ExamError, BankError, ScoringError, ...)."""

    status: int = 400          # the HTTP status an API client gets
    code: str | None = None    # machine-readable, for the API (e.g. "session_replaced")
