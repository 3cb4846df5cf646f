"""redacted copies of complaint free text

Revision ID: 0008_redacted_copies
Revises: 0007_cal
Create Date: 2026-12-07 14:55:00

SPEC K6: free text is shown to everyone but the handler and admins only as a redacted copy made
when the text is stored. Adds the copies and fills them for every existing complaint and event
with the same redactor the application uses (``creditstreet.domain.redact``).
"""
from alembic import op
import sqlalchemy as sa

from creditstreet.domain.redact import redact


# revision identifiers, used by Alembic.
revision = '0008_redacted_copies'
down_revision = '0007_cal'
branch_labels = None
depends_on = None

COPIES = {'title': 'title_public', 'goods': 'goods_public', 'description': 'description_public',
          'demand': 'demand_public'}


def upgrade():
    # Plain ADD/DROP COLUMN (SQLite ≥ 3.35 has both): no table copy, so rows referencing these
    # tables never block the migration.
    op.add_column('complaints', sa.Column('title_public', sa.String(length=400), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('goods_public', sa.String(length=400), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('description_public', sa.Text(), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('demand_public', sa.Text(), server_default='', nullable=False))
    op.add_column('complaint_events', sa.Column('note_public', sa.Text(), server_default='', nullable=False))

    conn = op.get_bind()
    complaints = sa.table('complaints', sa.column('id', sa.Integer), sa.column('consumer_name', sa.String),
                          *(sa.column(c, sa.Text) for c in (*COPIES, *COPIES.values())))
    events = sa.table('complaint_events', sa.column('id', sa.Integer), sa.column('complaint_id', sa.Integer),
                      sa.column('note', sa.Text), sa.column('note_public', sa.Text))
    names = {}
    rows = conn.execute(sa.select(complaints.c.id, complaints.c.consumer_name,
                                  *(complaints.c[c] for c in COPIES))).all()
    for row in rows:
        names[row.id] = row.consumer_name or ''
        values = {public: redact(getattr(row, raw) or '', [names[row.id]]) for raw, public in COPIES.items()}
        conn.execute(complaints.update().where(complaints.c.id == row.id).values(**values))
    for ev in conn.execute(sa.select(events.c.id, events.c.complaint_id, events.c.note)).all():
        if ev.note:
            conn.execute(events.update().where(events.c.id == ev.id)
                         .values(note_public=redact(ev.note, [names.get(ev.complaint_id, '')])))


def downgrade():
    for table, column in (('complaint_events', 'note_public'), ('complaints', 'demand_public'),
                          ('complaints', 'description_public'), ('complaints', 'goods_public'),
                          ('complaints', 'title_public')):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
