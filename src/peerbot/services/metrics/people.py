"""People (`/dashboard/people`): named credit for public help, new experts, expert load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from peerbot.services.experts import is_away
from peerbot.services.metrics import common
from peerbot.services.metrics.questions import helpers_of
from peerbot.store.models import Answer, Expertise, KnowledgeItem, KnowledgeSave, Member, Question, Routing, Topic


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
    helpers = {h.user_id: h for h in helpers_of(session, common.question_where(team_id, since, until,
                                                                                list(public_channels)))}
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

