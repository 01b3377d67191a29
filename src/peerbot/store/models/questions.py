"""Questions, their answers, and how they were routed to experts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerbot.store.models.base import Base, UTCDateTime, TeamId, UserId, ChannelId, Ts


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
