"""card sheets printed as background jobs

Revision ID: 0012_print_jobs
Revises: 0011_rectification
Create Date: 2026-12-07 15:10:00

Issue 17: a card sheet of any length; long prints run as a job with progress and a download.
Issue 18: an index for the inspectors' queue (undecided reports by street).
"""
from alembic import op
import sqlalchemy as sa

from creditstreet.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0012_print_jobs'
down_revision = '0011_rectification'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'print_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('range_id', sa.Integer(), nullable=False),
        sa.Column('first_serial', sa.Integer(), nullable=False),
        sa.Column('last_serial', sa.Integer(), nullable=False),
        sa.Column('base_url', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('seconds', sa.Double(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['range_id'], ['card_ranges.id']),
        sa.ForeignKeyConstraint(['created_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_print_jobs_range_id', 'print_jobs', ['range_id'])
    # Issue 18: the inspectors' queue finds undecided reports without reading every complaint.
    op.create_index('ix_complaints_street_report', 'complaints', ['street_id', 'report_status'])


def downgrade():
    op.drop_index('ix_complaints_street_report', table_name='complaints')
    op.drop_index('ix_print_jobs_range_id', table_name='print_jobs')
    op.drop_table('print_jobs')
