"""complaint statistics at city scale (issue 18, SPEC Y3): day and month counts, a covering grade index

Revision ID: 0020_complaint_counts
Revises: 0019_exam_results_taken
Create Date: 2026-12-07 18:30:00

``complaint_day_counts`` and ``complaint_month_counts`` hold each street's complaint figures per
local day (month) and goods category (``models.complaint_counts``); they are filled here from the
existing complaints with the same rule the app keeps them with afterwards
(``services.complaint_counts.rebuild``). ``ix_credit_grades_shop_quarter_stars`` lets the board
count a street's shops per star from the index.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_complaint_counts'
down_revision = '0019_exam_results_taken'
branch_labels = None
depends_on = None

COUNTS = ("complaints", "accepted", "mediated", "success", "recovered_fen", "reports", "inquiries",
          "counted", "closed", "p_mediated", "agreed", "settled", "p_recovered_fen")


def upgrade():
    op.create_table(
        'complaint_day_counts',
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('streets.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        *(sa.Column(c, sa.BigInteger(), server_default='0', nullable=False) for c in COUNTS),
        sa.PrimaryKeyConstraint('street_id', 'day', 'category'),
    )
    op.create_table(
        'complaint_month_counts',
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('streets.id'), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        *(sa.Column(c, sa.BigInteger(), server_default='0', nullable=False) for c in COUNTS),
        sa.PrimaryKeyConstraint('street_id', 'month', 'category'),
    )
    op.create_index('ix_credit_grades_shop_quarter_stars', 'credit_grades', ['shop_id', 'quarter', 'stars'],
                    unique=False)
    from creditstreet.services.complaint_counts import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_index('ix_credit_grades_shop_quarter_stars', table_name='credit_grades')
    op.drop_table('complaint_month_counts')
    op.drop_table('complaint_day_counts')
