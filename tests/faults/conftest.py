"""The exam fixtures of tests/exams, for the fault tests."""
from tests.exams.conftest import exam, open_exam  # noqa: F401
