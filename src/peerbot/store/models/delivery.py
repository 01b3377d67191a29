"""Exactly-once plumbing: processed Slack events and the outbox of scheduled posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, TeamId, ChannelId, Ts


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
