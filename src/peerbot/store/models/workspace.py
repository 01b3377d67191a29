"""Workspaces, members, conversations, topics and declared or earned expertise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, PUBLIC, TeamId, UserId, ChannelId


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
