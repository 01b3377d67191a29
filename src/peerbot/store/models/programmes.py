"""Peer programmes: their home channels, members, buddy pairings and check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, UserId, ChannelId, Ts


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
    unanswered check-ins after "stay". `until`: a volunteer leaves the pool
    after this moment (`/buddy volunteer until DATE`)."""

    __tablename__ = "programme_members"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # buddy | hire
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused | left
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BlockedPair(Base):
    """Two people never matched or grouped by any programme ("don't pair me
    with X"). Stored once per pair: the smaller user id first (a check)."""

    __tablename__ = "blocked_pairs"
    __table_args__ = (CheckConstraint("user_a < user_b", name="ordered"),)

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    user_a: Mapped[str] = mapped_column(UserId, primary_key=True)
    user_b: Mapped[str] = mapped_column(UserId, primary_key=True)
    blocked_by: Mapped[str] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MatchRound(Base):
    """A matching round an admin previews before it is published (buddy
    suggestions, a mentoring cohort, a circle round): the proposal as JSON,
    published once (a conditional update)."""

    __tablename__ = "match_rounds"
    __table_args__ = (UniqueConstraint("team_id", "kind", "round_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    kind: Mapped[str] = mapped_column(String(16))
    round_key: Mapped[str] = mapped_column(String(64))  # e.g. p12 (one hire), 2026-03 (a cohort)
    admin_id: Mapped[str] = mapped_column(UserId)  # who previews and publishes
    proposal: Mapped[str] = mapped_column(Text)  # {"groups": [[ids]], "unplaced": {id: reason}}
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(UserId)


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
