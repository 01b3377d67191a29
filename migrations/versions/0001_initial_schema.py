"""initial schema: the domain tables and the knowledge full-text index

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_processed_events'))
    )
    op.create_index(op.f('ix_processed_events_processed_at'), 'processed_events', ['processed_at'], unique=False)

    op.create_table('workspaces',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('bot_user_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_workspaces'))
    )
    op.create_table('conversations',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('privacy', sa.String(length=8), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_conversations_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'channel_id', name=op.f('pk_conversations'))
    )
    op.create_table('members',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('real_name', sa.String(length=255), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('is_owner', sa.Boolean(), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('away', sa.Boolean(), nullable=False),
    sa.Column('away_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_members_team_id_workspaces')),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_members'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_outbox_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('team_id', 'channel_id', 'kind', 'period', name=op.f('uq_outbox_team_id_channel_id_kind_period'))
    )
    op.create_index('ix_outbox_status_not_before', 'outbox', ['status', 'not_before'], unique=False)

    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_topics_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    sa.UniqueConstraint('team_id', 'name', name=op.f('uq_topics_team_id_name'))
    )
    op.create_table('expertise',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('declared', sa.Boolean(), nullable=False),
    sa.Column('earned', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_routed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id', 'user_id'], ['members.team_id', 'members.user_id'], name=op.f('fk_expertise_team_id_user_id_members')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_expertise_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', 'topic_id', name=op.f('pk_expertise'))
    )
    op.create_index('ix_expertise_topic', 'expertise', ['topic_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.Column('asker_id', sa.String(length=32), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_questions_team_id_workspaces')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_questions_topic_id_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('team_id', 'channel_id', 'message_ts', name=op.f('uq_questions_team_id_channel_id_message_ts')),
    sa.UniqueConstraint('team_id', 'request_key', name=op.f('uq_questions_team_id_request_key'))
    )
    op.create_index('ix_questions_team_status_created', 'questions', ['team_id', 'status', 'created_at'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('team_id', 'channel_id', 'message_ts', name=op.f('uq_answers_team_id_channel_id_message_ts'))
    )
    op.create_index('ix_answers_question', 'answers', ['question_id'], unique=False)
    op.create_index('ix_answers_team_author', 'answers', ['team_id', 'author_id'], unique=False)

    op.create_table('knowledge_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('saved_by', sa.String(length=32), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('permalink', sa.String(length=512), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_knowledge_items_question_id_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_knowledge_items_team_id_workspaces')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_knowledge_items_topic_id_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_items')),
    sa.UniqueConstraint('team_id', 'channel_id', 'message_ts', name=op.f('uq_knowledge_items_team_id_channel_id_message_ts'))
    )
    op.create_index('ix_knowledge_items_team_public_score', 'knowledge_items', ['team_id', 'is_public', 'score'], unique=False)

    op.create_table('question_votes',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_votes_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_question_votes'))
    )
    op.create_table('knowledge_saves',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_items.id'], name=op.f('fk_knowledge_saves_item_id_knowledge_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'user_id', name=op.f('pk_knowledge_saves'))
    )

    create_search_index()


def downgrade() -> None:
    drop_search_index()
    op.drop_table('knowledge_saves')
    op.drop_table('question_votes')
    op.drop_index('ix_knowledge_items_team_public_score', table_name='knowledge_items')
    op.drop_table('knowledge_items')
    op.drop_index('ix_answers_team_author', table_name='answers')
    op.drop_index('ix_answers_question', table_name='answers')
    op.drop_table('answers')
    op.drop_index('ix_questions_team_status_created', table_name='questions')
    op.drop_table('questions')
    op.drop_index('ix_expertise_topic', table_name='expertise')
    op.drop_table('expertise')
    op.drop_table('topics')
    op.drop_index('ix_outbox_status_not_before', table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('members')
    op.drop_table('conversations')
    op.drop_table('workspaces')
    op.drop_index(op.f('ix_processed_events_processed_at'), table_name='processed_events')
    op.drop_table('processed_events')


# Full-text search over knowledge items (see peerbot/store/search.py).
# SQLite: an external-content FTS5 table kept in sync by triggers.
# PostgreSQL: a generated tsvector column with a GIN index.
SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE knowledge_fts USING fts5(
        title, text, content='knowledge_items', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER knowledge_fts_ai AFTER INSERT ON knowledge_items BEGIN
        INSERT INTO knowledge_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER knowledge_fts_ad AFTER DELETE ON knowledge_items BEGIN
        INSERT INTO knowledge_fts(knowledge_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER knowledge_fts_au AFTER UPDATE OF title, text ON knowledge_items BEGIN
        INSERT INTO knowledge_fts(knowledge_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO knowledge_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]
POSTGRES_SEARCH = [
    """ALTER TABLE knowledge_items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(text, '')), 'B')) STORED""",
    "CREATE INDEX ix_knowledge_items_search ON knowledge_items USING gin (search_vector)",
]


def create_search_index() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRES_SEARCH}.get(dialect, []):
        op.execute(statement)


def drop_search_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("knowledge_fts_ai", "knowledge_fts_ad", "knowledge_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_knowledge_items_search")
        op.execute("ALTER TABLE knowledge_items DROP COLUMN IF EXISTS search_vector")
