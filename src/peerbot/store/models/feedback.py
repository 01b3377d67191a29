"""Peer feedback (PROGRAMMES.md §7): requests, the people asked, and answers.

An anonymous answer must never be linkable to its giver from anything stored:
its row has no giver, a random id, and no time finer than a day; the ask row
of the giver notes only that they answered (no time). On SQLite the answers
table has no rowid, so not even the physical insertion order survives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, ChannelId, Ts, UTCDateTime, UserId


class FeedbackRequest(Base):
    """One person's request for feedback. Deleting it removes the answers and
    the question; the row stays, emptied, so the measures keep their counts."""

    __tablename__ = "feedback_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        Index("ix_feedback_requests_requester", "team_id", "requester_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    requester_id: Mapped[str] = mapped_column(UserId)
    question: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(3000))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | expired | deleted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # expired or deleted
    source_key: Mapped[str] = mapped_column(String(64))  # the submitted modal's view id: one request per submit


class FeedbackAsk(Base):
    """One person asked by a request. For anonymous requests this row only
    says *whether* they answered (for reminders and to refuse a second
    answer), never when: `responded_at` is kept for named answers and
    declines only."""

    __tablename__ = "feedback_asks"
    __table_args__ = (
        UniqueConstraint("request_id", "user_id"),
        Index("ix_feedback_asks_team_user", "team_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_requests.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(UserId)
    status: Mapped[str] = mapped_column(String(16), default="asked")  # asked | answered | declined
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "Remind me tomorrow"
    dm_channel: Mapped[str | None] = mapped_column(ChannelId)  # where the ask was posted, to update it
    dm_ts: Mapped[str | None] = mapped_column(Ts)


class FeedbackAnswer(Base):
    """An answer. `giver_id` is set for named requests only (unique per
    request: a double click cannot store two); anonymous answers have none.
    `released_on` (a date, never a time) is set when the requester gets it."""

    __tablename__ = "feedback_answers"
    __table_args__ = (
        UniqueConstraint("request_id", "giver_id"),
        Index("ix_feedback_answers_request", "request_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, never sequential
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_requests.id", ondelete="CASCADE"))
    giver_id: Mapped[str | None] = mapped_column(UserId)
    text: Mapped[str] = mapped_column(Text)
    released_on: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD (UTC)
