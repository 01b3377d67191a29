"""Topics (`/dashboard/topics`): demand (questions, searches that found nothing) against supply
(experts, items) per topic, and a topic's own page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, case, distinct, func, select, union
from sqlalchemy.orm import Session

from peerbot.services.experts import ExpertEntry, experts_on
from peerbot.services.metrics import common
from peerbot.store.models import Expertise, KbSearch, KnowledgeItem, Member, Question, QuestionVote, Topic


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
    question_where = [*common.question_where(team_id, since, until, channels), Question.topic_id.is_not(None)]
    search_where = [*common.search_where(team_id, since, until, channels), KbSearch.topic_id.is_not(None)]
    asked: dict[int, list[int]] = {}  # topic → [questions, unanswered]
    asked_in: dict[int, set[str]] = {}
    for topic_id, channel_id, count, _answered, _accepted, unanswered in session.execute(
            common.question_counts(question_where, Question.topic_id, Question.channel_id)):
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
    public_item = session.scalar(select(KnowledgeItem.id).where(  # ix_knowledge_items_team_topic
        KnowledgeItem.team_id == team_id, KnowledgeItem.topic_id == topic.id, KnowledgeItem.is_public.is_(True))
        .limit(1))
    if not (declared or public_item is not None or asked_in & nameable_channels):
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

