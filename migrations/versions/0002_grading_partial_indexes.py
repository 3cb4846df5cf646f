"""grading reads at-fault complaints and yellow cards through partial indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 03:10:00

The quarterly grading (services/grade_batch.py) cites only the complaints that cost a shop a bad
record and the card checks that gave a yellow card: a few percent of each table. These partial
indexes let it read those rows by instant instead of scanning every complaint ever filed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(
            'ix_complaints_fault_closed', ['closed_at', 'shop_id', 'refused_mediation'], unique=False,
            sqlite_where=sa.text('shop_at_fault IS 1 OR refused_mediation IS 1'),
            postgresql_where=sa.text('shop_at_fault IS true OR refused_mediation IS true'))
    with op.batch_alter_table('card_checks', schema=None) as batch_op:
        batch_op.create_index(
            'ix_card_checks_yellow_at', ['checked_at', 'shop_id'], unique=False,
            sqlite_where=sa.text("consequence = 'yellow_card'"),
            postgresql_where=sa.text("consequence = 'yellow_card'"))


def downgrade():
    with op.batch_alter_table('card_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_card_checks_yellow_at')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_fault_closed')
