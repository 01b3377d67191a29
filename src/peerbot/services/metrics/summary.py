"""The overview (`/dashboard`): a period's questions, items and searches, and their weekly trend.

Counts are SQL aggregates; the medians come from one row per question (`question_facts`),
working hours from one `WorkingClock`; the people behind each figure are found only up to
SMALL_GROUP (`few_people`), all the small-group rule needs."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from peerbot.services import topics as topic_names
from peerbot.services.experts import detect_topic
from peerbot.services.metrics.common import (
    SMALL_GROUP,
    People,
    item_where,
    median_hours,
    question_where,
    search_where,
)
from peerbot.services.metrics.questions import QuestionFact, WorkingClock, question_facts
from peerbot.store.models import Answer, KbSearch, KnowledgeItem, KnowledgeSave, Question, Topic


def record_search(session: Session, *, team_id: str, channel_id: str, user_id: str, query: str, results: int,
                  now: datetime) -> None:
    """Count one /kb search: its topic (if it names a known one) and how many items it found.
    The query text itself is not kept."""
    topic = detect_topic(query, topic_names.names(session, team_id, limit=1000)) if query else None
    topic_id = session.scalar(select(Topic.id).where(Topic.team_id == team_id, Topic.name == topic)) if topic else None
    session.add(KbSearch(team_id=team_id, channel_id=channel_id, user_id=user_id, topic_id=topic_id,
                         results=results, created_at=now))
    session.flush()


@dataclass(frozen=True)
class Overview:
    since: datetime
    until: datetime
    asked: int
    answered: int
    accepted: int
    unanswered: int
    first_answer_hours: float | None  # medians, calendar hours
    first_answer_working_hours: float | None
    accepted_hours: float | None
    accepted_working_hours: float | None
    items_saved: int
    searches: int
    searches_found: int
    # The people behind the figures, counted up to SMALL_GROUP (5 means "5 or more"):
    question_people: int  # askers and answerers
    item_people: int  # savers (the first saver and every bookmark)
    search_people: int  # searchers

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.asked if self.asked else None

    @property
    def found_share(self) -> float | None:
        return self.searches_found / self.searches if self.searches else None


@dataclass(frozen=True)
class Week:
    start: date  # the Monday, in the workspace's time zone
    overview: Overview


@dataclass(frozen=True)
class OverviewReport:
    total: Overview
    weeks: list[Week]


def week_start(moment: datetime, tz: str) -> date:
    local = moment.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())


def week_bounds(since: datetime, until: datetime, tz: str) -> list[tuple[date, datetime, datetime]]:
    """(Monday, start, end) of each week that [since, until] touches, cut to the period. A week
    holds the moments start <= m < end, and the week ending at `until` holds `until` too."""
    zone = ZoneInfo(tz)
    bounds = []
    monday, last = week_start(since, tz), week_start(until, tz)
    while monday <= last:
        start = max(since, datetime.combine(monday, time(0), tzinfo=zone).astimezone(timezone.utc))
        end = min(until, datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(timezone.utc))
        bounds.append((monday, start, end))
        monday += timedelta(days=7)
    return bounds


def few_people(session: Session, groups: dict) -> dict:
    """key → distinct people over that key's one-column selects, counted up to SMALL_GROUP. Each
    look-up stops at its first new person, so it costs the same at any size; one statement per
    round asks every key that still needs someone (a UNION ALL of LIMIT 1 selects)."""
    found: dict = {key: [] for key in groups}
    stage = {key: 0 for key in groups}  # which of the key's selects is being read
    while True:
        asking = [key for key, queries in groups.items() if len(found[key]) < SMALL_GROUP and stage[key] < len(queries)]
        if not asking:
            return {key: len(People.of(people)) for key, people in found.items()}
        parts = []
        for n, key in enumerate(asking):
            query = groups[key][stage[key]]
            person = query.selected_columns[0]
            query = query.where(person.is_not(None), *([person.not_in(found[key])] if found[key] else []))
            one = query.limit(1).subquery()
            parts.append(select(literal(n).label("n"), one.c[0].label("person")))
        answered = dict(session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all())
        for n, key in enumerate(asking):
            if n in answered:
                found[key].append(answered[n])
            else:
                stage[key] += 1


@dataclass(frozen=True)
class _Counts:
    items: int = 0
    searches: int = 0
    searches_found: int = 0


class _Times(NamedTuple):
    """One question's times to its first and accepted answer (calendar and working hours)."""
    first: float | None
    first_working: float | None
    accepted: float | None
    accepted_working: float | None


