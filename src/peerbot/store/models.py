"""The domain schema. Every row carries `team_id`: nothing crosses workspaces.

Migrations in `migrations/` create this schema; tests check the two agree.
Slack identifiers are strings (`ts` included: never a float).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Conversation privacy, decided from conversations.info (never from the id).
PUBLIC, PRIVATE, IM, MPIM = "public", "private", "im", "mpim"


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


TeamId = String(32)
UserId = String(32)
ChannelId = String(32)
Ts = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str | None] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Member(Base):
    """A person in a workspace, as last read from users.info."""

    __tablename__ = "members"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Experts pause routing with `/experts away [until]`.
    away: Mapped[bool] = mapped_column(Boolean, default=False)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversation(Base):
    """A channel, DM or group DM with its privacy, cached from conversations.info."""

    __tablename__ = "conversations"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ChannelId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    privacy: Mapped[str] = mapped_column(String(8))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def is_public(self) -> bool:
        return self.privacy == PUBLIC


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Expertise(Base):
    """What a member knows: declared with /experts, earned by helping."""

    __tablename__ = "expertise"
    __table_args__ = (
        ForeignKeyConstraint(["team_id", "user_id"], ["members.team_id", "members.user_id"]),
        Index("ix_expertise_topic", "topic_id"),
    )

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    declared: Mapped[bool] = mapped_column(Boolean, default=False)
    earned: Mapped[int] = mapped_column(Integer, default=0)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        # The question card in Slack: one question per posted card.
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        # One question per submission, however often "post anyway" is clicked.
        UniqueConstraint("team_id", "request_key"),
        Index("ix_questions_team_status_created", "team_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    channel_id: Mapped[str] = mapped_column(ChannelId)
    message_ts: Mapped[str | None] = mapped_column(Ts)
    request_key: Mapped[str | None] = mapped_column(String(64))
    asker_id: Mapped[str] = mapped_column(UserId)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | posting | open | answered | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list["Answer"]] = relationship(back_populates="question", order_by="Answer.id")


class QuestionVote(Base):
    """"I have this question too": once per person."""

    __tablename__ = "question_votes"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Answer(Base):
    """A reply in a question card's thread."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_answers_question", "question_id"),
        Index("ix_answers_team_author", "team_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(ChannelId)
    message_ts: Mapped[str] = mapped_column(Ts)
    author_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(back_populates="answers")


class RoutingStep(Base):
    """One round of routing a question to experts: step 0 when it is posted,
    1, 2, ... for each escalation. Claimed once (the primary key) before
    anyone is mentioned, so retries, replicas and repeated job runs act once."""

    __tablename__ = "routing_steps"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    routed_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Routing(Base):
    """An expert was mentioned on a question: once per person per question."""

    __tablename__ = "routings"
    __table_args__ = (Index("ix_routings_team_user_routed", "team_id", "user_id", "routed_at"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    step: Mapped[int] = mapped_column(Integer)
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeItem(Base):
    """A saved message, accepted answer or tip. Searchable through the
    database's full-text index (see store/search.py and the migrations)."""

    __tablename__ = "knowledge_items"
    __table_args__ = (
        # A Slack message is saved once, however many people bookmark it.
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_knowledge_items_team_public_score", "team_id", "is_public", "score"),
        # "Items saved in the period": the digest's week, the dashboard's counts.
        Index("ix_knowledge_items_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    channel_id: Mapped[str] = mapped_column(ChannelId)
    message_ts: Mapped[str] = mapped_column(Ts)
    # Copied from the conversation's privacy so search can filter in the index.
    is_public: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16))  # message | answer | tip
    title: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(UserId)
    saved_by: Mapped[str] = mapped_column(UserId)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    permalink: Mapped[str | None] = mapped_column(String(512))
    score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeSave(Base):
    """Who saved an item and how; the count drives the item's score."""

    __tablename__ = "knowledge_saves"

    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    via: Mapped[str] = mapped_column(String(16))  # reaction | shortcut | tip | accept
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Event ids already handled: Slack's retries are acknowledged and ignored."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutboxPost(Base):
    """A scheduled post, claimed once by its key (workspace, channel, kind, period)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "kind", "period"),
        Index("ix_outbox_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    channel_id: Mapped[str] = mapped_column(ChannelId)
    kind: Mapped[str] = mapped_column(String(32))  # digest | prompt | ...
    period: Mapped[str] = mapped_column(String(32))  # e.g. 2026-W49, 2026-12-02
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | posted | failed
    payload: Mapped[str] = mapped_column(Text, default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(Ts)
    last_error: Mapped[str | None] = mapped_column(String(255))


class KbSearch(Base):
    """One `/kb` search, for the dashboard's "searches and the share that found
    something". The query text is not kept: only its topic (if it named a known
    one) and how many items it found. `user_id` is never shown; it only counts
    distinct people for the small-group rule."""

    __tablename__ = "kb_searches"
    __table_args__ = (Index("ix_kb_searches_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(ChannelId)
    user_id: Mapped[str] = mapped_column(UserId)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    results: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DashboardGrant(Base):
    """A member an admin allowed into the dashboard (`/peerbot dashboard grant @user`)."""

    __tablename__ = "dashboard_grants"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    granted_by: Mapped[str] = mapped_column(UserId)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DashboardLogin(Base):
    """A one-time login link. Only the SHA-256 of its token is stored."""

    __tablename__ = "dashboard_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    role: Mapped[str] = mapped_column(String(16))  # owner | admin | granted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DashboardSession(Base):
    """A dashboard session (the cookie holds the token; only its SHA-256 is stored)."""

    __tablename__ = "dashboard_sessions"
    __table_args__ = (Index("ix_dashboard_sessions_team_user", "team_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChannelSettings(Base):
    """A channel's subscriptions (weekly digest, daily prompts) and its own
    schedule. Empty time zone: PEERBOT_TIMEZONE. Who subscribed may change
    the settings (as may workspace admins) and is told if posting stops."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ChannelId, primary_key=True)
    digest_on: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_by: Mapped[str | None] = mapped_column(UserId)
    digest_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prompts_on: Mapped[bool] = mapped_column(Boolean, default=False)
    prompts_by: Mapped[str | None] = mapped_column(UserId)
    prompts_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_day: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00")
    prompt_time: Mapped[str] = mapped_column(String(5), default="10:00")
    workdays: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")
    save_emoji: Mapped[str | None] = mapped_column(String(64))
    accept_emoji: Mapped[str | None] = mapped_column(String(64))
    escalation_hours: Mapped[int | None] = mapped_column(Integer)
    # Why posting stopped by itself (a Slack error such as channel_not_found).
    stopped_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PromptSpotlight(Base):
    """The expert a channel's daily prompt spotlights, once per local day
    (the outbox period), and the prompt's thread once it is posted: questions
    asked in that thread go to this expert first."""

    __tablename__ = "prompt_spotlights"
    __table_args__ = (
        Index("ix_prompt_spotlights_thread", "team_id", "channel_id", "thread_ts"),
        Index("ix_prompt_spotlights_expert", "team_id", "expert_id", "created_at"),
    )

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ChannelId, primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    expert_id: Mapped[str | None] = mapped_column(UserId)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    thread_ts: Mapped[str | None] = mapped_column(Ts)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- programmes (PROGRAMMES.md): buddies now; mentoring and circles on the same blocks -------------


class Programme(Base):
    """A programme's home channel and settings (JSON), per workspace and kind.
    Whoever switched it on may change its settings, as may workspace admins."""

    __tablename__ = "programmes"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # buddies | mentoring | circles
    channel_id: Mapped[str | None] = mapped_column(ChannelId)
    is_on: Mapped[bool] = mapped_column(Boolean, default=False)
    switched_on_by: Mapped[str | None] = mapped_column(UserId)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgrammeMember(Base):
    """Someone in a programme in a role (buddy volunteer, hire, ...): active,
    paused (until a date) or left. `resumed_at` restarts the count of
    unanswered check-ins after "stay"."""

    __tablename__ = "programme_members"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # buddy | hire
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused | left
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BuddyPairing(Base):
    """A new hire in the buddy programme: one per hire. The buddy is set once
    (a conditional update), by the manager's pick or the automatic one."""

    __tablename__ = "buddy_pairings"
    __table_args__ = (
        UniqueConstraint("team_id", "hire_id"),
        Index("ix_buddy_pairings_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    hire_id: Mapped[str] = mapped_column(UserId)
    manager_id: Mapped[str | None] = mapped_column(UserId)
    enrolled_by: Mapped[str] = mapped_column(UserId)
    start_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, the hire's local date
    tz: Mapped[str] = mapped_column(String(64))  # the hire's IANA zone
    buddy_id: Mapped[str | None] = mapped_column(UserId)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | ended | cancelled
    suggestions: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of user ids, best first
    suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_how: Mapped[str | None] = mapped_column(String(16))  # picked | auto
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckIn(Base):
    """One check-in question to one person about one pairing or group, once
    per step (the unique key). Ratings and comments are never shown per person."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject_id", "user_id", "step"),
        Index("ix_checkins_team_user", "team_id", "user_id", "asked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    kind: Mapped[str] = mapped_column(String(16))  # buddies | mentoring | circles
    subject_id: Mapped[int] = mapped_column(Integer)  # the pairing or group
    user_id: Mapped[str] = mapped_column(UserId)
    step: Mapped[str] = mapped_column(String(16))  # e.g. d7, d30
    due_date: Mapped[str] = mapped_column(String(10))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(16))  # met | not_yet | skip
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a meeting was reported
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5 "useful?"
    comment: Mapped[str | None] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(ChannelId)
    message_ts: Mapped[str | None] = mapped_column(Ts)
