"""bad records name their complaint by number, not by tracking code

Revision ID: 0015_bad_record_numbers
Revises: 0014_mig_password
Create Date: 2026-12-07 16:40:00

A bad record made by a closing read ``投诉TS…：经查商家有责``: the tracking code, which with the
consumer's phone opens the complaint (K6), stood in the register, its export and the merchant's
pages. New records say ``投诉#<id>：…``; this rewrites the existing ones the same way. The downgrade
puts the codes back from the complaints, so no text is lost either way.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_bad_record_numbers'
down_revision = '0014_mig_password'
branch_labels = None
depends_on = None

_rows = sa.text(
    "SELECT b.id, b.description, c.id AS complaint_id, c.tracking_code FROM bad_records b "
    "JOIN complaints c ON c.id = b.complaint_id")
_set = sa.text("UPDATE bad_records SET description = :d WHERE id = :id")


def _rewrite(old_of, new_of):
    conn = op.get_bind()
    for row in conn.execute(_rows).mappings().all():
        old, new = old_of(row), new_of(row)
        if row["description"].startswith(old):
            conn.execute(_set, {"d": new + row["description"][len(old):], "id": row["id"]})


def upgrade():
    _rewrite(lambda r: f"投诉{r['tracking_code']}", lambda r: f"投诉#{r['complaint_id']}")


def downgrade():
    _rewrite(lambda r: f"投诉#{r['complaint_id']}", lambda r: f"投诉{r['tracking_code']}")
