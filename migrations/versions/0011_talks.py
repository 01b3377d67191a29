"""lunch-and-learn talks: talks, RSVPs and seats

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only. A seat is keyed (talk, seat number): the database, not the
    # code, keeps a talk from going over capacity.
    op.create_table('talks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('speaker_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('recording_allowed', sa.Boolean(), nullable=False),
    sa.Column('speaker_tz', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('card_ts', sa.String(length=32), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('recording_url', sa.String(length=3000), nullable=True),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_talks_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talks')),
    sa.UniqueConstraint('team_id', 'source_key', name=op.f('uq_talks_team_id_source_key')),
    sa.UniqueConstraint('token', name=op.f('uq_talks_token'))
    )
    op.create_index('ix_talks_team_status_start', 'talks', ['team_id', 'status', 'starts_at'], unique=False)
    op.create_table('talk_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('here_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_rsvps_talk_id_talks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_talk_rsvps_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_rsvps')),
    sa.UniqueConstraint('talk_id', 'user_id', name=op.f('uq_talk_rsvps_talk_id_user_id'))
    )
    op.create_index('ix_talk_rsvps_talk_answer', 'talk_rsvps', ['talk_id', 'answer', 'answered_at'], unique=False)
    op.create_table('talk_seats',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('seat_no', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_seats_talk_id_talks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_talk_seats_team_id_workspaces')),
    sa.PrimaryKeyConstraint('talk_id', 'seat_no', name=op.f('pk_talk_seats')),
    sa.UniqueConstraint('talk_id', 'user_id', name=op.f('uq_talk_seats_talk_id_user_id'))
    )
    op.create_table('talk_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_ratings_talk_id_talks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_talk_ratings_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_ratings')),
    sa.UniqueConstraint('talk_id', 'user_id', name=op.f('uq_talk_ratings_talk_id_user_id'))
    )
    op.create_table('talk_wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_quarter', sa.String(length=8), nullable=True),
    sa.Column('invited', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_talk_wishes_team_id_workspaces')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_talk_wishes_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_wishes')),
    sa.UniqueConstraint('team_id', 'topic_id', name=op.f('uq_talk_wishes_team_id_topic_id'))
    )
    op.create_table('talk_wish_votes',
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['wish_id'], ['talk_wishes.id'], name=op.f('fk_talk_wish_votes_wish_id_talk_wishes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('wish_id', 'user_id', name=op.f('pk_talk_wish_votes'))
    )


def downgrade() -> None:
    op.drop_table('talk_wish_votes')
    op.drop_table('talk_wishes')
    op.drop_table('talk_ratings')
    op.drop_table('talk_seats')
    op.drop_index('ix_talk_rsvps_talk_answer', table_name='talk_rsvps')
    op.drop_table('talk_rsvps')
    op.drop_index('ix_talks_team_status_start', table_name='talks')
    op.drop_table('talks')
