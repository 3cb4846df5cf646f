"""ballot tallies kept as ballots are cast; a supervisor's ballots by quarter (issue 18, SPEC S2, Y3)

Revision ID: 0021_ballot_tallies
Revises: 0020_complaint_counts
Create Date: 2026-12-07 23:40:00

``ballot_tallies`` (per shop and quarter: ballots, yes per criterion, the shop's street) and
``ballot_voters`` (per street, quarter and supervisor: ballots cast) are kept by the session as
ballots are written (``models.ballot_tallies``); the admin's participation page reads them instead
of tallying a quarter's ballots per request. Filled here from the existing ballots with the same
rule (``services.ballot_tallies.rebuild``). ``ix_ballots_supervisor_quarter`` pages a supervisor's
own ballots, newest quarter first.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_ballot_tallies'
down_revision = '0020_complaint_counts'
branch_labels = None
depends_on = None

CRITERIA = ("lawful", "service", "compliance", "honesty")


def upgrade():
    op.create_table(
        'ballot_tallies',
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id'), nullable=False),
        sa.Column('quarter', sa.String(length=6), nullable=False),
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('streets.id'), nullable=False),
        *(sa.Column(c, sa.Integer(), server_default='0', nullable=False) for c in ("ballots",) + CRITERIA),
        sa.PrimaryKeyConstraint('shop_id', 'quarter'),
    )
    op.create_index('ix_ballot_tallies_street_quarter', 'ballot_tallies',
                    ['street_id', 'quarter', 'ballots', *CRITERIA], unique=False)
    op.create_table(
        'ballot_voters',
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('streets.id'), nullable=False),
        sa.Column('quarter', sa.String(length=6), nullable=False),
        sa.Column('supervisor_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('ballots', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('street_id', 'quarter', 'supervisor_id'),
    )
    op.create_index('ix_ballots_supervisor_quarter', 'ballots', ['supervisor_id', 'quarter', 'id'], unique=False)
    from creditstreet.services.ballot_tallies import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_index('ix_ballots_supervisor_quarter', table_name='ballots')
    op.drop_table('ballot_voters')
    op.drop_index('ix_ballot_tallies_street_quarter', table_name='ballot_tallies')
    op.drop_table('ballot_tallies')
