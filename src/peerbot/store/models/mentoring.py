"""Peer mentoring (PROGRAMMES.md §4): profiles, requests, mentorships, the
waitlist and the end survey. Roles (mentor, mentee) and their status live in
`programme_members`; check-ins in `checkins` (kind "mentoring").

Exactly once by constraints: a mentee has at most one pending request
(`open_key`) and one active mentorship (`mentee_open`); a mentor's active
mentorships each hold a numbered slot (`mentor_slot`, unique per mentor), so
two accepts racing for the last slot cannot both win; a request makes at
most one mentorship (`request_id`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, ChannelId, Ts, UTCDateTime, UserId


class MentoringProfile(Base):
    """What someone enrolled with: topics, goals (mentees), capacity (mentors),
    people not to be matched with. JSON lists in text columns."""

    __tablename__ = "mentoring_profiles"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    topics: Mapped[str] = mapped_column(Text, default="[]")
    goals: Mapped[str] = mapped_column(Text, default="[]")
    capacity: Mapped[int] = mapped_column(Integer, default=2)
    blocked: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentorRequest(Base):
    """A mentee asks one mentor; the mentor has until `expires_at` to answer.
    `queue` holds the mentee's next choices (JSON), asked in turn on a
    decline or expiry. `sought_at` is when the mentee started looking."""

    __tablename__ = "mentor_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "open_key"),
        Index("ix_mentor_requests_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    mentee_id: Mapped[str] = mapped_column(UserId)
    mentor_id: Mapped[str] = mapped_column(UserId)
    status: Mapped[str] = mapped_column(String(16))  # pending | accepted | declined | expired
    open_key: Mapped[str | None] = mapped_column(UserId)  # the mentee while pending, else NULL
    choice: Mapped[int] = mapped_column(Integer, default=1)  # 1 = the mentee's first choice
    queue: Mapped[str] = mapped_column(Text, default="[]")
    reason: Mapped[str] = mapped_column(String(255), default="")  # why this mentor was suggested
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sought_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rematch_of: Mapped[int | None] = mapped_column(Integer)
    channel_id: Mapped[str | None] = mapped_column(ChannelId)  # the mentor's DM with the request
    message_ts: Mapped[str | None] = mapped_column(Ts)


class Mentorship(Base):
    """An accepted mentor-mentee pair: 3 months by default, extendable."""

    __tablename__ = "mentorships"
    __table_args__ = (
        UniqueConstraint("request_id"),
        UniqueConstraint("team_id", "mentee_open"),
        UniqueConstraint("team_id", "mentor_id", "mentor_slot"),
        Index("ix_mentorships_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    mentor_id: Mapped[str] = mapped_column(UserId)
    mentee_id: Mapped[str] = mapped_column(UserId)
    request_id: Mapped[int | None] = mapped_column(Integer)
    goals: Mapped[str] = mapped_column(Text, default="[]")  # the mentee's goals at the start (JSON)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | ended
    mentor_slot: Mapped[int | None] = mapped_column(Integer)  # 1..capacity while active
    mentee_open: Mapped[str | None] = mapped_column(UserId)  # the mentee while active
    sought_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the mentee started looking
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # completed | ended_early | not_a_fit
    ended_by: Mapped[str | None] = mapped_column(UserId)
    mentee_fit: Mapped[str | None] = mapped_column(String(16))  # good | deciding | not_a_fit
    mentor_fit: Mapped[str | None] = mapped_column(String(16))
    rematch_of: Mapped[int | None] = mapped_column(Integer)  # the mentorship this one replaced
    channel_id: Mapped[str | None] = mapped_column(ChannelId)  # the kick-off group DM


class MentoringWaitlist(Base):
    """A mentee nobody could take yet. `joined_at` keeps their place in the
    queue while a request from the waitlist is out."""

    __tablename__ = "mentoring_waitlist"

    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), primary_key=True)
    mentee_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # waiting | asked | matched | left
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentoringSurvey(Base):
    """The end survey, once per person per mentorship. Never shown per person."""

    __tablename__ = "mentoring_surveys"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    rating: Mapped[int] = mapped_column(Integer)  # 1-5
    would_recommend: Mapped[bool] = mapped_column(Boolean)
    goals_achieved: Mapped[str | None] = mapped_column(String(16))  # yes | partly | no (mentees)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentoringCohort(Base):
    """The cohort option: a registration window, then one whole-pool run that
    the admin previews and publishes (a `match_rounds` row, kind mentoring).
    One open cohort per workspace at a time (`open_key`)."""

    __tablename__ = "mentoring_cohorts"
    __table_args__ = (UniqueConstraint("team_id", "open_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    admin_id: Mapped[str] = mapped_column(UserId)  # who opened it: previews and publishes
    status: Mapped[str] = mapped_column(String(16))  # open | proposed | published
    open_key: Mapped[str | None] = mapped_column(String(32))  # the team while not published, else NULL
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    round_id: Mapped[int | None] = mapped_column(Integer)
