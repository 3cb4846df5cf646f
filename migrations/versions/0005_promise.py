"""public promises and disclosure

Revision ID: 0005_promise
Revises: 0004
Create Date: 2026-12-07 07:05:43

SPEC §13: shops' commitments (P1), the street's advance-compensation fund ledger (P3), key
disclosure marks and correction requests (P4), and the complaint's subject ("承诺未兑现", P2).
"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


# revision identifiers, used by Alembic.
revision = '0005_promise'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_key_disclosures_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_disclosures'))
    )
    with op.batch_alter_table('key_disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_disclosures_shop_id'), ['shop_id'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('return_days', sa.Integer(), nullable=True),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('exclusions', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('declared_by', sa.Integer(), nullable=True),
    sa.Column('declared_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('notice_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_commitments_decided_by_users')),
    sa.ForeignKeyConstraint(['declared_by'], ['users.id'], name=op.f('fk_commitments_declared_by_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_commitments_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index('ix_commitments_shop_kind', ['shop_id', 'kind'], unique=False)

    op.create_table('correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_correction_requests_decided_by_users')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_correction_requests_requested_by_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_correction_requests_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_requests'))
    )
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_requests_shop_id'), ['shop_id'], unique=False)

    op.create_table('fund_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('pay_by', sa.Date(), nullable=True),
    sa.Column('paid_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.Column('recovery_status', sa.String(length=10), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_fund_entries_actor_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_fund_entries_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_fund_entries_shop_id_shops')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_fund_entries_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_entries'))
    )
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.create_index('ix_fund_entries_street_at', ['street_id', 'at'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=24), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('subject')

    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_fund_entries_street_at')

    op.drop_table('fund_entries')
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_requests_shop_id'))

    op.drop_table('correction_requests')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_commitments_shop_kind')

    op.drop_table('commitments')
    with op.batch_alter_table('key_disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_disclosures_shop_id'))

    op.drop_table('key_disclosures')
