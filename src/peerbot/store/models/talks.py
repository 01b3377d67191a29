"""Lunch-and-learn talks (PROGRAMMES.md §6): the talk, each person's RSVP,
and the seats.

Capacity is the database's job: a seat is a row keyed (talk, seat number)
with numbers 1..capacity, and one seat per person (unique). Two people
taking the last seat at the same moment both try to insert the same key;
one insert wins, the other is waitlisted. A seat freed while people wait is
held for the next one (`offered_until`) instead of going back to the pool."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, ChannelId, Ts, UTCDateTime, UserId


class Talk(Base):
    __tablename__ = "talks"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        UniqueConstraint("token"),
        Index("ix_talks_team_status_start", "team_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    speaker_id: Mapped[str] = mapped_column(UserId)
    title: Mapped[str] = mapped_column(String(150))
    abstract: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))  # lightning | short | long
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(500))  # a room, or a link to join
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    recording_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    speaker_tz: Mapped[str | None] = mapped_column(String(64))  # shown to the organisers
    status: Mapped[str] = mapped_column(String(16))  # proposed | accepted | declined | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(UserId)
    channel_id: Mapped[str | None] = mapped_column(ChannelId)  # the card, once accepted
    card_ts: Mapped[str | None] = mapped_column(Ts)
    token: Mapped[str] = mapped_column(String(64))  # the unguessable part of the .ics address
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE: bumped on every change
    recording_url: Mapped[str | None] = mapped_column(String(3000))  # the recording or slides, added afterwards
    source_key: Mapped[str] = mapped_column(String(64))  # the submitted modal's view id: one talk per submit


class TalkRsvp(Base):
    """One person's answer: going (with a seat, or waitlisted while full),
    maybe, can't, or lapsed (a held seat they did not take in time)."""

    __tablename__ = "talk_rsvps"
    __table_args__ = (
        UniqueConstraint("talk_id", "user_id"),
        Index("ix_talk_rsvps_talk_answer", "talk_id", "answer", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(UserId)
    answer: Mapped[str] = mapped_column(String(16))  # going | waitlist | maybe | cant | lapsed | walk-in
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the waitlist's order
    here_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # clicked "I'm here"


class TalkSeat(Base):
    """A seat, numbered 1..capacity, held by one person; `offered_until` is
    set while it waits for a waitlisted person to take it."""

    __tablename__ = "talk_seats"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True)
    seat_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    user_id: Mapped[str] = mapped_column(UserId)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TalkRating(Base):
    """An attendee's 1-5 and optional comment; one per person. The speaker
    sees them only together, without names, once 3 exist."""

    __tablename__ = "talk_ratings"
    __table_args__ = (UniqueConstraint("talk_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(UserId)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TalkWish(Base):
    """A topic people want a talk on. `invited_quarter` and `invited` record
    the experts asked to give it (once per topic per quarter), so a job run
    twice, or on two replicas, asks the same people once."""

    __tablename__ = "talk_wishes"
    __table_args__ = (UniqueConstraint("team_id", "topic_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_quarter: Mapped[str | None] = mapped_column(String(8))  # e.g. 2026Q1
    invited: Mapped[str | None] = mapped_column(String(200))  # user ids, comma-separated


class TalkWishVote(Base):
    __tablename__ = "talk_wish_votes"

    wish_id: Mapped[int] = mapped_column(ForeignKey("talk_wishes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
