"""bank: policy documents; articles keyed by (document, number); questions cite a document's article

Everything that existed (articles, questions, their versions and so the papers, practice answers and mastery
read through them) moves under document 1, 《优化营商环境条例》. question.review_note says why an organiser
should look at a question again (an article changed in a revised document).

Revision ID: docs0001a2b3c4
Revises: snap0001c4d5e6
Create Date: 2026-12-06 00:30:00.000000

"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'docs0001a2b3c4'
down_revision = 'snap0001c4d5e6'
branch_labels = None
depends_on = None

FIRST = 1
SHIPPED = dict(id=FIRST, title='优化营商环境条例', issuer='国务院', number='国务院令第722号',
               issued_on=date(2019, 10, 22), status='current')
CITING = ('question', 'question_version')


def upgrade():
    bind = op.get_bind()
    document = op.create_table(
        'document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=200), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('revises_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['revises_id'], ['document.id'], name=op.f('fk_document_revises_id_document'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
        sa.UniqueConstraint('revises_id', name=op.f('uq_document_revises_id')))
    for table in ('article',) + CITING:
        op.add_column(table, sa.Column('document_id', sa.Integer(), nullable=True))
    op.add_column('question', sa.Column('review_note', sa.Text(), nullable=True))

    held = any(bind.execute(sa.text(f'SELECT 1 FROM {table} LIMIT 1')).first() for table in ('article',) + CITING)
    if held:
        # The shipped regulation becomes document 1; every article and question moves under it.
        created = datetime.now(timezone.utc).replace(tzinfo=None)
        bind.execute(document.insert().values(created_at=created, **SHIPPED))
        if bind.dialect.name == 'postgresql':   # an explicit id does not advance the sequence
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('document', 'id'), "
                                 "(SELECT MAX(id) FROM document))"))
        for table in ('article',) + CITING:
            bind.execute(sa.text(f'UPDATE {table} SET document_id = :first'), {'first': FIRST})

    # The old references to article.number go first: PostgreSQL's primary key cannot be dropped under them.
    for table in CITING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_article_number_article', type_='foreignkey')
            batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_document_id_document'), 'document',
                                        ['document_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('pk_article', type_='primary')
        batch_op.create_primary_key('pk_article', ['document_id', 'number'])
        batch_op.create_foreign_key(batch_op.f('fk_article_document_id_document'), 'document',
                                    ['document_id'], ['id'], ondelete='RESTRICT')

    for table in CITING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_document_id_article'), 'article',
                                        ['document_id', 'article_number'], ['document_id', 'number'],
                                        ondelete='RESTRICT')
    _check_sqlite_references(bind)


def _check_sqlite_references(bind):
    """SQLite rebuilt the tables with its foreign keys off (migrations/env.py): check them before commit."""
    if bind.dialect.name != 'sqlite':
        return
    broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError('升级后有 %d 处引用不完整（如 %s），已撤销本次升级；请联系维护人员。'
                           % (len(broken), ', '.join(str(tuple(row)) for row in broken[:3])))


def downgrade():
    bind = op.get_bind()
    others = bind.execute(sa.text('SELECT COUNT(*) FROM document WHERE id <> :first'), {'first': FIRST}).scalar()
    if others:
        raise RuntimeError('数据库中有《优化营商环境条例》以外的政策文件，降级会丢失它们及其题目，已停止。')
    for table in CITING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_document_id_article'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_document_id_document'), type_='foreignkey')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_document_id'))
        batch_op.drop_column('review_note')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_article_document_id_document'), type_='foreignkey')
        batch_op.drop_constraint('pk_article', type_='primary')
        batch_op.create_primary_key('pk_article', ['number'])
        batch_op.drop_column('document_id')
    for table in CITING:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('document_id')
            batch_op.create_foreign_key(f'fk_{table}_article_number_article', 'article', ['article_number'],
                                        ['number'], ondelete='RESTRICT')
    op.drop_table('document')
    _check_sqlite_references(bind)
