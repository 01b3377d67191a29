"""What a channel's weekly digest says: the last 7 days, only what that
channel may see (DESIGN.md §3.3 and §3.9).

- knowledge items and accepted answers: the workspace's public ones plus
  this channel's own (`visible_to`);
- questions asked / answered / still open: this channel's;
- top helpers (user ids) on this channel's questions; new experts and their
  declared topics (the directory shows those to everyone);
- knowledge gaps: topic names only when asked about in a nameable channel
  (public, or this one) or declared by someone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from peerbot.services import knowledge, metrics, questions
from peerbot.services.experts import Gap
from peerbot.store.models import Answer, KnowledgeItem, Question, Talk
from peerbot.store.search import visible_to

WINDOW = timedelta(days=7)
MAX_ITEMS = 5
MAX_OPEN = 5
MAX_EXPERTS = 5


@dataclass(frozen=True)
class Item:
    title: str
    link: str | None
    saves: int
    author_id: str | None


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    channel_id: str
    message_ts: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class NewExpert:
    user_id: str
    topics: list[str]


@dataclass
class Digest:
    since: datetime
    until: datetime
    items: list[Item] = field(default_factory=list)
    accepted: list[Item] = field(default_factory=list)
    recordings: list[Item] = field(default_factory=list)  # talks' recordings or slides saved this week
    asked: int = 0
    answered: int = 0
    still_open: int = 0
    open_questions: list[OpenQuestion] = field(default_factory=list)
    helpers: list[metrics.Helper] = field(default_factory=list)
    new_experts: list[NewExpert] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.items or self.accepted or self.recordings or self.asked or self.open_questions
                    or self.new_experts)


def compute(session: Session, team_id: str, channel_id: str, *, now: datetime,
            nameable_channels: set[str] | None = None) -> Digest:
    since = now - WINDOW
    numbers = metrics.compute(session, team_id, now=now, period=WINDOW, channel_id=channel_id,
                            nameable_channels=(nameable_channels or set()) | {channel_id})
    accepted = _accepted(session, team_id, channel_id, since, now)
    recordings = _recordings(session, team_id, channel_id, since, now)
    listed = {item.link for item in accepted} | {item.link for item in recordings}
    items = [
        Item(i.title or knowledge.title_from(i.text), i.permalink, i.score, i.author_id)
        for i in knowledge.most_useful(session, team_id=team_id, channel_id=channel_id,
                                       limit=MAX_ITEMS * 2, since=since)
        if i.created_at <= now and i.permalink not in listed
    ][:MAX_ITEMS]
    return Digest(
        since=since,
        until=now,
        items=items,
        accepted=accepted,
        recordings=recordings,
        asked=numbers.asked,
        answered=numbers.answered,
        still_open=_still_open_count(session, team_id, channel_id, since, now),
        open_questions=open_questions(session, team_id, {channel_id}, since=since, now=now, limit=MAX_OPEN),
        helpers=numbers.helpers,
        new_experts=[NewExpert(e.user_id, e.topics)
                     for e in metrics.new_experts(session, team_id, since=since, until=now)][:MAX_EXPERTS],
        gaps=numbers.gaps,
    )


def _accepted(session: Session, team_id: str, channel_id: str, since: datetime, now: datetime) -> list[Item]:
    """Answers accepted this week, as saved to the knowledge base (which
    carries their privacy), most saved first."""
    rows = session.execute(
        select(KnowledgeItem, Question.text)
        .join(Answer, and_(Answer.team_id == KnowledgeItem.team_id, Answer.channel_id == KnowledgeItem.channel_id,
                           Answer.message_ts == KnowledgeItem.message_ts))
        .join(Question, Question.id == Answer.question_id)
        .where(visible_to(team_id, channel_id), KnowledgeItem.kind == knowledge.ANSWER,
               Answer.accepted_at >= since, Answer.accepted_at <= now)
        .order_by(KnowledgeItem.score.desc(), Answer.accepted_at.desc())
        .limit(MAX_ITEMS)
    ).all()
    return [Item(knowledge.title_from(text), item.permalink, item.score, item.author_id) for item, text in rows]


def _recordings(session: Session, team_id: str, channel_id: str, since: datetime, now: datetime) -> list[Item]:
    """Talks whose recording or slides were saved this week (the knowledge item
    keyed by the talk's card), where this channel may see them."""
    rows = session.scalars(
        select(KnowledgeItem)
        .join(Talk, and_(Talk.team_id == KnowledgeItem.team_id, Talk.channel_id == KnowledgeItem.channel_id,
                         Talk.card_ts == KnowledgeItem.message_ts))
        .where(visible_to(team_id, channel_id), Talk.recording_url.is_not(None),
               KnowledgeItem.created_at >= since, KnowledgeItem.created_at <= now)
        .order_by(KnowledgeItem.created_at.desc())
        .limit(MAX_ITEMS)
    )
    return [Item(i.title or knowledge.title_from(i.text), i.permalink, i.score, i.author_id) for i in rows]


def _still_open_count(session: Session, team_id: str, channel_id: str, since: datetime, now: datetime) -> int:
    return len(session.scalars(
        select(Question.id).where(Question.team_id == team_id, Question.channel_id == channel_id,
                                  Question.status == questions.OPEN, Question.message_ts.is_not(None),
                                  Question.created_at >= since, Question.created_at <= now)
    ).all())


def open_questions(session: Session, team_id: str, channels: set[str], *, since: datetime, now: datetime,
                   topic_ids: list[int] | None = None, limit: int = MAX_OPEN) -> list[OpenQuestion]:
    """Open questions asked in `channels` (the caller passes only channels the
    reader may see), oldest first: a call to action. Never who asked."""
    if not channels:
        return []
    statement = (
        select(Question)
        .where(Question.team_id == team_id, Question.channel_id.in_(sorted(channels)),
               Question.status == questions.OPEN, Question.message_ts.is_not(None),
               Question.created_at >= since, Question.created_at <= now)
        .order_by(Question.created_at, Question.id)
        .limit(limit)
    )
    if topic_ids is not None:
        statement = statement.where(Question.topic_id.in_(topic_ids))
    return [OpenQuestion(q.id, q.channel_id, q.message_ts, q.text, q.created_at) for q in session.scalars(statement)]
