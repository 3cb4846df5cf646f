"""daily work (issue 17): resubmission key (K7), free-text trader, staged photos, staff phone, SMS outbox

Revision ID: 0009_daily
Revises: 0008_redacted_copies
Create Date: 2026-12-07 14:28:41.208723

"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


# revision identifiers, used by Alembic.
revision = '0009_daily'
down_revision = '0008_redacted_copies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('provider_id', sa.String(length=80), nullable=False),
    sa.Column('created_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_outbox_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_outbox_street_id_streets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('trader_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('trader_address', sa.String(length=60), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_complaints_content_key'), ['content_key'], unique=False)

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staged_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('staged_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_photos_staged_token'), ['staged_token'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_staged_token'))
        batch_op.drop_column('staged_name')
        batch_op.drop_column('staged_token')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_content_key'))
        batch_op.drop_column('trader_address')
        batch_op.drop_column('trader_name')
        batch_op.drop_column('content_key')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.drop_index(batch_op.f('ix_outbox_complaint_id'))

    op.drop_table('outbox')
