"""the street an audit entry is about (issue 18, SPEC A1, Y2): a street admin reads its own

Revision ID: 0022_audit_street
Revises: 0021_ballot_tallies
Create Date: 2026-12-07 23:55:00

``audit_log.street_id`` is the street of the entry's object (``services.audit.street_of``: the
street or shop its snapshot names, else its object's street), None for city-wide entries. A street
admin's audit page lists only its street's entries; before this it listed the whole city's. Existing
entries are given their street here by the same rule.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_audit_street'
down_revision = '0021_ballot_tallies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_audit_log_street_id_streets', 'streets', ['street_id'], ['id'])
    op.create_index('ix_audit_log_street_at', 'audit_log', ['street_id', 'at'], unique=False)
    from creditstreet.services.audit import backfill_streets

    backfill_streets(op.get_bind())


def downgrade():
    op.drop_index('ix_audit_log_street_at', table_name='audit_log')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint('fk_audit_log_street_id_streets', type_='foreignkey')
        batch.drop_column('street_id')
