"""index exam results by date (issue 18, SPEC Y3)

Revision ID: 0019_exam_results_taken
Revises: 0018_k7_lookup_index
Create Date: 2026-12-07 18:55:00

The admin's exam page lists a street's latest 50 exams: PostgreSQL joined and sorted all of a
50,000-shop street's exams for them (0.47 s); with this index it walks the newest first.
"""
from alembic import op


revision = '0019_exam_results_taken'
down_revision = '0018_k7_lookup_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_exam_results_taken", "exam_results", ["taken_at"])


def downgrade():
    op.drop_index("ix_exam_results_taken", table_name="exam_results")
