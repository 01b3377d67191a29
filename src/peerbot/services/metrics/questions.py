"""The facts every question figure is made of, read with one SQL aggregate per page: when each
question was asked, answered first and accepted; who helped; and working hours between moments."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from peerbot.services.metrics.common import question_where
from peerbot.services.worktime import DAY_END, DAY_START, WORKDAYS
from peerbot.store.models import Answer, Question


class QuestionFact(NamedTuple):  # a tuple: pages read thousands of them
    id: int
    status: str
    created_at: datetime
    first_answer_at: datetime | None  # the first reply by someone other than the asker
    accepted_at: datetime | None

    @property
    def unanswered(self) -> bool:
        return self.status == "open" and self.first_answer_at is None


def question_facts(session: Session, team_id: str, *, since: datetime, until: datetime,
                   channels: Iterable[str] | None = None) -> list[QuestionFact]:
    """Questions posted in [since, until] (in `channels`, or anywhere), each with its first
    answer and its acceptance (one accepted answer per question at most)."""
    where = question_where(team_id, since, until, None if channels is None else list(channels))
    others = and_(Answer.question_id == Question.id, Answer.author_id != Question.asker_id)
    rows = session.connection().execute(  # Core rows: no ORM loading for thousands of plain tuples
        select(Question.id, Question.status, Question.created_at, func.min(Answer.created_at),
               func.min(Answer.accepted_at))
        .select_from(Question).outerjoin(Answer, others).where(*where).group_by(Question.id))
    return [QuestionFact._make(row) for row in rows]


@dataclass(frozen=True)
class Helper:
    user_id: str
    accepted: int
    answers: int


def helpers_of(session: Session, where: list) -> list[Helper]:
    """Who answered the questions `where` selects (others' questions only), most accepted first."""
    rows = session.execute(
        select(Answer.author_id, func.count(Answer.accepted_at), func.count())
        .select_from(Question).join(Answer, Answer.question_id == Question.id)
        .where(*where, Answer.author_id != Question.asker_id).group_by(Answer.author_id))
    return sorted((Helper(*row) for row in rows), key=lambda h: (-h.accepted, -h.answers, h.user_id))


class WorkingClock:
    """`worktime.working_hours_between` for many moments in one time zone: W(b) - W(a), where
    W(t) is the working time from a fixed day up to t. Each local day's working window is worked
    out once, so a moment costs a lookup instead of a walk over the days between two moments.
    Exact: the same windows as worktime, summed in whole microseconds."""

    def __init__(self, tz: str):
        self.zone = ZoneInfo(tz)
        # Consecutive local days, each as microseconds since the epoch: its midnight, its working
        # window (empty on days off), and W at its start.
        self._first: date | None = None
        self._midnights: list[int] = []
        self._days: list[tuple[int, int, int]] = []  # (W at midnight, window open, window close)

    def hours_between(self, start: datetime, end: datetime) -> float:
        return max(self._elapsed(end) - self._elapsed(start), 0) / 10**6 / 3600  # as timedelta.total_seconds()

    def _elapsed(self, moment: datetime) -> int:
        at = (moment - _EPOCH) // _MICROSECOND
        if not self._midnights or not self._midnights[0] <= at < self._midnights[-1]:
            self._cover(moment.astimezone(self.zone).date())
        base, open_, close = self._days[bisect_right(self._midnights, at) - 1]
        return base + min(max(at, open_), close) - open_

    def _cover(self, day: date) -> None:
        """Work out the days from `day - 1` to `day + 1` and everything between them and the days
        already known (the last midnight known closes the last day)."""
        first = min(day, self._first or day) - timedelta(days=1)
        last = max(day, self._first + timedelta(days=len(self._days) - 1) if self._first else day) + timedelta(days=1)
        known = {self._first + timedelta(days=n): w for n, w in enumerate(self._days)} if self._first else {}
        shift = known[self._first][0] if known else 0  # keep W where it was: nothing is cached outside
        midnights, days, w = [], [], 0
        for n in range((last - first).days + 1):
            current = first + timedelta(days=n)
            midnight = _micro(datetime.combine(current, time(0), tzinfo=self.zone))
            open_ = _micro(datetime.combine(current, DAY_START, tzinfo=self.zone))
            close = _micro(datetime.combine(current, DAY_END, tzinfo=self.zone)) if current.weekday() in WORKDAYS \
                else open_
            midnights.append(midnight)
            days.append((w, open_, close))
            w += close - open_
        if known:  # W only needs to be consistent within this clock: re-base on the old first day
            offset = shift - days[(self._first - first).days][0]
            days = [(base + offset, o, c) for base, o, c in days]
        midnights.append(_micro(datetime.combine(last + timedelta(days=1), time(0), tzinfo=self.zone)))
        self._first, self._midnights, self._days = first, midnights, days


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _micro(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND
