"""What every page of figures shares: periods, the small-group rule, medians, and the
WHERE clauses and distinct-people counting the pages' SQL aggregates are built from."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, case, func, select, union
from sqlalchemy.orm import Session

from peerbot.store.models import Answer, KbSearch, KnowledgeItem, KnowledgeSave, Question

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


# ---- counting in the database ----------------------------------------------------------------
# The dashboard counts a period's questions, items and searches with SQL aggregates: nothing
# loads rows into Python just to count them. Distinct people (the small-group rule) are counted in
# SQL too: a UNION of (key, person) pairs, deduplicated by the database, or, where only the rule
# needs them, up to SMALL_GROUP of them (`few_people`).

def question_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [Question.team_id == team_id, Question.message_ts.is_not(None),
             Question.created_at >= since, Question.created_at <= until]
    if channels is not None:
        where.append(Question.channel_id.in_(channels))
    return where


def item_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [KnowledgeItem.team_id == team_id, KnowledgeItem.created_at >= since, KnowledgeItem.created_at <= until]
    if channels is not None:
        where.append(KnowledgeItem.channel_id.in_(channels))
    return where


def search_where(team_id: str, since: datetime, until: datetime, channels: list[str] | None) -> list:
    where = [KbSearch.team_id == team_id, KbSearch.created_at >= since, KbSearch.created_at <= until]
    if channels is not None:
        where.append(KbSearch.channel_id.in_(channels))
    return where


def question_counts(where: list, *keys):
    """Per key: asked, answered, accepted, unanswered, as docs/metrics.md defines them (only
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


def question_people(where: list, key) -> list:
    """(key, person) for askers and answerers (others than the asker) of these questions."""
    return [select(key.label("key"), Question.asker_id.label("person")).where(*where),
            select(key, Answer.author_id).select_from(Question).join(Answer, Answer.question_id == Question.id)
            .where(*where, Answer.author_id != Question.asker_id)]


def saver_people(where: list, key) -> list:
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


def people_by(session: Session, parts: list, keys: set) -> dict:
    """key → People over the UNION of (key, person) selects."""
    pairs = union(*parts).subquery()
    counts = dict(session.execute(select(pairs.c.key, func.count()).group_by(pairs.c.key)).all())
    small = [k for k, n in counts.items() if n < SMALL_GROUP and k in keys]
    few: dict = {}
    if small:
        for key, person in session.execute(select(pairs.c.key, pairs.c.person).where(pairs.c.key.in_(small))):
            few.setdefault(key, set()).add(person)
    return {k: People(n, frozenset(few.get(k, ()))) if n < SMALL_GROUP else People(n) for k, n in counts.items()}
