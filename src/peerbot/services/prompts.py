"""The daily "ask an expert" prompt: who is spotlighted, on what, and the
questions asked in the prompt's thread.

The spotlight rotates fairly: among the experts whose topics fit the channel
(topics asked about or saved there, or named by the channel), the one
spotlighted longest ago (or never) goes first; never someone away, gone or a
bot. A period's spotlight is chosen once (its primary key), so a retried
post names the same person.

Questions asked in the prompt's thread (a reply with a question mark, from
anyone but the spotlighted expert) are tracked as questions on the
spotlight's topic; other replies there answer the latest open one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from peerbot.services import digest, questions
from peerbot.services.conversations import ensure_workspace
from peerbot.services.experts import NEVER, is_away
from peerbot.store.models import (
    Answer,
    Conversation,
    Expertise,
    KnowledgeItem,
    Member,
    PromptSpotlight,
    Question,
    Topic,
)
from peerbot.store.upsert import insert_ignore

CHANNEL_TOPIC_LOOKBACK = timedelta(days=90)
OPEN_LOOKBACK = timedelta(days=30)
MAX_TOPICS = 3
MAX_OPEN = 3
THREAD_KEY = "prompt:"  # questions.request_key of a question asked in a prompt's thread


@dataclass(frozen=True)
class Prompt:
    expert_id: str | None
    topics: list[str]
    open_questions: list[digest.OpenQuestion] = field(default_factory=list)
    any_experts: bool = False


def channel_topics(session: Session, team_id: str, channel_id: str, now: datetime) -> list[int]:
    """Topics that fit a channel: asked about or saved there lately, or named by the channel."""
    since = now - CHANNEL_TOPIC_LOOKBACK
    asked = session.scalars(
        select(Question.topic_id).where(Question.team_id == team_id, Question.channel_id == channel_id,
                                        Question.topic_id.is_not(None), Question.created_at >= since)
        .group_by(Question.topic_id).order_by(func.count().desc(), Question.topic_id)
    ).all()
    saved = session.scalars(
        select(KnowledgeItem.topic_id).where(KnowledgeItem.team_id == team_id, KnowledgeItem.channel_id == channel_id,
                                             KnowledgeItem.topic_id.is_not(None), KnowledgeItem.created_at >= since)
        .group_by(KnowledgeItem.topic_id).order_by(func.count().desc(), KnowledgeItem.topic_id)
    ).all()
    found = list(dict.fromkeys([*asked, *saved]))
    conversation = session.get(Conversation, (team_id, channel_id))
    if conversation is not None and conversation.name:
        words = set(re.split(r"[-_.\s]+", conversation.name.lower()))
        for topic_id, name in session.execute(select(Topic.id, Topic.name).where(Topic.team_id == team_id)):
            if name in words and topic_id not in found:
                found.append(topic_id)
    return found


@dataclass(frozen=True)
class _Candidate:
    user_id: str
    topic_ids: list[int]  # declared or earned, fitting first
    fit: int
    last_spotlit: datetime


def _candidates(session: Session, team_id: str, fitting: list[int], now: datetime) -> list[_Candidate]:
    rows = session.execute(
        select(Expertise, Member)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .where(Expertise.team_id == team_id, or_(Expertise.declared.is_(True), Expertise.earned > 0),
               Member.deleted.is_(False), Member.is_bot.is_(False))
    ).all()
    last = dict(session.execute(
        select(PromptSpotlight.expert_id, func.max(PromptSpotlight.created_at))
        .where(PromptSpotlight.team_id == team_id, PromptSpotlight.expert_id.is_not(None))
        .group_by(PromptSpotlight.expert_id)
    ).all())
    by_user: dict[str, list[Expertise]] = {}
    for expertise, member in rows:
        if not is_away(member, now):
            by_user.setdefault(expertise.user_id, []).append(expertise)
    found = []
    for user_id, known in by_user.items():
        fit = [e.topic_id for e in known if e.topic_id in fitting]
        # Only declared topics (or ones that fit the channel) may be named:
        # a topic earned in a private conversation never leaves it.
        shown = sorted(fit, key=fitting.index) + sorted(e.topic_id for e in known
                                                        if e.declared and e.topic_id not in fit)
        if shown:
            found.append(_Candidate(user_id, shown, len(fit), _aware(last.get(user_id))))
    return found


def _aware(moment) -> datetime:
    if moment is None:
        return NEVER
    if isinstance(moment, str):  # func.max() bypasses the column type on SQLite
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=NEVER.tzinfo)


def spotlight(session: Session, team_id: str, channel_id: str, period: str, now: datetime) -> PromptSpotlight:
    """The period's spotlight, chosen once. Experts who fit the channel come
    before the rest; among them, the one spotlighted longest ago."""
    existing = session.get(PromptSpotlight, (team_id, channel_id, period))
    if existing is not None:
        return existing
    fitting = channel_topics(session, team_id, channel_id, now)
    pool = _candidates(session, team_id, fitting, now)
    if any(c.fit for c in pool):
        pool = [c for c in pool if c.fit]
    pool.sort(key=lambda c: (c.last_spotlit, -c.fit, c.user_id))
    chosen = pool[0] if pool else None
    ensure_workspace(session, team_id, now)
    insert_ignore(session, PromptSpotlight, team_id=team_id, channel_id=channel_id, period=period,
                  expert_id=chosen.user_id if chosen else None,
                  topic_id=chosen.topic_ids[0] if chosen else None, created_at=now)
    return session.get(PromptSpotlight, (team_id, channel_id, period), populate_existing=True)


def prepare(session: Session, team_id: str, channel_id: str, period: str, *, now: datetime,
            nameable_channels: set[str]) -> Prompt:
    """The prompt's content. Open questions come from this channel or from
    channels it may name (public ones): their text never leaves a private one."""
    chosen = spotlight(session, team_id, channel_id, period, now)
    any_experts = bool(_candidates(session, team_id, [], now)) or chosen.expert_id is not None
    if chosen.expert_id is None:
        return Prompt(None, [], [], any_experts)
    fitting = channel_topics(session, team_id, channel_id, now)
    candidate = next((c for c in _candidates(session, team_id, fitting, now) if c.user_id == chosen.expert_id), None)
    topic_ids = candidate.topic_ids[:MAX_TOPICS] if candidate else ([chosen.topic_id] if chosen.topic_id else [])
    names = dict(session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(topic_ids))).all())
    waiting = digest.open_questions(session, team_id, nameable_channels | {channel_id}, since=now - OPEN_LOOKBACK,
                                    now=now, topic_ids=topic_ids, limit=MAX_OPEN) if topic_ids else []
    return Prompt(chosen.expert_id, [names[t] for t in topic_ids if t in names], waiting, True)


def posted(session: Session, team_id: str, channel_id: str, period: str, ts: str) -> None:
    session.execute(
        update(PromptSpotlight)
        .where(PromptSpotlight.team_id == team_id, PromptSpotlight.channel_id == channel_id,
               PromptSpotlight.period == period)
        .values(thread_ts=ts)
    )


# ---- the prompt's thread ------------------------------------------------------------------------

def by_thread(session: Session, team_id: str, channel_id: str, thread_ts: str) -> PromptSpotlight | None:
    return session.scalars(
        select(PromptSpotlight).where(PromptSpotlight.team_id == team_id, PromptSpotlight.channel_id == channel_id,
                                      PromptSpotlight.thread_ts == thread_ts)
    ).first()


def is_question(text: str) -> bool:
    return "?" in text


def question_key(thread_ts: str, ts: str) -> str:
    return f"{THREAD_KEY}{thread_ts}:{ts}"


def thread_of(question: Question) -> str | None:
    """Where to reply about a question: a prompt-thread question lives in the
    prompt's thread (it has no card of its own); others in their card's thread."""
    key = question.request_key or ""
    if key.startswith(THREAD_KEY):
        return key[len(THREAD_KEY):].split(":", 1)[0]
    return question.message_ts


def has_card(question: Question) -> bool:
    return not (question.request_key or "").startswith(THREAD_KEY)


def preferred_expert(session: Session, question: Question) -> str | None:
    """The spotlighted expert of the prompt whose thread the question was asked in."""
    thread_ts = thread_of(question)
    if not thread_ts or has_card(question):
        return None
    found = by_thread(session, question.team_id, question.channel_id, thread_ts)
    return found.expert_id if found else None


def ask_in_thread(session: Session, prompt: PromptSpotlight, *, asker_id: str, ts: str, text: str,
                  topic_id: int | None, now: datetime) -> tuple[Question, bool]:
    """Track a question asked in the prompt's thread (once per message)."""
    question, created = questions.ask(
        session, team_id=prompt.team_id, channel_id=prompt.channel_id, asker_id=asker_id, text=text,
        anonymous=False, topic_id=topic_id if topic_id is not None else prompt.topic_id,
        request_key=question_key(prompt.thread_ts, ts), now=now,
    )
    if created:
        questions.card_posted(session, question.id, ts)  # the person's own message is the question
        session.refresh(question)
    return question, created


def answer_in_thread(session: Session, prompt: PromptSpotlight, *, author_id: str, ts: str, text: str,
                     now: datetime) -> tuple[Question, Answer] | None:
    """A reply in the prompt's thread answers its latest open question asked
    by someone else; None when there is none (or the reply was recorded)."""
    question = session.scalars(
        select(Question)
        .where(Question.team_id == prompt.team_id, Question.channel_id == prompt.channel_id,
               Question.request_key.like(f"{THREAD_KEY}{prompt.thread_ts}:%"),
               Question.status == questions.OPEN, Question.asker_id != author_id)
        .order_by(Question.created_at.desc(), Question.id.desc())
    ).first()
    if question is None:
        return None
    created = insert_ignore(session, Answer, question_id=question.id, team_id=prompt.team_id,
                            channel_id=prompt.channel_id, message_ts=ts, author_id=author_id, text=text,
                            created_at=now)
    if not created:
        return None
    return question, questions.answer_at(session, prompt.team_id, prompt.channel_id, ts)
