"""rectification deadlines of failed patrol items

Revision ID: 0011_rectification
Revises: 0010_city
Create Date: 2026-12-07 15:30:00

Issue 17: a failed checklist item may carry a rectification deadline in working days, closed by
a re-inspection (a later patrol passing the item). A new table: nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


# revision identifiers, used by Alembic.
revision = '0011_rectification'
down_revision = '0010_city'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rectifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patrol_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('checklist_item', sa.String(length=12), nullable=False),
    sa.Column('workdays', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('ordered_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.Column('closed_by_patrol_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_patrol_id'], ['patrols.id'], name=op.f('fk_rectifications_closed_by_patrol_id_patrols')),
    sa.ForeignKeyConstraint(['ordered_by'], ['users.id'], name=op.f('fk_rectifications_ordered_by_users')),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_rectifications_patrol_id_patrols')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_rectifications_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications')),
    sa.UniqueConstraint('patrol_id', 'checklist_item', name=op.f('uq_rectifications_patrol_id_checklist_item'))
    )
    op.create_index('ix_rectifications_open', 'rectifications', ['shop_id', 'closed_at'], unique=False)


def downgrade():
    op.drop_index('ix_rectifications_open', table_name='rectifications')
    op.drop_table('rectifications')
