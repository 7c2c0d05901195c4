"""answers: characters that cannot be shown (control characters, lone surrogates) replaced by U+FFFD

Before the exam API and practice refused them (400), such text was stored as a fill answer, and every page
showing the answer then failed (a lone surrogate cannot be written out as UTF-8). This replaces each such
character in stored exam and practice answers by the replacement character "�", so the pages show that
something unprintable was typed, and an answer never reads as what it was not: the marks stay as graded.

Revision ID: text0001b5c6d7
Revises: docs0001a2b3c4
Create Date: 2026-12-06 04:00:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'text0001b5c6d7'
down_revision = 'docs0001a2b3c4'
branch_labels = None
depends_on = None

REPLACEMENT = "\ufffd"
TABLES = ("answer", "practice_answer")


def printable(value):
    """The value with every control character and lone surrogate in its strings replaced (lists too)."""
    if isinstance(value, str):
        return "".join(REPLACEMENT if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def upgrade():
    conn = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("value", sa.JSON))
        changed = [(row.id, printable(row.value)) for row in conn.execute(
            sa.select(table.c.id, table.c.value).where(table.c.value.is_not(None)))
            if printable(row.value) != row.value]
        for row_id, value in changed:
            conn.execute(table.update().where(table.c.id == row_id).values(value=value))


def downgrade():
    pass     # the unprintable characters are not kept: nothing to restore
