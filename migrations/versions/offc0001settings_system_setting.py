"""settings: the office's system settings (key/value) and the yearly 发文字号 counters

Revision ID: offc0001settings
Revises: orga0001e7d1
Create Date: 2026-12-05 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'offc0001settings'
down_revision = 'orga0001e7d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('system_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_system_setting_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_system_setting'))
    )


def downgrade():
    op.drop_table('system_setting')
