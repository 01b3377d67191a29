"""expert routing: who was mentioned on which question, and routing rounds

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: nothing to batch-alter, so this runs as-is on SQLite.
    op.create_table('routing_steps',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('routed_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_routing_steps_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'step', name=op.f('pk_routing_steps'))
    )
    op.create_table('routings',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('routed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_routings_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_routings'))
    )
    op.create_index('ix_routings_team_user_routed', 'routings', ['team_id', 'user_id', 'routed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_routings_team_user_routed', table_name='routings')
    op.drop_table('routings')
    op.drop_table('routing_steps')
