"""The numbers behind `/peerbot stats`: is peer learning happening?

Numbers may count private activity; nothing here returns text, titles or
links from a conversation (helpers are user ids, gaps are topic names that
pass the knowledge-gap privacy rule).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbot.services.experts import Gap, knowledge_gaps
from peerbot.store.models import Answer, Question

DEFAULT_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class Helper:
    user_id: str
    accepted: int
    answers: int


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


def parse_period(word: str) -> timedelta | None:
    """`7d` → 7 days, `4w` → 28 days; None for anything else (1 to 365 days)."""
    word = word.strip().lower()
    if len(word) < 2 or not word[:-1].isdigit() or word[-1] not in "dw":
        return None
    days = int(word[:-1]) * (7 if word[-1] == "w" else 1)
    return timedelta(days=days) if 1 <= days <= 365 else None


def _median(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values)) if values else None


def compute(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD,
            channel_id: str | None = None, nameable_channels: set[str] | None = None,
            helpers: int = 5) -> Stats:
    """Questions posted in [now - period, now], in one channel or the workspace."""
    since = now - period
    where = [Question.team_id == team_id, Question.message_ts.is_not(None),
             Question.created_at >= since, Question.created_at <= now]
    if channel_id is not None:
        where.append(Question.channel_id == channel_id)
    asked = session.execute(select(Question.id, Question.created_at, Question.status).where(*where)).all()
    ids = [q for q, _, _ in asked]
    firsts: dict[int, datetime] = {}
    accepted_at: dict[int, datetime] = {}
    counts: dict[str, list[int]] = {}
    if ids:
        rows = session.execute(
            select(Answer.question_id, Answer.author_id, Answer.created_at, Answer.accepted_at)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.question_id.in_(ids), Answer.author_id != Question.asker_id)
        ).all()
        for question_id, author_id, created_at, accepted in rows:
            if question_id not in firsts or created_at < firsts[question_id]:
                firsts[question_id] = created_at
            if accepted is not None:
                accepted_at[question_id] = accepted
            tally = counts.setdefault(author_id, [0, 0])
            tally[1] += 1
            tally[0] += accepted is not None
    created = {q: c for q, c, _ in asked}
    top = sorted((Helper(u, a, n) for u, (a, n) in counts.items()), key=lambda h: (-h.accepted, -h.answers, h.user_id))
    return Stats(
        since=since,
        until=now,
        channel_id=channel_id,
        asked=len(asked),
        answered=len(firsts),
        accepted=len(accepted_at),
        unanswered=sum(1 for q, _, status in asked if status == "open" and q not in firsts),
        median_first_answer=_median([firsts[q] - created[q] for q in firsts]),
        median_accepted=_median([accepted_at[q] - created[q] for q in accepted_at]),
        helpers=top[:helpers],
        gaps=knowledge_gaps(session, team_id, since=since, now=now, nameable_channels=nameable_channels),
    )


def channels_asked_in(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD) -> list[str]:
    """Channels with questions in the period (the caller decides which are public)."""
    return list(session.scalars(
        select(Question.channel_id).where(Question.team_id == team_id, Question.created_at >= now - period,
                                          Question.topic_id.is_not(None))
        .group_by(Question.channel_id).order_by(func.min(Question.created_at)).limit(200)
    ))
