"""peer feedback requests and answers

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only. feedback_answers has no rowid on SQLite: its physical
    # order must not tell in which order anonymous answers arrived.
    op.create_table('feedback_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('requester_id', sa.String(length=32), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=3000), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'],
                            name=op.f('fk_feedback_requests_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_requests')),
    sa.UniqueConstraint('team_id', 'source_key', name=op.f('uq_feedback_requests_team_id_source_key'))
    )
    op.create_index('ix_feedback_requests_requester', 'feedback_requests',
                    ['team_id', 'requester_id', 'created_at'], unique=False)
    op.create_table('feedback_asks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dm_channel', sa.String(length=32), nullable=True),
    sa.Column('dm_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['feedback_requests.id'],
                            name=op.f('fk_feedback_asks_request_id_feedback_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_feedback_asks_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_asks')),
    sa.UniqueConstraint('request_id', 'user_id', name=op.f('uq_feedback_asks_request_id_user_id'))
    )
    op.create_index('ix_feedback_asks_team_user', 'feedback_asks', ['team_id', 'user_id', 'status'], unique=False)
    op.create_table('feedback_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('released_on', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['feedback_requests.id'],
                            name=op.f('fk_feedback_answers_request_id_feedback_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'],
                            name=op.f('fk_feedback_answers_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    sa.UniqueConstraint('request_id', 'giver_id', name=op.f('uq_feedback_answers_request_id_giver_id')),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_feedback_answers_request', 'feedback_answers', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feedback_answers_request', table_name='feedback_answers')
    op.drop_table('feedback_answers')
    op.drop_index('ix_feedback_asks_team_user', table_name='feedback_asks')
    op.drop_table('feedback_asks')
    op.drop_index('ix_feedback_requests_requester', table_name='feedback_requests')
    op.drop_table('feedback_requests')
