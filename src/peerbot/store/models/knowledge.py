"""Saved knowledge and the searches made over it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, TeamId, UserId, ChannelId, Ts


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
        # Items per topic (and whether a public one names it): the dashboard's Topics pages.
        Index("ix_knowledge_items_team_topic", "team_id", "topic_id", "is_public"),
        # The channels with items saved in a period, one index probe per channel: every dashboard page.
        Index("ix_knowledge_items_team_channel_created", "team_id", "channel_id", "created_at"),
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
