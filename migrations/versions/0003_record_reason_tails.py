"""violations and bad records keep their reason text (after the date)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 02:50:00

A grade cites each record that decided it with a one-line Chinese text (SPEC G3). The text after
the date depends only on the record's own fields, so it is written with the record by the domain
rule (``domain.records.violation_tail`` / ``bad_record_tail``) and the quarterly grading copies it.
Existing rows are filled here by the same rule.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BATCH = 2000


def _backfill(table_name, columns, tail):
    conn = op.get_bind()
    table = sa.table(table_name, sa.column('id', sa.Integer), sa.column('reason_tail', sa.String),
                     *[sa.column(c, sa.String) for c in columns])
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, *[table.c[c] for c in columns])
                            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                     .values(reason_tail=sa.bindparam('tail')),
                     [{'row_id': r[0], 'tail': tail(*r[1:])} for r in rows])
        last = rows[-1][0]


def upgrade():
    from creditstreet.models.patrol import bad_record_tail, violation_tail

    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_tail', sa.String(length=120), nullable=False, server_default=''))
    with op.batch_alter_table('bad_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_tail', sa.String(length=120), nullable=False, server_default=''))
    _backfill('violations', ('severity', 'kind', 'description'), violation_tail)
    _backfill('bad_records', ('kind', 'description'), bad_record_tail)
    # The server default stays (as in the models): dropping it would make SQLite copy the tables,
    # which their foreign keys forbid while they are enforced. The models fill the column anyway.


def downgrade():
    with op.batch_alter_table('bad_records', schema=None) as batch_op:
        batch_op.drop_column('reason_tail')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_column('reason_tail')
