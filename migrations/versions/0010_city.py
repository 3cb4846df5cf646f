"""a city of streets: slugs, the default street, per-street settings

Revision ID: 0010_city
Revises: 0009_daily
Create Date: 2026-12-07 14:40:00

SPEC §14 Y1–Y2 (issue 18): every street gets a slug (``s<id>`` for existing ones) and the oldest
street becomes the default one that answers the one-street URLs; ``street_settings`` holds a
street's overrides of the city-wide rule settings.
"""
from alembic import op
import sqlalchemy as sa
import creditstreet.models.types


# revision identifiers, used by Alembic.
revision = '0010_city'
down_revision = '0009_daily'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and a unique index: SQLite keeps the streets table (a batch rebuild would drop
    # a table every other one references).
    op.add_column('streets', sa.Column('slug', sa.String(length=40), nullable=True))
    op.add_column('streets', sa.Column('is_default', sa.Boolean(), nullable=False, server_default=sa.false()))
    streets = sa.table('streets', sa.column('id', sa.Integer), sa.column('slug', sa.String),
                       sa.column('is_default', sa.Boolean))
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.select(streets.c.id).order_by(streets.c.id))]
    for street_id in ids:
        conn.execute(streets.update().where(streets.c.id == street_id).values(slug=f"s{street_id}"))
    if ids:
        conn.execute(streets.update().where(streets.c.id == ids[0]).values(is_default=True))
    op.create_index('ix_streets_slug', 'streets', ['slug'], unique=True)

    op.create_table('street_settings',
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', creditstreet.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_street_settings_street_id_streets')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_street_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('street_id', 'key', name=op.f('pk_street_settings'))
    )


def downgrade():
    op.drop_table('street_settings')
    op.drop_index('ix_streets_slug', table_name='streets')
    op.drop_column('streets', 'is_default')  # SQLite ≥ 3.35: ALTER TABLE … DROP COLUMN, no rebuild
    op.drop_column('streets', 'slug')
