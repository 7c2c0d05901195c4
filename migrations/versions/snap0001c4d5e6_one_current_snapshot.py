"""snapshot: one current snapshot per round or exam (unique indexes against racing publications)

Revision ID: snap0001c4d5e6
Revises: lrn0001a1b2c3
Create Date: 2026-12-05 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'snap0001c4d5e6'
down_revision = 'lrn0001a1b2c3'
branch_labels = None
depends_on = None

FIRST = sa.text("replaces_id IS NULL")


DUPLICATES = """
SELECT replaces_id AS id FROM snapshot WHERE replaces_id IS NOT NULL GROUP BY replaces_id HAVING COUNT(*) > 1
UNION SELECT MIN(id) FROM snapshot WHERE replaces_id IS NULL AND round_id IS NOT NULL
      GROUP BY kind, round_id HAVING COUNT(*) > 1
UNION SELECT MIN(id) FROM snapshot WHERE replaces_id IS NULL AND exam_id IS NOT NULL
      GROUP BY kind, exam_id HAVING COUNT(*) > 1
"""


def upgrade():
    # A race before this revision may have left two current snapshots of one target: say which, rather
    # than fail on the index with the database's own message. Nothing is changed for the operator.
    clashes = sorted(row[0] for row in op.get_bind().execute(sa.text(DUPLICATES)))
    if clashes:
        raise RuntimeError("发布记录中有同一对象被并发发布两次的情况（涉及第 "
                           + "、".join(map(str, clashes)) + " 号发布），无法建立唯一约束；请联系维护人员处理后再升级。")
    # Partial unique indexes are supported by SQLite (3.8+) and PostgreSQL alike; no table rebuild needed.
    op.create_index('uq_snapshot_replaces_id', 'snapshot', ['replaces_id'], unique=True)
    op.create_index('uq_snapshot_first_round', 'snapshot', ['kind', 'round_id'], unique=True,
                    sqlite_where=FIRST, postgresql_where=FIRST)
    op.create_index('uq_snapshot_first_exam', 'snapshot', ['kind', 'exam_id'], unique=True,
                    sqlite_where=FIRST, postgresql_where=FIRST)


def downgrade():
    op.drop_index('uq_snapshot_first_exam', table_name='snapshot')
    op.drop_index('uq_snapshot_first_round', table_name='snapshot')
    op.drop_index('uq_snapshot_replaces_id', table_name='snapshot')
