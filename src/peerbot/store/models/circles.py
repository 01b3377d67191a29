"""Peer coaching circles (PROGRAMMES.md §5): rounds with a 7-day opt-in
window, the people who joined, the circles formed, attendance and the one
commitment each member records per session.

Exactly once by constraints: one open round per workspace (`open_key`), a
person joins a round once, a circle's session time is set once (a
conditional update), one attendance row and one commitment per member and
session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, ChannelId, Ts, UTCDateTime, UserId


class CircleRound(Base):
    __tablename__ = "circle_rounds"
    __table_args__ = (UniqueConstraint("team_id", "open_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    opened_by: Mapped[str] = mapped_column(UserId)
    status: Mapped[str] = mapped_column(String(16))  # open | formed | too_few
    open_key: Mapped[str | None] = mapped_column(String(32))  # the team while open, else NULL
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(ChannelId)  # the opt-in card in the home channel
    message_ts: Mapped[str | None] = mapped_column(Ts)


class CircleOptIn(Base):
    __tablename__ = "circle_opt_ins"

    round_id: Mapped[int] = mapped_column(ForeignKey("circle_rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Circle(Base):
    """A circle of 3-6: `members` (JSON) in facilitation order; the first
    member to set the time sets it for all six sessions."""

    __tablename__ = "circles"
    __table_args__ = (Index("ix_circles_team_round", "team_id", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("circle_rounds.id", ondelete="CASCADE"))
    members: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(ChannelId)  # the circle's group DM
    first_session_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_set_by: Mapped[str | None] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CircleAttendance(Base):
    """Marked by the session's facilitator."""

    __tablename__ = "circle_attendance"

    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # the session, 1..6
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    marked_by: Mapped[str] = mapped_column(UserId)


class CircleCommitment(Base):
    """One commitment per member and session, followed up at the next one."""

    __tablename__ = "circle_commitments"
    __table_args__ = (UniqueConstraint("circle_id", "number", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # the session, 1..6
    user_id: Mapped[str] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))  # done | partly | not_yet
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
