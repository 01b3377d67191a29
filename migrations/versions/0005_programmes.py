"""programmes: homes and settings, members, buddy pairings, check-ins

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: nothing to batch-alter, so this runs as-is on SQLite.
    op.create_table('programmes',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('is_on', sa.Boolean(), nullable=False),
    sa.Column('switched_on_by', sa.String(length=32), nullable=True),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_programmes_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'kind', name=op.f('pk_programmes'))
    )
    op.create_table('programme_members',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'],
                            name=op.f('fk_programme_members_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'kind', 'user_id', 'role', name=op.f('pk_programme_members'))
    )
    op.create_table('buddy_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('hire_id', sa.String(length=32), nullable=False),
    sa.Column('manager_id', sa.String(length=32), nullable=True),
    sa.Column('enrolled_by', sa.String(length=32), nullable=False),
    sa.Column('start_date', sa.String(length=10), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('buddy_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.Column('suggested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_how', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_buddy_pairings_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buddy_pairings')),
    sa.UniqueConstraint('team_id', 'hire_id', name=op.f('uq_buddy_pairings_team_id_hire_id'))
    )
    op.create_index('ix_buddy_pairings_team_status', 'buddy_pairings', ['team_id', 'status'], unique=False)
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.String(length=10), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_checkins_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('team_id', 'kind', 'subject_id', 'user_id', 'step',
                        name=op.f('uq_checkins_team_id_kind_subject_id_user_id_step'))
    )
    op.create_index('ix_checkins_team_user', 'checkins', ['team_id', 'user_id', 'asked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_checkins_team_user', table_name='checkins')
    op.drop_table('checkins')
    op.drop_index('ix_buddy_pairings_team_status', table_name='buddy_pairings')
    op.drop_table('buddy_pairings')
    op.drop_table('programme_members')
    op.drop_table('programmes')
