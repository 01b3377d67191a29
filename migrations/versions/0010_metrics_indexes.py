"""knowledge items: indexes for the dashboard: items per topic (Topics pages) and the channels with
items saved in a period (every page's channel filter)

Revision ID: 0010
Revises: 0009
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_knowledge_items_team_topic', 'knowledge_items', ['team_id', 'topic_id', 'is_public'],
                    unique=False)
    op.create_index('ix_knowledge_items_team_channel_created', 'knowledge_items',
                    ['team_id', 'channel_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_knowledge_items_team_channel_created', table_name='knowledge_items')
    op.drop_index('ix_knowledge_items_team_topic', table_name='knowledge_items')
