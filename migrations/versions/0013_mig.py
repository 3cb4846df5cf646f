"""a bad record is withdrawn when its complaint is reopened (SPEC K5: the final closing decides)

Revision ID: 0013_mig
Revises: 0012_print_jobs
Create Date: 2026-12-07 15:00:00

Existing rows: a complaint that was reopened and is now closed not at fault (or still open) keeps
no counting record — its record gets ``withdrawn_at`` = the complaint's latest reopening (from its
events). A record of a complaint closed at fault again stays, dated at its final closing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_mig'
down_revision = '0012_print_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bad_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    conn = op.get_bind()
    b = sa.table('bad_records', sa.column('id', sa.Integer), sa.column('complaint_id', sa.Integer),
                 sa.column('recorded_at', sa.DateTime), sa.column('withdrawn_at', sa.DateTime))
    c = sa.table('complaints', sa.column('id', sa.Integer), sa.column('status', sa.String),
                 sa.column('closed_at', sa.DateTime), sa.column('shop_at_fault', sa.Boolean),
                 sa.column('refused_mediation', sa.Boolean), sa.column('reopened_count', sa.Integer))
    e = sa.table('complaint_events', sa.column('complaint_id', sa.Integer), sa.column('kind', sa.String),
                 sa.column('at', sa.DateTime))
    last_reopen = (sa.select(sa.func.max(e.c.at)).where(e.c.complaint_id == b.c.complaint_id, e.c.kind == 'reopen')
                   .scalar_subquery())
    reopened_since = sa.select(c.c.id).where(
        c.c.id == b.c.complaint_id, c.c.reopened_count > 0,
        sa.or_(c.c.status != 'closed',
               sa.and_(c.c.shop_at_fault.is_not(True), c.c.refused_mediation.is_not(True)))).exists()
    conn.execute(b.update().where(b.c.complaint_id.is_not(None), b.c.withdrawn_at.is_(None), reopened_since)
                 .values(withdrawn_at=sa.func.coalesce(last_reopen, b.c.recorded_at)))
    final_closing = sa.select(c.c.closed_at).where(c.c.id == b.c.complaint_id).scalar_subquery()
    closed_at_fault_again = sa.select(c.c.id).where(
        c.c.id == b.c.complaint_id, c.c.reopened_count > 0, c.c.status == 'closed', c.c.closed_at.is_not(None),
        sa.or_(c.c.shop_at_fault.is_(True), c.c.refused_mediation.is_(True))).exists()
    conn.execute(b.update().where(b.c.complaint_id.is_not(None), b.c.withdrawn_at.is_(None), closed_at_fault_again)
                 .values(recorded_at=final_closing))


def downgrade():
    with op.batch_alter_table('bad_records', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
