"""Channels (`/dashboard/channels`): activity per conversation, private ones folded for
viewers who are not members; and the period's channels every page's filter lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, union
from sqlalchemy.orm import Session

from peerbot.services.metrics import common
from peerbot.services.metrics.common import People
from peerbot.store.models import PUBLIC, Conversation, KbSearch, KnowledgeItem, Question


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
    question_where = common.question_where(team_id, since, until, None)
    item_where = common.item_where(team_id, since, until, None)
    search_where = common.search_where(team_id, since, until, None)
    asked = {channel_id: counts for channel_id, *counts in session.execute(
        common.question_counts(question_where, Question.channel_id))}
    items = dict(session.execute(select(KnowledgeItem.channel_id, func.count()).where(*item_where)
                                 .group_by(KnowledgeItem.channel_id)).all())
    searched = dict(session.execute(select(KbSearch.channel_id, func.count()).where(*search_where)
                                    .group_by(KbSearch.channel_id)).all())
    channel_ids = set(asked) | set(items)
    people = common.people_by(session, [*common.question_people(question_where, Question.channel_id),
                                  *common.saver_people(item_where, KnowledgeItem.channel_id),
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
    found = union(select(Question.channel_id).where(*common.question_where(team_id, since, until, None)),
                  _item_channels(team_id, since, until)).subquery()
    channel_ids = list(session.scalars(select(found.c.channel_id)))
    known = {c: (name, privacy) for c, name, privacy in session.execute(
        select(Conversation.channel_id, Conversation.name, Conversation.privacy).where(
            Conversation.team_id == team_id, Conversation.channel_id.in_(channel_ids)))} if channel_ids else {}
    return [ActiveChannel(c, *(known.get(c) or (c, None))) for c in channel_ids]


def _item_channels(team_id: str, since: datetime, until: datetime):
    """Channels with items saved in [since, until], without reading the period's items: a walk
    over ix_knowledge_items_team_channel_created from one channel id to the next, and one probe
    per channel for an item in the period."""
    item = KnowledgeItem
    walk = select(func.min(item.channel_id).label("channel_id")).where(item.team_id == team_id).cte(
        "item_channels", recursive=True)
    walk = walk.union_all(select(select(func.min(item.channel_id)).where(
        item.team_id == team_id, item.channel_id > walk.c.channel_id).scalar_subquery())
        .where(walk.c.channel_id.is_not(None)))
    in_period = exists().where(item.team_id == team_id, item.channel_id == walk.c.channel_id,
                               item.created_at >= since, item.created_at <= until)
    return select(walk.c.channel_id).where(walk.c.channel_id.is_not(None), in_period)


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
