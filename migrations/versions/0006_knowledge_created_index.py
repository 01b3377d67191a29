"""knowledge items: an index for "saved in the period" (digest, dashboard)

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_knowledge_items_team_created', 'knowledge_items', ['team_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_knowledge_items_team_created', table_name='knowledge_items')
