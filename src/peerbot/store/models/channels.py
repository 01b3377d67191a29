"""Per-channel settings: digests, prompts and their spotlights."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, UserId, ChannelId, Ts


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