def overview(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str,
             channels: Iterable[str] | None = None) -> OverviewReport:
    """The overview for a period and its weekly trend (weeks start on Monday, local time)."""
    channels = None if channels is None else list(channels)
    clock = WorkingClock(tz)
    facts = question_facts(session, team_id, since=since, until=until, channels=channels)
    times = {f.id: _Times(_hours(f.created_at, f.first_answer_at), clock.hours_between(f.created_at, f.first_answer_at),
                          _hours(f.created_at, f.accepted_at) if f.accepted_at else None,
                          clock.hours_between(f.created_at, f.accepted_at) if f.accepted_at else None)
             for f in facts if f.first_answer_at}  # an accepted answer is an answer
    # The period, then each week: a week holds start <= moment < end, and the weeks ending at
    # `until` hold `until` too (so the first and last weeks may be partial).
    weeks = week_bounds(since, until, tz)
    periods = [(since, until)] + [(start, end) for _, start, end in weeks]
    wheres = [(question_where(team_id, start, end, channels), item_where(team_id, start, end, channels),
               search_where(team_id, start, end, channels)) for start, end in periods]
    for n, (start, end) in enumerate(periods[1:], 1):
        if end != until:
            for where, column in zip(wheres[n], (Question.created_at, KnowledgeItem.created_at, KbSearch.created_at)):
                where.append(column < end)
    counts = _counts(session, team_id, channels, weeks, until)
    starts = [start for _, start, _ in weeks]
    ending = [n for n, (_, _, end) in enumerate(weeks) if end == until]
    by_week: list[list[QuestionFact]] = [[] for _ in weeks]
    for fact in facts:  # start <= moment < end, and `until` in every week ending there
        for n in (ending if fact.created_at == until else [bisect_right(starts, fact.created_at) - 1]):
            by_week[n].append(fact)
    people = few_people(session, {
        (n, kind): queries
        for n, (question_w, item_w, search_w) in enumerate(wheres)
        for kind, queries in (("questions", _askers_and_answerers(question_w)), ("items", _savers(item_w)),
                              ("searches", [select(KbSearch.user_id).where(*search_w)]))})
    summaries = []
    for n, (start, end) in enumerate(periods):
        inside = facts if n == 0 else by_week[n - 1]
        picked = [times[f.id] for f in inside if f.id in times]
        first = [t for t in picked if t.first is not None]
        accepted = [t for t in picked if t.accepted is not None]
        counted = counts[n]
        summaries.append(Overview(
            since=start, until=end,
            asked=len(inside), answered=len(first), accepted=len(accepted),
            unanswered=sum(1 for f in inside if f.unanswered),
            first_answer_hours=median_hours(t.first for t in first),
            first_answer_working_hours=median_hours(t.first_working for t in first),
            accepted_hours=median_hours(t.accepted for t in accepted),
            accepted_working_hours=median_hours(t.accepted_working for t in accepted),
            items_saved=counted.items, searches=counted.searches, searches_found=counted.searches_found,
            question_people=people[n, "questions"], item_people=people[n, "items"],
            search_people=people[n, "searches"],
        ))
    return OverviewReport(summaries[0], [Week(monday, o) for (monday, _, _), o in zip(weeks, summaries[1:])])


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _askers_and_answerers(where: list) -> list[Select]:
    return [select(Question.asker_id).where(*where),
            select(Answer.author_id).select_from(Question).join(Answer, Answer.question_id == Question.id)
            .where(*where, Answer.author_id != Question.asker_id)]


def _savers(where: list) -> list[Select]:
    return [select(KnowledgeItem.saved_by).where(*where),
            select(KnowledgeSave.user_id).select_from(KnowledgeSave)
            .join(KnowledgeItem, KnowledgeItem.id == KnowledgeSave.item_id).where(*where)]


def _counts(session: Session, team_id: str, channels: list[str] | None, weeks: list, until: datetime) -> list[_Counts]:
    """Items saved and searches: [the period, week 1, week 2, ...], in one statement that reads
    each week's range of the (team_id, created_at) indexes once: the period is the weeks (taken
    start <= moment < end) plus the moments equal to `until`, which every week ending there holds."""
    found = case((KbSearch.results > 0, 1))
    ranges = [(start, end) for _, start, end in weeks] + [(until, until)]

    def item(n: int, start: datetime, end: datetime) -> Select:
        where = item_where(team_id, start, end, channels) + ([KnowledgeItem.created_at < end] if n < len(weeks) else [])
        return select(literal(n), func.count(), literal(0), literal(0)).select_from(KnowledgeItem).where(*where)

    def search(n: int, start: datetime, end: datetime) -> Select:
        where = search_where(team_id, start, end, channels) + ([KbSearch.created_at < end] if n < len(weeks) else [])
        return select(literal(n), literal(0), func.count(), func.count(found)).select_from(KbSearch).where(*where)

    totals = [[0, 0, 0] for _ in ranges]
    for n, *values in session.execute(union_all(*(make(n, start, end) for make in (item, search)
                                                  for n, (start, end) in enumerate(ranges)))):
        totals[n] = [a + b for a, b in zip(totals[n], values)]
    at_until = totals.pop()
    weekly = [[a + b for a, b in zip(t, at_until)] if end == until else t for t, (_, _, end) in zip(totals, weeks)]
    period = [sum(column) for column in zip(*totals, at_until)]
    return [_Counts(*period)] + [_Counts(*t) for t in weekly]
