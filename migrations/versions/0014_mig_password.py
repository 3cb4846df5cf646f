"""first login changes the password: users.must_change_password

Revision ID: 0014_mig_password
Revises: 0013_mig
Create Date: 2026-12-07 15:45:00

Set when someone else chose the password (an account created by an admin, a reset), cleared when
the user sets their own (issue 17, Admins). Existing accounts keep working as they are (false).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_mig_password'
down_revision = '0013_mig'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
