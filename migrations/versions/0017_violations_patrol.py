"""index violations by patrol (issue 18, SPEC Y3)

Revision ID: 0017_violations_patrol
Revises: 0016_page_indexes
Create Date: 2026-12-07 18:45:00

A patrol's page and a special action's totals read the violations of their patrols: without an
index every violation of the city was scanned (300,000 at city scale).
"""
from alembic import op


revision = '0017_violations_patrol'
down_revision = '0016_page_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_violations_patrol", "violations", ["patrol_id"])


def downgrade():
    op.drop_index("ix_violations_patrol", table_name="violations")
