"""attempts: how they ended — the organiser's reason (end_note); backfill of end reasons from the timeline

Attempt.finished_by has said how each attempt ended (candidate, timer, focus_policy, organiser, server) since
attempts existed; the organiser's reason was only in the attempt's events. This copies it onto the attempt,
and fills in an end reason that is missing on a finished attempt from its latest submit/overdue event.

Revision ID: orga0001e7d1
Revises: aded68d17f8d
Create Date: 2026-12-05 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'orga0001e7d1'
down_revision = 'aded68d17f8d'
branch_labels = None
depends_on = None

FINISHED = ('submitted', 'finalised_overdue')


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_note', sa.Text(), nullable=True))
    _backfill(op.get_bind())


def _backfill(bind):
    attempt = sa.table('attempt', sa.column('id', sa.Integer), sa.column('status', sa.String),
                       sa.column('finished_by', sa.String), sa.column('end_note', sa.Text))
    event = sa.table('attempt_event', sa.column('id', sa.Integer), sa.column('attempt_id', sa.Integer),
                     sa.column('at', sa.DateTime), sa.column('kind', sa.String), sa.column('detail', sa.JSON))
    finished = {row.id: row.finished_by for row in bind.execute(
        sa.select(attempt.c.id, attempt.c.finished_by).where(attempt.c.status.in_(FINISHED)))}
    if not finished:
        return
    # Events oldest first, so the last one seen per attempt is the one that ended it.
    ended_by, reasons = {}, {}
    for row in bind.execute(sa.select(event.c.attempt_id, event.c.kind, event.c.detail)
                            .where(event.c.kind.in_(('submit', 'overdue', 'force_submit', 'window_closed')))
                            .order_by(event.c.at, event.c.id)):
        if row.attempt_id not in finished:
            continue
        detail = row.detail or {}
        if row.kind in ('submit', 'overdue'):
            ended_by[row.attempt_id] = detail.get('by') or ('server' if row.kind == 'overdue' else '')
        elif detail.get('reason'):
            reasons[row.attempt_id] = str(detail['reason'])
    for attempt_id, by in finished.items():
        values = {}
        if not by and ended_by.get(attempt_id):
            values['finished_by'] = by = ended_by[attempt_id]
        if by == 'organiser' and attempt_id in reasons:
            values['end_note'] = reasons[attempt_id]
        if values:
            bind.execute(attempt.update().where(attempt.c.id == attempt_id).values(**values))


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('end_note')
