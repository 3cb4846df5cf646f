"""indexes for the pages at city scale (issue 18, SPEC Y3)

Revision ID: 0016_page_indexes
Revises: 0015_bad_record_numbers
Create Date: 2026-12-07 18:30:00

``ix_shops_status_street_house``: the city admin's grade list (active shops of every street, by
street and house) walks it in order instead of sorting each street's shops.
``ix_complaints_street_received``: the city page's disclosure figures of a street over a window of
receipt dates, read from the index alone.
"""
from alembic import op


revision = '0016_page_indexes'
down_revision = '0015_bad_record_numbers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_shops_status_street_house", "shops", ["status", "street_id", "house_sort", "id"])
    op.create_index("ix_complaints_street_received", "complaints",
                    ["street_id", "received_at", "kind", "status", "outcome", "refusal_reason",
                     "money_recovered_fen"])


def downgrade():
    op.drop_index("ix_complaints_street_received", table_name="complaints")
    op.drop_index("ix_shops_status_street_house", table_name="shops")
