"""channel subscriptions (digest, prompts) with their settings, and prompt spotlights

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: nothing to batch-alter, so this runs as-is on SQLite.
    op.create_table('channel_settings',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('digest_on', sa.Boolean(), nullable=False),
    sa.Column('digest_by', sa.String(length=32), nullable=True),
    sa.Column('digest_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prompts_on', sa.Boolean(), nullable=False),
    sa.Column('prompts_by', sa.String(length=32), nullable=True),
    sa.Column('prompts_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('digest_day', sa.Integer(), nullable=False),
    sa.Column('digest_time', sa.String(length=5), nullable=False),
    sa.Column('prompt_time', sa.String(length=5), nullable=False),
    sa.Column('workdays', sa.String(length=16), nullable=False),
    sa.Column('save_emoji', sa.String(length=64), nullable=True),
    sa.Column('accept_emoji', sa.String(length=64), nullable=True),
    sa.Column('escalation_hours', sa.Integer(), nullable=True),
    sa.Column('stopped_reason', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_channel_settings_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'channel_id', name=op.f('pk_channel_settings'))
    )
    op.create_table('prompt_spotlights',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('expert_id', sa.String(length=32), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_spotlights_team_id_workspaces')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_prompt_spotlights_topic_id_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('team_id', 'channel_id', 'period', name=op.f('pk_prompt_spotlights'))
    )
    op.create_index('ix_prompt_spotlights_thread', 'prompt_spotlights', ['team_id', 'channel_id', 'thread_ts'], unique=False)
    op.create_index('ix_prompt_spotlights_expert', 'prompt_spotlights', ['team_id', 'expert_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_prompt_spotlights_expert', table_name='prompt_spotlights')
    op.drop_index('ix_prompt_spotlights_thread', table_name='prompt_spotlights')
    op.drop_table('prompt_spotlights')
    op.drop_table('channel_settings')
