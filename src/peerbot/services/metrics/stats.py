"""`/peerbot stats`: a channel's (or the workspace's) questions of the last N days, with the
same definitions as the dashboard's overview."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbot.services.experts import Gap, knowledge_gaps
from peerbot.services.metrics.common import DEFAULT_PERIOD, question_where
from peerbot.services.metrics.questions import Helper, helpers_of, question_facts
from peerbot.store.models import Question


@dataclass(frozen=True)
class Stats:
    since: datetime
    until: datetime
    channel_id: str | None  # None: the whole workspace
    asked: int
    answered: int  # at least one answer from someone other than the asker
    accepted: int
    unanswered: int  # still open with no answer
    median_first_answer: timedelta | None
    median_accepted: timedelta | None
    helpers: list[Helper] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def _median_delta(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values)) if values else None


def compute(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD,
            channel_id: str | None = None, nameable_channels: set[str] | None = None,
            helpers: int = 5) -> Stats:
    """The `/peerbot stats` numbers: questions posted in [now - period, now],
    in one channel or the workspace."""
    since = now - period
    channels = None if channel_id is None else [channel_id]
    facts = question_facts(session, team_id, since=since, until=now, channels=channels)
    return Stats(
        since=since,
        until=now,
        channel_id=channel_id,
        asked=len(facts),
        answered=sum(1 for f in facts if f.first_answer_at is not None),
        accepted=sum(1 for f in facts if f.accepted_at is not None),
        unanswered=sum(1 for f in facts if f.unanswered),
        median_first_answer=_median_delta([f.first_answer_at - f.created_at for f in facts if f.first_answer_at]),
        median_accepted=_median_delta([f.accepted_at - f.created_at for f in facts if f.accepted_at]),
        helpers=helpers_of(session, question_where(team_id, since, now, channels))[:helpers],
        gaps=knowledge_gaps(session, team_id, since=since, now=now, nameable_channels=nameable_channels),
    )


def channels_asked_in(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD) -> list[str]:
    """Channels with questions in the period (the caller decides which are public)."""
    return list(session.scalars(
        select(Question.channel_id).where(Question.team_id == team_id, Question.created_at >= now - period,
                                          Question.topic_id.is_not(None))
        .group_by(Question.channel_id).order_by(func.min(Question.created_at)).limit(200)
    ))
