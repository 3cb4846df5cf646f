"""accounts keep the spans they were disabled

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:00:00

SPEC S2's quorum counts the supervisors active at a quarter's end. Until now only the current
``users.disabled`` flag was known, so disabling an account changed the count of every past quarter.
Each disable / enable now opens / closes a ``disabled_periods`` row. Existing history is rebuilt from
the audit log (``user.disable`` / ``user.enable``, SPEC A1); an account disabled with no such entry
is taken as disabled since it was created — what the old count assumed.
"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disabled_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('started_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', creditstreet.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disabled_periods_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disabled_periods'))
    )
    with op.batch_alter_table('disabled_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disabled_periods_user_id'), ['user_id'], unique=False)

    conn = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('disabled', sa.Boolean),
                     sa.column('created_at', creditstreet.models.types.UTCDateTime()))
    audit = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', creditstreet.models.types.UTCDateTime()),
                     sa.column('action', sa.String), sa.column('entity', sa.String), sa.column('entity_id', sa.String))
    periods = sa.table('disabled_periods', sa.column('user_id', sa.Integer),
                       sa.column('started_at', creditstreet.models.types.UTCDateTime()),
                       sa.column('ended_at', creditstreet.models.types.UTCDateTime()))
    open_since, rows = {}, []
    for action, entity_id, at in conn.execute(
            sa.select(audit.c.action, audit.c.entity_id, audit.c.at)
            .where(audit.c.entity == 'user', audit.c.action.in_(['user.disable', 'user.enable']))
            .order_by(audit.c.at, audit.c.id)):
        user_id = int(entity_id)
        if action == 'user.disable' and user_id not in open_since:
            open_since[user_id] = at
        elif action == 'user.enable' and user_id in open_since:
            rows.append({'user_id': user_id, 'started_at': open_since.pop(user_id), 'ended_at': at})
    for user_id, disabled, created_at in conn.execute(sa.select(users.c.id, users.c.disabled, users.c.created_at)):
        if disabled:
            rows.append({'user_id': user_id, 'started_at': open_since.get(user_id, created_at), 'ended_at': None})
    if rows:
        conn.execute(periods.insert(), rows)


def downgrade():
    with op.batch_alter_table('disabled_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disabled_periods_user_id'))
    op.drop_table('disabled_periods')
