"""mentoring (profiles, requests, mentorships, waitlist, surveys, cohorts) and coaching circles

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: nothing to batch-alter, so this runs as-is on SQLite.
    op.create_table('mentor_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('mentee_id', sa.String(length=32), nullable=False),
    sa.Column('mentor_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_key', sa.String(length=32), nullable=True),
    sa.Column('choice', sa.Integer(), nullable=False),
    sa.Column('queue', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sought_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rematch_of', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentor_requests_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_requests')),
    sa.UniqueConstraint('team_id', 'open_key', name=op.f('uq_mentor_requests_team_id_open_key'))
    )
    op.create_index('ix_mentor_requests_status_expires', 'mentor_requests', ['status', 'expires_at'], unique=False)
    op.create_table('mentoring_profiles',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('blocked', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentoring_profiles_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_mentoring_profiles'))
    )
    op.create_table('mentoring_waitlist',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('mentee_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentoring_waitlist_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'mentee_id', name=op.f('pk_mentoring_waitlist'))
    )
    op.create_table('mentorships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('mentor_id', sa.String(length=32), nullable=False),
    sa.Column('mentee_id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('mentor_slot', sa.Integer(), nullable=True),
    sa.Column('mentee_open', sa.String(length=32), nullable=True),
    sa.Column('sought_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extensions', sa.Integer(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('ended_by', sa.String(length=32), nullable=True),
    sa.Column('mentee_fit', sa.String(length=16), nullable=True),
    sa.Column('mentor_fit', sa.String(length=16), nullable=True),
    sa.Column('rematch_of', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentorships_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorships')),
    sa.UniqueConstraint('request_id', name=op.f('uq_mentorships_request_id')),
    sa.UniqueConstraint('team_id', 'mentee_open', name=op.f('uq_mentorships_team_id_mentee_open')),
    sa.UniqueConstraint('team_id', 'mentor_id', 'mentor_slot', name=op.f('uq_mentorships_team_id_mentor_id_mentor_slot'))
    )
    op.create_index('ix_mentorships_team_status', 'mentorships', ['team_id', 'status'], unique=False)
    op.create_table('mentoring_cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('admin_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_key', sa.String(length=32), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentoring_cohorts_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_cohorts')),
    sa.UniqueConstraint('team_id', 'open_key', name=op.f('uq_mentoring_cohorts_team_id_open_key'))
    )
    op.create_table('mentoring_surveys',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('would_recommend', sa.Boolean(), nullable=False),
    sa.Column('goals_achieved', sa.String(length=16), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_mentoring_surveys_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_mentoring_surveys_team_id_workspaces')),
    sa.PrimaryKeyConstraint('mentorship_id', 'user_id', name=op.f('pk_mentoring_surveys'))
    )

    # Coaching circles
    op.create_table('circle_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('opened_by', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_key', sa.String(length=32), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_circle_rounds_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_rounds')),
    sa.UniqueConstraint('team_id', 'open_key', name=op.f('uq_circle_rounds_team_id_open_key'))
    )
    op.create_table('circle_opt_ins',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['circle_rounds.id'], name=op.f('fk_circle_opt_ins_round_id_circle_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_circle_opt_ins_team_id_workspaces')),
    sa.PrimaryKeyConstraint('round_id', 'user_id', name=op.f('pk_circle_opt_ins'))
    )
    op.create_table('circles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('members', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('first_session_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('time_set_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['circle_rounds.id'], name=op.f('fk_circles_round_id_circle_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_circles_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circles'))
    )
    op.create_index('ix_circles_team_round', 'circles', ['team_id', 'round_id'], unique=False)
    op.create_table('circle_attendance',
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('marked_by', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_circle_attendance_circle_id_circles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('circle_id', 'number', 'user_id', name=op.f('pk_circle_attendance'))
    )
    op.create_table('circle_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_circle_commitments_circle_id_circles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_commitments')),
    sa.UniqueConstraint('circle_id', 'number', 'user_id', name=op.f('uq_circle_commitments_circle_id_number_user_id'))
    )

def downgrade() -> None:
    op.drop_table('circle_commitments')
    op.drop_table('circle_attendance')
    op.drop_index('ix_circles_team_round', table_name='circles')
    op.drop_table('circles')
    op.drop_table('circle_opt_ins')
    op.drop_table('circle_rounds')
    op.drop_table('mentoring_surveys')
    op.drop_table('mentoring_cohorts')
    op.drop_index('ix_mentorships_team_status', table_name='mentorships')
    op.drop_table('mentorships')
    op.drop_table('mentoring_waitlist')
    op.drop_table('mentoring_profiles')
    op.drop_index('ix_mentor_requests_status_expires', table_name='mentor_requests')
    op.drop_table('mentor_requests')
