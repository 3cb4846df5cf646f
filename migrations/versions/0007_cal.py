"""calendar years from the State Council notice, paused complaint clocks

Revision ID: 0007_cal
Revises: 0006_merchant
Create Date: 2026-12-07 14:50:00

SPEC §3: years the office entered from the holiday notice and confirmed (calendar_years).
SPEC K4: paused clocks (中止) of complaints (complaint_pauses).
"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


# revision identifiers, used by Alembic.
revision = '0007_cal'
down_revision = '0006_merchant'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('notice_text', sa.Text(), nullable=False),
    sa.Column('confirmed_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.id'], name=op.f('fk_calendar_years_confirmed_by_users')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('complaint_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=False),
    sa.Column('resumed_on', sa.Date(), nullable=True),
    sa.Column('paused_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('resumed_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.Column('paused_by', sa.Integer(), nullable=True),
    sa.Column('resumed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_pauses_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['paused_by'], ['users.id'], name=op.f('fk_complaint_pauses_paused_by_users')),
    sa.ForeignKeyConstraint(['resumed_by'], ['users.id'], name=op.f('fk_complaint_pauses_resumed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_pauses'))
    )
    with op.batch_alter_table('complaint_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_pauses_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_pauses_complaint_id'))
    op.drop_table('complaint_pauses')
    op.drop_table('calendar_years')
