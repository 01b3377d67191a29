"""onboarding buddies, the rest of issue 10: volunteer until, blocked pairs, previewed rounds

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programme_members') as batch:
        batch.add_column(sa.Column('until', sa.DateTime(timezone=True), nullable=True))
    op.create_table('blocked_pairs',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_a', sa.String(length=32), nullable=False),
    sa.Column('user_b', sa.String(length=32), nullable=False),
    sa.Column('blocked_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('user_a < user_b', name=op.f('ck_blocked_pairs_ordered')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_blocked_pairs_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'user_a', 'user_b', name=op.f('pk_blocked_pairs'))
    )
    op.create_table('match_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('round_key', sa.String(length=64), nullable=False),
    sa.Column('admin_id', sa.String(length=32), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_match_rounds_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_rounds')),
    sa.UniqueConstraint('team_id', 'kind', 'round_key', name=op.f('uq_match_rounds_team_id_kind_round_key'))
    )


def downgrade() -> None:
    op.drop_table('match_rounds')
    op.drop_table('blocked_pairs')
    with op.batch_alter_table('programme_members') as batch:
        batch.drop_column('until')
