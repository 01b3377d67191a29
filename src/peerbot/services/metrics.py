"""The one metrics service: every number peer learning is judged by.

`/peerbot stats`, the dashboard (pages, charts, CSV and JSON) and the digest
all read their figures here, so they never disagree. docs/metrics.md defines
each figure in words.

Numbers may count private activity; nothing here returns text, titles or links
from a private conversation. Callers say which channels are public (or
nameable for the viewer): services never call Slack. The small-group rule
lives here too (`guarded`): an aggregate covering fewer than 5 distinct people
is shown as "<5".
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, literal_column, select, union, union_all
from sqlalchemy.orm import Session

from peerbot.services import topics as topic_names
from peerbot.services.experts import ExpertEntry, Gap, detect_topic, experts_on, is_away, knowledge_gaps
from peerbot.services.worktime import working_hours_between
from peerbot.store.models import (
    PUBLIC,
    Answer,
    Conversation,
    Expertise,
    KbSearch,
    KnowledgeItem,
    KnowledgeSave,
    Member,
    Question,
    QuestionVote,
    Routing,
    Topic,
)

DEFAULT_PERIOD = timedelta(days=30)
SMALL_GROUP = 5
HIDDEN = "<5"


def guarded(value, people: int):
    """`value`, or "<5" when it covers 1 to 4 distinct people (nobody: nothing to single out)."""
    return value if people >= SMALL_GROUP or people == 0 else HIDDEN


def parse_period(word: str) -> timedelta | None:
    """`7d` → 7 days, `4w` → 28 days; None for anything else (1 to 365 days)."""
    word = word.strip().lower()
    if len(word) < 2 or not word[:-1].isdigit() or word[-1] not in "dw":
        return None
    days = int(word[:-1]) * (7 if word[-1] == "w" else 1)
    return timedelta(days=days) if 1 <= days <= 365 else None


def median_hours(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


# ---- questions: the facts every question figure is made of -----------------------------------

@dataclass(frozen=True)
class QuestionFact:
    id: int
    channel_id: str
    topic_id: int | None
    asker_id: str
    status: str
    created_at: datetime
    first_answer_at: datetime | None  # the first reply by someone other than the asker
    accepted_at: datetime | None
    answerers: frozenset[str]

    @property
    def unanswered(self) -> bool:
        return self.status == "open" and self.first_answer_at is None


def question_facts(session: Session, team_id: str, *, since: datetime, until: datetime,
                   channels: Iterable[str] | None = None) -> list[QuestionFact]:
    """Questions posted in [since, until] (in `channels`, or anywhere), with their answers."""
    where = [Question.team_id == team_id, Question.message_ts.is_not(None),
             Question.created_at >= since, Question.created_at <= until]
    if channels is not None:
        where.append(Question.channel_id.in_(list(channels)))
    rows = session.execute(select(Question.id, Question.channel_id, Question.topic_id, Question.asker_id,
                                  Question.status, Question.created_at).where(*where)).all()
    firsts: dict[int, datetime] = {}
    accepted: dict[int, datetime] = {}
    answerers: dict[int, set[str]] = {}
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 5000):
        for question_id, author_id, created_at, accepted_at in session.execute(
            select(Answer.question_id, Answer.author_id, Answer.created_at, Answer.accepted_at)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.question_id.in_(ids[chunk:chunk + 5000]), Answer.author_id != Question.asker_id)
        ):
            if question_id not in firsts or created_at < firsts[question_id]:
                firsts[question_id] = created_at
            if accepted_at is not None:
                accepted[question_id] = accepted_at
            answerers.setdefault(question_id, set()).add(author_id)
    return [QuestionFact(r.id, r.channel_id, r.topic_id, r.asker_id, r.status, r.created_at, firsts.get(r.id),
                         accepted.get(r.id), frozenset(answerers.get(r.id, ()))) for r in rows]


# ---- /peerbot stats ---------------------------------------------------------------------------

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


def _median_delta(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values)) if values else None


def helpers_of(session: Session, facts: list[QuestionFact], *, channels: set[str] | None = None) -> list[Helper]:
    """Who answered these questions (others' questions only), most accepted first.
    With `channels`, only answers to questions in those channels count."""
    ids = [f.id for f in facts if channels is None or f.channel_id in channels]
    counts: dict[str, list[int]] = {}
    for chunk in range(0, len(ids), 5000):
        for author_id, accepted_at in session.execute(
            select(Answer.author_id, Answer.accepted_at).join(Question, Question.id == Answer.question_id)
            .where(Answer.question_id.in_(ids[chunk:chunk + 5000]), Answer.author_id != Question.asker_id)
        ):
            tally = counts.setdefault(author_id, [0, 0])
            tally[1] += 1
            tally[0] += accepted_at is not None
    return sorted((Helper(u, a, n) for u, (a, n) in counts.items()), key=lambda h: (-h.accepted, -h.answers, h.user_id))


def compute(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD,
            channel_id: str | None = None, nameable_channels: set[str] | None = None,
            helpers: int = 5) -> Stats:
    """The `/peerbot stats` numbers: questions posted in [now - period, now],
    in one channel or the workspace."""
    since = now - period
    facts = question_facts(session, team_id, since=since, until=now,
                           channels=None if channel_id is None else [channel_id])
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
        helpers=helpers_of(session, facts)[:helpers],
        gaps=knowledge_gaps(session, team_id, since=since, now=now, nameable_channels=nameable_channels),
    )


def channels_asked_in(session: Session, team_id: str, *, now: datetime, period: timedelta = DEFAULT_PERIOD) -> list[str]:
    """Channels with questions in the period (the caller decides which are public)."""
    return list(session.scalars(
        select(Question.channel_id).where(Question.team_id == team_id, Question.created_at >= now - period,
                                          Question.topic_id.is_not(None))
        .group_by(Question.channel_id).order_by(func.min(Question.created_at)).limit(200)
    ))


# ---- counting in the database ----------------------------------------------------------------
# The dashboard counts a period's questions, items and searches with SQL aggregates: nothing below
# loads rows into Python just to count them. Distinct people (the small-group rule) are counted in
# SQL too: a UNION of (key, person) pairs, deduplicated by the database.

def _question_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [Question.team_id == team_id, Question.message_ts.is_not(None),
             Question.created_at >= since, Question.created_at <= until]
    if channels is not None:
        where.append(Question.channel_id.in_(channels))
    return where


def _item_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [KnowledgeItem.team_id == team_id, KnowledgeItem.created_at >= since, KnowledgeItem.created_at <= until]
    if channels is not None:
        where.append(KnowledgeItem.channel_id.in_(channels))
    return where


def _search_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [KbSearch.team_id == team_id, KbSearch.created_at >= since, KbSearch.created_at <= until]
    if channels is not None:
        where.append(KbSearch.channel_id.in_(channels))
    return where


def _question_counts(where: list, *keys):
    """Per key: asked, answered, accepted, unanswered, as `QuestionFact` defines them (only
    answers by someone other than the asker count)."""
    answers = (select(Answer.question_id, func.count(Answer.accepted_at).label("accepted"))
               .select_from(Answer).join(Question, Question.id == Answer.question_id)
               .where(*where, Answer.author_id != Question.asker_id)
               .group_by(Answer.question_id).subquery())
    return (select(*keys, func.count(), func.count(answers.c.question_id),
                   func.count(case((answers.c.accepted > 0, 1))),
                   func.count(case((and_(Question.status == "open", answers.c.question_id.is_(None)), 1))))
            .select_from(Question).outerjoin(answers, answers.c.question_id == Question.id)
            .where(*where).group_by(*keys))


def _question_people(where: list, key) -> list:
    """(key, person) for askers and answerers (others than the asker) of these questions."""
    return [select(key.label("key"), Question.asker_id.label("person")).where(*where),
            select(key, Answer.author_id).select_from(Question).join(Answer, Answer.question_id == Question.id)
            .where(*where, Answer.author_id != Question.asker_id)]


def _saver_people(where: list, key) -> list:
    """(key, person) for whoever saved these items: the first saver and every bookmark."""
    return [select(key.label("key"), KnowledgeItem.saved_by.label("person")).where(*where),
            select(key, KnowledgeSave.user_id).select_from(KnowledgeSave)
            .join(KnowledgeItem, KnowledgeItem.id == KnowledgeSave.item_id).where(*where)]


@dataclass(frozen=True)
class People:
    """The distinct people behind a row, as the small-group rule needs them: how many, and who
    they are while they are fewer than SMALL_GROUP, so rows can be merged (`union`) without
    counting again. `len()` is the count; once 5 or more people are merged in, the merged count
    is a lower bound (still 5 or more: `guarded` gives the same answer)."""

    count: int = 0
    few: frozenset[str] = frozenset()  # everyone, when count < SMALL_GROUP

    def __len__(self) -> int:
        return self.count

    @staticmethod
    def of(people: Iterable[str]) -> People:
        people = frozenset(people)
        return People(len(people), people if len(people) < SMALL_GROUP else frozenset())

    @staticmethod
    def union(groups: Iterable[People]) -> People:
        groups = list(groups)
        if any(g.count >= SMALL_GROUP for g in groups):
            return People(max(g.count for g in groups))
        return People.of(frozenset().union(*(g.few for g in groups)))


def _people_by(session: Session, parts: list, keys: set) -> dict:
    """key → People over the UNION of (key, person) selects."""
    pairs = union(*parts).subquery()
    counts = dict(session.execute(select(pairs.c.key, func.count()).group_by(pairs.c.key)).all())
    small = [k for k, n in counts.items() if n < SMALL_GROUP and k in keys]
    few: dict = {}
    if small:
        for key, person in session.execute(select(pairs.c.key, pairs.c.person).where(pairs.c.key.in_(small))):
            few.setdefault(key, set()).add(person)
    return {k: People(n, frozenset(few.get(k, ()))) if n < SMALL_GROUP else People(n) for k, n in counts.items()}


# ---- the overview ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SavedItem:
    channel_id: str
    created_at: datetime
    people: frozenset[str]  # who saved it


@dataclass(frozen=True)
class Search:
    channel_id: str
    user_id: str
    topic_id: int | None
    results: int
    created_at: datetime


def saved_items(session: Session, team_id: str, *, since: datetime, until: datetime,
                channels: Iterable[str] | None = None) -> list[SavedItem]:
    where = [KnowledgeItem.team_id == team_id, KnowledgeItem.created_at >= since, KnowledgeItem.created_at <= until]
    if channels is not None:
        where.append(KnowledgeItem.channel_id.in_(list(channels)))
    savers: dict[int, set[str]] = {}
    rows = session.execute(select(KnowledgeItem.id, KnowledgeItem.channel_id, KnowledgeItem.created_at,
                                  KnowledgeItem.saved_by).where(*where)).all()
    for item_id, user_id in session.execute(select(KnowledgeSave.item_id, KnowledgeSave.user_id)
                                            .join(KnowledgeItem, KnowledgeItem.id == KnowledgeSave.item_id)
                                            .where(*where)):
        savers.setdefault(item_id, set()).add(user_id)
    return [SavedItem(channel_id, created_at, frozenset(savers.get(item_id, set()) | {saved_by}))
            for item_id, channel_id, created_at, saved_by in rows]


def searches(session: Session, team_id: str, *, since: datetime, until: datetime,
             channels: Iterable[str] | None = None) -> list[Search]:
    where = [KbSearch.team_id == team_id, KbSearch.created_at >= since, KbSearch.created_at <= until]
    if channels is not None:
        where.append(KbSearch.channel_id.in_(list(channels)))
    return [Search(*row) for row in session.execute(
        select(KbSearch.channel_id, KbSearch.user_id, KbSearch.topic_id, KbSearch.results, KbSearch.created_at)
        .where(*where))]


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
    question_people: int  # distinct askers and answerers
    item_people: int  # distinct savers
    search_people: int  # distinct searchers

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.asked if self.asked else None

    @property
    def found_share(self) -> float | None:
        return self.searches_found / self.searches if self.searches else None


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True)
class Activity:
    """Items saved and /kb searches in a period: counts and distinct people."""
    items: int = 0
    item_people: int = 0  # distinct savers (the first saver and every bookmark)
    searches: int = 0
    searches_found: int = 0
    search_people: int = 0


def summarise(facts: list[QuestionFact], items: list[SavedItem], found: list[Search], *, since: datetime,
              until: datetime, tz: str) -> Overview:
    """The overview of exactly these questions, items and searches."""
    activity = Activity(len(items), len(set().union(*(i.people for i in items))), len(found),
                        sum(1 for s in found if s.results > 0), len({s.user_id for s in found}))
    return _summary(facts, activity, since=since, until=until, hours=_working_hours(facts, tz))


def _working_hours(facts: list[QuestionFact], tz: str) -> dict[int, tuple[float | None, float | None]]:
    """question id → working hours to the first answer and to the accepted one."""
    return {f.id: (working_hours_between(f.created_at, f.first_answer_at, tz) if f.first_answer_at else None,
                   working_hours_between(f.created_at, f.accepted_at, tz) if f.accepted_at else None)
            for f in facts if f.first_answer_at or f.accepted_at}


def _summary(facts: list[QuestionFact], activity: Activity, *, since: datetime, until: datetime,
             hours: dict[int, tuple[float | None, float | None]]) -> Overview:
    return Overview(
        since=since, until=until,
        asked=len(facts),
        answered=sum(1 for f in facts if f.first_answer_at is not None),
        accepted=sum(1 for f in facts if f.accepted_at is not None),
        unanswered=sum(1 for f in facts if f.unanswered),
        first_answer_hours=median_hours(_hours(f.created_at, f.first_answer_at) for f in facts if f.first_answer_at),
        first_answer_working_hours=median_hours(hours[f.id][0] for f in facts if f.first_answer_at),
        accepted_hours=median_hours(_hours(f.created_at, f.accepted_at) for f in facts if f.accepted_at),
        accepted_working_hours=median_hours(hours[f.id][1] for f in facts if f.accepted_at),
        items_saved=activity.items,
        searches=activity.searches,
        searches_found=activity.searches_found,
        question_people=len({f.asker_id for f in facts}.union(*(f.answerers for f in facts))),
        item_people=activity.item_people,
        search_people=activity.search_people,
    )


def activity(session: Session, team_id: str, *, since: datetime, until: datetime,
             channels: Iterable[str] | None = None,
             weeks: list[tuple[datetime, datetime]] | None = None) -> dict[int, Activity]:
    """Items saved and searches in [since, until], counted in the database: {0: the period},
    or, with `weeks` ((start, end) pairs cutting [since, until] as `overview` does), one entry
    per week index (weeks without activity are left out)."""
    channels = None if channels is None else list(channels)
    item_where = _item_where(team_id, since, until, channels)
    search_where = _search_where(team_id, since, until, channels)

    def bucketed(column, make):
        """make(week, *where) → selects whose first column is the week; a moment equal to `until`
        belongs to every week ending there (`overview`'s rule), hence the extra selects."""
        if weeks is None:
            parts = make(literal_column("0"))
        else:
            ends = [n for n, (_, end) in enumerate(weeks) if end == until]
            week = case(*((column < end, literal_column(str(n))) for n, (_, end) in enumerate(weeks)),
                        else_=literal_column(str(ends[0])))
            parts = make(week) + [part for n in ends[1:] for part in make(literal_column(str(n)), column == until)]
        return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()

    figures: dict[int, dict[str, int]] = {}
    items = bucketed(KnowledgeItem.created_at, lambda week, *more: [
        select(week.label("week")).select_from(KnowledgeItem).where(*item_where, *more)])
    for week, count in session.execute(select(items.c.week, func.count()).group_by(items.c.week)):
        figures.setdefault(week, {})["items"] = count
    savers = bucketed(KnowledgeItem.created_at, lambda week, *more: [
        select(week.label("week"), KnowledgeItem.saved_by.label("person")).where(*item_where, *more),
        select(week, KnowledgeSave.user_id).select_from(KnowledgeSave)
        .join(KnowledgeItem, KnowledgeItem.id == KnowledgeSave.item_id).where(*item_where, *more)])
    for week, people in session.execute(select(savers.c.week, func.count(distinct(savers.c.person)))
                                        .group_by(savers.c.week)):
        figures.setdefault(week, {})["item_people"] = people
    found = bucketed(KbSearch.created_at, lambda week, *more: [
        select(week.label("week"), KbSearch.user_id.label("person"), KbSearch.results.label("results"))
        .where(*search_where, *more)])
    for week, count, hits, people in session.execute(
        select(found.c.week, func.count(), func.count(case((found.c.results > 0, 1))),
               func.count(distinct(found.c.person))).group_by(found.c.week)
    ):
        figures.setdefault(week, {}).update(searches=count, searches_found=hits, search_people=people)
    return {week: Activity(**values) for week, values in figures.items()}


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


def overview(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str,
             channels: Iterable[str] | None = None) -> OverviewReport:
    """The overview for a period and its weekly trend (weeks start on Monday, local time)."""
    channels = None if channels is None else list(channels)
    facts = question_facts(session, team_id, since=since, until=until, channels=channels)
    hours = _working_hours(facts, tz)
    zone = ZoneInfo(tz)
    bounds = []
    monday = week_start(since, tz)
    last = week_start(until, tz)
    while monday <= last:
        start = max(since, datetime.combine(monday, time(0), tzinfo=zone).astimezone(timezone.utc))
        end = min(until, datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(timezone.utc))
        bounds.append((monday, start, end))
        monday += timedelta(days=7)
    total = _summary(facts, activity(session, team_id, since=since, until=until, channels=channels).get(0, Activity()),
                     since=since, until=until, hours=hours)
    weekly = activity(session, team_id, since=since, until=until, channels=channels,
                      weeks=[(start, end) for _, start, end in bounds])
    weeks = []
    for n, (monday, start, end) in enumerate(bounds):

        def inside(moment: datetime, start=start, end=end) -> bool:
            return start <= moment < end or (moment == until == end)

        weeks.append(Week(monday, _summary([f for f in facts if inside(f.created_at)], weekly.get(n, Activity()),
                                           since=start, until=end, hours=hours)))
    return OverviewReport(total, weeks)


# ---- topics ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TopicRow:
    topic: str | None  # None: topics only private conversations know (never named)
    questions: int
    unanswered: int
    failed_searches: int
    declared_experts: int
    earned_experts: int
    experts: int  # distinct people, declared or earned
    items: int
    people: int  # distinct askers and searchers behind the demand

    @property
    def demand(self) -> int:
        return self.questions + self.failed_searches

    @property
    def gap(self) -> bool:
        """Demand (2 or more) and at most one expert: a knowledge gap."""
        return self.demand >= 2 and self.experts <= 1


def topics_table(session: Session, team_id: str, *, since: datetime, until: datetime,
                 nameable_channels: set[str], channels: Iterable[str] | None = None) -> list[TopicRow]:
    """Demand (questions, searches that found nothing) against supply (experts, items) per topic,
    biggest gaps first. A topic is named if someone declared it, it was asked about in a
    nameable channel, or a public item carries it; the rest is one unnamed row."""
    channels = None if channels is None else list(channels)
    question_where = [*_question_where(team_id, since, until, channels), Question.topic_id.is_not(None)]
    search_where = [*_search_where(team_id, since, until, channels), KbSearch.topic_id.is_not(None)]
    asked: dict[int, list[int]] = {}  # topic → [questions, unanswered]
    asked_in: dict[int, set[str]] = {}
    for topic_id, channel_id, count, _answered, _accepted, unanswered in session.execute(
            _question_counts(question_where, Question.topic_id, Question.channel_id)):
        tally = asked.setdefault(topic_id, [0, 0])
        tally[0] += count
        tally[1] += unanswered
        asked_in.setdefault(topic_id, set()).add(channel_id)
    failed = dict(session.execute(select(KbSearch.topic_id, func.count(case((KbSearch.results == 0, 1))))
                                  .where(*search_where).group_by(KbSearch.topic_id)).all())
    demand = [select(Question.topic_id.label("key"), Question.asker_id.label("person")).where(*question_where),
              select(KbSearch.topic_id, KbSearch.user_id).where(*search_where, KbSearch.results == 0)]
    pairs = union(*demand).subquery()
    people = dict(session.execute(select(pairs.c.key, func.count()).group_by(pairs.c.key)).all())
    names = dict(session.execute(select(Topic.id, Topic.name).where(Topic.team_id == team_id)).all())
    live = and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id)
    supply: dict[int, list[set[str]]] = {}
    for topic_id, user_id, declared, earned in session.execute(
        select(Expertise.topic_id, Expertise.user_id, Expertise.declared, Expertise.earned).join(Member, live)
        .where(Expertise.team_id == team_id, Member.deleted.is_(False), Member.is_bot.is_(False))
    ):
        declared_set, earned_set = supply.setdefault(topic_id, [set(), set()])
        if declared:
            declared_set.add(user_id)
        if earned > 0:
            earned_set.add(user_id)
    item_where = [KnowledgeItem.team_id == team_id, KnowledgeItem.topic_id.is_not(None)]
    if channels is not None:
        item_where.append(KnowledgeItem.channel_id.in_(channels))
    items: dict[int, int] = {}
    public_items: set[int] = set()
    for topic_id, is_public, count in session.execute(
        select(KnowledgeItem.topic_id, KnowledgeItem.is_public, func.count()).where(*item_where)
        .group_by(KnowledgeItem.topic_id, KnowledgeItem.is_public)
    ):
        items[topic_id] = items.get(topic_id, 0) + count
        if is_public:
            public_items.add(topic_id)
    topic_ids = set(asked) | set(failed) | {t for t, (d, e) in supply.items() if d or e} | set(items)
    rows: list[TopicRow] = []
    hidden = [0, 0, 0, 0, 0, 0, set(), set()]
    for topic_id in topic_ids:
        questions, unanswered = asked.get(topic_id, (0, 0))
        declared, earned = supply.get(topic_id, [set(), set()])
        nameable = bool(declared) or topic_id in public_items or bool(asked_in.get(topic_id, set()) & nameable_channels)
        if not nameable:
            for n, value in enumerate((questions, unanswered, failed.get(topic_id, 0), 0, len(earned),
                                       items.get(topic_id, 0))):
                hidden[n] += value
            hidden[6] |= earned
            if topic_id in people:
                hidden[7].add(topic_id)
            continue
        rows.append(TopicRow(names.get(topic_id, "?"), questions, unanswered, failed.get(topic_id, 0),
                             len(declared), len(earned), len(declared | earned), items.get(topic_id, 0),
                             people.get(topic_id, 0)))
    rows.sort(key=lambda r: (not r.gap, -(r.demand / (r.experts + 1)), r.topic or ""))
    if hidden[0] or hidden[2]:
        hidden_people = session.scalar(select(func.count(distinct(pairs.c.person)))
                                       .where(pairs.c.key.in_(sorted(hidden[7])))) if hidden[7] else 0
        rows.append(TopicRow(None, hidden[0], hidden[1], hidden[2], 0, hidden[4], len(hidden[6]), hidden[5],
                             hidden_people))
    return rows


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    channel_id: str
    created_at: datetime
    text: str
    votes: int


@dataclass(frozen=True)
class TopicPage:
    topic: str
    open_questions: list[OpenQuestion]  # public channels only; never the asker
    experts: list[ExpertEntry]


def topic_page(session: Session, team_id: str, name: str, *, public_channels: set[str], nameable_channels: set[str],
               now: datetime, limit: int = 50) -> TopicPage | None:
    """A topic's open questions (from public channels only) and its experts; None if the topic
    does not exist or may not be named to this viewer."""
    topic = session.scalar(select(Topic).where(Topic.team_id == team_id, Topic.name == name))
    if topic is None:
        return None
    declared = session.scalar(select(func.count()).select_from(Expertise).where(
        Expertise.topic_id == topic.id, Expertise.declared.is_(True)))
    asked_in = set(session.scalars(select(Question.channel_id).where(Question.topic_id == topic.id).distinct()))
    public_item = session.scalar(select(func.count()).select_from(KnowledgeItem).where(
        KnowledgeItem.topic_id == topic.id, KnowledgeItem.is_public.is_(True)))
    if not (declared or public_item or asked_in & nameable_channels):
        return None
    votes = (select(QuestionVote.question_id, func.count().label("n")).group_by(QuestionVote.question_id)
             .subquery())
    rows = session.execute(
        select(Question.id, Question.channel_id, Question.created_at, Question.text, func.coalesce(votes.c.n, 0))
        .outerjoin(votes, votes.c.question_id == Question.id)
        .where(Question.team_id == team_id, Question.topic_id == topic.id, Question.status == "open",
               Question.message_ts.is_not(None), Question.channel_id.in_(list(public_channels)))
        .order_by(Question.created_at.desc()).limit(limit)
    ).all()
    return TopicPage(topic.name, [OpenQuestion(*row) for row in rows], experts_on(session, team_id, topic.name, now))


# ---- people ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HelperRow:
    user_id: str
    accepted: int
    bookmarked: int  # others' saves of their public messages
    answers: int


@dataclass(frozen=True)
class NewExpert:
    user_id: str
    topics: list[str]
    since: datetime  # the first declaration in the period


@dataclass(frozen=True)
class ExpertLoad:
    user_id: str
    routed: int
    answered: int
    away: bool


def top_helpers(session: Session, team_id: str, *, since: datetime, until: datetime, public_channels: set[str],
                limit: int = 10) -> list[HelperRow]:
    """Named credit for public help only: answers to questions asked in public channels in the
    period, and bookmarks others made in the period of public items the person wrote."""
    facts = question_facts(session, team_id, since=since, until=until, channels=public_channels)
    helpers = {h.user_id: h for h in helpers_of(session, facts)}
    bookmarks = dict(session.execute(
        select(KnowledgeItem.author_id, func.count())
        .join(KnowledgeSave, KnowledgeSave.item_id == KnowledgeItem.id)
        .where(KnowledgeItem.team_id == team_id, KnowledgeItem.is_public.is_(True),
               KnowledgeItem.channel_id.in_(list(public_channels)), KnowledgeItem.author_id.is_not(None),
               KnowledgeSave.user_id != KnowledgeItem.author_id, KnowledgeSave.via.in_(("reaction", "shortcut")),
               KnowledgeSave.created_at >= since, KnowledgeSave.created_at <= until)
        .group_by(KnowledgeItem.author_id)).all())
    people = set(helpers) | set(bookmarks)
    rows = [HelperRow(u, helpers[u].accepted if u in helpers else 0, bookmarks.get(u, 0),
                      helpers[u].answers if u in helpers else 0) for u in people]
    rows.sort(key=lambda r: (-r.accepted, -r.bookmarked, -r.answers, r.user_id))
    return rows[:limit]


def new_experts(session: Session, team_id: str, *, since: datetime, until: datetime) -> list[NewExpert]:
    """People who declared a topic in the period and had declared none before it."""
    earlier = set(session.scalars(select(Expertise.user_id).where(
        Expertise.team_id == team_id, Expertise.declared.is_(True), Expertise.declared_at < since)))
    found: dict[str, NewExpert] = {}
    for user_id, name, declared_at in session.execute(
        select(Expertise.user_id, Topic.name, Expertise.declared_at).join(Topic, Topic.id == Expertise.topic_id)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .where(Expertise.team_id == team_id, Expertise.declared.is_(True), Expertise.declared_at >= since,
               Expertise.declared_at <= until, Member.deleted.is_(False))
        .order_by(Expertise.declared_at, Topic.name)
    ):
        if user_id in earlier:
            continue
        entry = found.get(user_id)
        found[user_id] = NewExpert(user_id, (entry.topics if entry else []) + [name],
                                   entry.since if entry else declared_at)
    return sorted(found.values(), key=lambda e: (e.since, e.user_id))


def expert_load(session: Session, team_id: str, *, since: datetime, until: datetime, public_channels: set[str],
                now: datetime) -> list[ExpertLoad]:
    """Per expert: questions routed to them in the period (public channels only), how many of
    those they answered, and whether they are away now."""
    routed = session.execute(
        select(Routing.user_id, Routing.question_id).join(Question, Question.id == Routing.question_id)
        .where(Routing.team_id == team_id, Routing.routed_at >= since, Routing.routed_at <= until,
               Question.channel_id.in_(list(public_channels)))
    ).all()
    by_user: dict[str, set[int]] = {}
    for user_id, question_id in routed:
        by_user.setdefault(user_id, set()).add(question_id)
    answered_pairs = set(session.execute(
        select(Answer.author_id, Answer.question_id).where(
            Answer.team_id == team_id, Answer.question_id.in_([q for _, q in routed]))).all()) if routed else set()
    members = {m.user_id: m for m in session.scalars(select(Member).where(
        Member.team_id == team_id, Member.user_id.in_(list(by_user))))}
    rows = [ExpertLoad(u, len(qs), sum(1 for q in qs if (u, q) in answered_pairs), is_away(members.get(u), now))
            for u, qs in by_user.items()]
    rows.sort(key=lambda r: (-r.routed, -r.answered, r.user_id))
    return rows


def display_names(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Names to show for user ids (real name, else handle, else the id)."""
    ids = list(set(user_ids))
    names = {user_id: real or name or user_id for user_id, real, name in session.execute(
        select(Member.user_id, Member.real_name, Member.name).where(Member.team_id == team_id,
                                                                     Member.user_id.in_(ids)))} if ids else {}
    return {user_id: names.get(user_id, user_id) for user_id in ids}


# ---- channels --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChannelRow:
    channel_id: str | None  # None: the merged "private channels" row
    name: str
    privacy: str | None  # from the conversations cache; None when not known yet
    asked: int
    answered: int
    accepted: int
    unanswered: int
    items: int
    searches: int
    people: People  # len() is what the small-group rule needs


def channels_table(session: Session, team_id: str, *, since: datetime, until: datetime) -> list[ChannelRow]:
    """Activity per conversation in the period, busiest first. Callers decide which rows may be
    named (see `merge_private`)."""
    question_where = _question_where(team_id, since, until, None)
    item_where = _item_where(team_id, since, until, None)
    search_where = _search_where(team_id, since, until, None)
    asked = {channel_id: counts for channel_id, *counts in session.execute(
        _question_counts(question_where, Question.channel_id))}
    items = dict(session.execute(select(KnowledgeItem.channel_id, func.count()).where(*item_where)
                                 .group_by(KnowledgeItem.channel_id)).all())
    searched = dict(session.execute(select(KbSearch.channel_id, func.count()).where(*search_where)
                                    .group_by(KbSearch.channel_id)).all())
    channel_ids = set(asked) | set(items)
    people = _people_by(session, [*_question_people(question_where, Question.channel_id),
                                  *_saver_people(item_where, KnowledgeItem.channel_id),
                                  select(KbSearch.channel_id, KbSearch.user_id).where(*search_where)], channel_ids)
    known = {c.channel_id: c for c in session.scalars(select(Conversation).where(
        Conversation.team_id == team_id, Conversation.channel_id.in_(list(channel_ids))))} if channel_ids else {}
    rows = []
    for channel_id in channel_ids:
        conv = known.get(channel_id)
        rows.append(ChannelRow(channel_id, conv.name if conv else channel_id, conv.privacy if conv else None,
                               *asked.get(channel_id, (0, 0, 0, 0)), items.get(channel_id, 0),
                               searched.get(channel_id, 0), people.get(channel_id, People())))
    rows.sort(key=lambda r: (-r.asked, -r.items, r.name))
    return rows


@dataclass(frozen=True)
class ActiveChannel:
    channel_id: str
    name: str
    privacy: str | None  # from the conversations cache; None when not known yet


def active_channels(session: Session, team_id: str, *, since: datetime, until: datetime) -> list[ActiveChannel]:
    """The conversations `channels_table` lists for the period (questions or items in it), without
    counting anything: what every dashboard page needs for its channel filter."""
    found = union(select(Question.channel_id).where(*_question_where(team_id, since, until, None)),
                  select(KnowledgeItem.channel_id).where(*_item_where(team_id, since, until, None))).subquery()
    channel_ids = list(session.scalars(select(found.c.channel_id)))
    known = {c: (name, privacy) for c, name, privacy in session.execute(
        select(Conversation.channel_id, Conversation.name, Conversation.privacy).where(
            Conversation.team_id == team_id, Conversation.channel_id.in_(channel_ids)))} if channel_ids else {}
    return [ActiveChannel(c, *(known.get(c) or (c, None))) for c in channel_ids]


def known_conversations(session: Session, team_id: str) -> dict[str, tuple[str, str]]:
    """channel id → (name, privacy) for every conversation peerbot has looked up."""
    return {c: (name, privacy) for c, name, privacy in session.execute(
        select(Conversation.channel_id, Conversation.name, Conversation.privacy)
        .where(Conversation.team_id == team_id))}


def merge_private(rows: list[ChannelRow], *, shown: set[str], label: str = "private channels") -> list[ChannelRow]:
    """Keep public rows and the private rows in `shown`; fold every other row into one."""
    kept = [r for r in rows if r.privacy == PUBLIC or r.channel_id in shown]
    folded = [r for r in rows if r not in kept]
    if folded:
        kept.append(ChannelRow(None, label, None, *(sum(getattr(r, f) for r in folded) for f in (
            "asked", "answered", "accepted", "unanswered", "items", "searches")),
            People.union(r.people for r in folded)))
    return kept
