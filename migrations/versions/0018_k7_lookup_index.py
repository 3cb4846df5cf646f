"""K7's same-content lookup by one index: (content_key, consumer_phone, received_at)

Revision ID: 0018_k7_lookup_index
Revises: 0017_violations_patrol
Create Date: 2026-12-07 18:20:00

Every intake asks for the complaint with the same content from the same phone within 30 minutes
(K7). With an index on each column alone SQLite took the phone's (it has no statistics to prefer
the other), so the lookup read every complaint ever sent from that phone — a hotline number or a
busy consumer's mobile made each intake slower than the last (issue 18). One index on the three
columns answers it directly; it replaces the one on ``content_key`` alone (its leading column).
"""
from alembic import op


revision = '0018_k7_lookup_index'
down_revision = '0017_violations_patrol'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_same_content', ['content_key', 'consumer_phone', 'received_at'],
                              unique=False)
        batch_op.drop_index('ix_complaints_content_key')


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_content_key', ['content_key'], unique=False)
        batch_op.drop_index('ix_complaints_same_content')
