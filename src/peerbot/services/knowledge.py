"""The knowledge base: saved messages, accepted answers and tips.

A Slack message is saved once (its key is team, channel, message ts); each
person's save is one row in knowledge_saves, and the item's score counts
them. Both are enforced by unique keys and atomic updates, so retries,
double clicks and racing replicas count once."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from peerbot.store.models import KnowledgeItem, KnowledgeSave
from peerbot.store.search import Hit, search_items, visible_to
from peerbot.store.upsert import insert_ignore

MESSAGE, ANSWER, TIP = "message", "answer", "tip"
# A later save may make an item more specific, never less: a bookmarked reply
# that is then accepted becomes an answer.
_KIND_RANK = {MESSAGE: 0, TIP: 1, ANSWER: 2}


@dataclass(frozen=True)
class MessageToSave:
    team_id: str
    channel_id: str
    message_ts: str
    is_public: bool
    text: str
    author_id: str | None
    permalink: str | None
    kind: str = MESSAGE
    title: str = ""  # "" → derived from the text with title_from
    topic_id: int | None = None
    question_id: int | None = None


@dataclass(frozen=True)
class SaveResult:
    item: KnowledgeItem
    created: bool  # this call created the item
    counted: bool  # this user's save was new (the score went up)


# <@U1>, <@U1|name>, <#C1|name>, <!here>, <!subteam^S1|@team>, <https://x|label>, <mailto:a@b>
_SLACK_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
# What is left of markup cut in half by a snippet's edges.
_CUT_MARKUP = re.compile(r"^[^<]*>|<[^>]*$")


def _readable_markup(match: re.Match) -> str:
    sigil, target, label = match.groups()
    if label:
        return label if sigil != "#" or label.startswith("#") else "#" + label
    if sigil == "!":
        return "@" + target.split("^")[0]
    return sigil + target


def readable(text: str, *, excerpt: bool = False) -> str:
    """Slack-formatted text as people see it: mentions, channels and links
    reduced to their names and labels, Slack's escaping undone. An excerpt
    also drops markup cut in half at its edges."""
    text = _SLACK_MARKUP.sub(_readable_markup, text or "")
    if excerpt:
        text = _CUT_MARKUP.sub("…", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def title_from(text: str, limit: int = 80) -> str:
    """A readable one-line title: the first non-empty line, Slack markup
    reduced to what people see, whitespace collapsed, cut at `limit`."""
    line = next((" ".join(line.split()) for line in readable(text).splitlines() if line.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:  # end on a word boundary when one is near
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def save(session: Session, message: MessageToSave, *, saved_by: str, via: str, now: datetime) -> SaveResult:
    """Save a message for `saved_by`, once per message and once per person."""
    created = insert_ignore(
        session,
        KnowledgeItem,
        team_id=message.team_id,
        channel_id=message.channel_id,
        message_ts=message.message_ts,
        is_public=message.is_public,
        kind=message.kind,
        title=message.title or title_from(message.text),
        text=message.text,
        author_id=message.author_id,
        saved_by=saved_by,
        topic_id=message.topic_id,
        question_id=message.question_id,
        permalink=message.permalink,
        score=0,
        created_at=now,
        updated_at=now,
    )
    item_id = _item_id(session, message.team_id, message.channel_id, message.message_ts)
    counted = insert_ignore(session, KnowledgeSave, item_id=item_id, user_id=saved_by, via=via, created_at=now)
    if counted:
        session.execute(
            update(KnowledgeItem)
            .where(KnowledgeItem.id == item_id)
            .values(score=KnowledgeItem.score + 1)
            .execution_options(synchronize_session=False)
        )
    item = session.scalars(
        select(KnowledgeItem).where(KnowledgeItem.id == item_id).execution_options(populate_existing=True)
    ).one()
    if not created:
        _upgrade(item, message, now)
        session.flush()
    return SaveResult(item, created, counted)


def _upgrade(item: KnowledgeItem, message: MessageToSave, now: datetime) -> None:
    """Make an existing item more specific with what this save knows."""
    changed = False
    if _KIND_RANK.get(message.kind, 0) > _KIND_RANK.get(item.kind, 0):
        item.kind, changed = message.kind, True
    if message.title and message.title != item.title and item.title == title_from(item.text):
        item.title, changed = message.title, True  # a chosen title beats a derived one
    for field in ("topic_id", "question_id", "author_id", "permalink"):
        if getattr(item, field) is None and getattr(message, field) is not None:
            setattr(item, field, getattr(message, field))
            changed = True
    if item.is_public and not message.is_public:
        item.is_public, changed = False, True  # the channel went private: privacy only tightens
    if changed:
        item.updated_at = now


def unsave(session: Session, *, team_id: str, channel_id: str, message_ts: str, user_id: str, via: str = "reaction") -> bool:
    """Remove `user_id`'s save made via `via` (a removed reaction does not undo
    a shortcut save). The item stays. True when a save was removed."""
    item_id = _item_id(session, team_id, channel_id, message_ts)
    if item_id is None:
        return False
    removed = session.execute(
        delete(KnowledgeSave)
        .where(KnowledgeSave.item_id == item_id, KnowledgeSave.user_id == user_id, KnowledgeSave.via == via)
        .returning(KnowledgeSave.item_id)
        .execution_options(synchronize_session=False)
    ).first()
    if removed is None:
        return False
    session.execute(
        update(KnowledgeItem)
        .where(KnowledgeItem.id == item_id)
        .values(score=case((KnowledgeItem.score > 0, KnowledgeItem.score - 1), else_=0))
        .execution_options(synchronize_session=False)
    )
    _expire_score(session, item_id)
    return True


def update_text(session: Session, *, team_id: str, channel_id: str, message_ts: str, text: str, now: datetime) -> bool:
    """The message was edited in Slack: follow it (the search index follows
    through triggers or the generated column). A chosen title is kept."""
    item = _load(session, team_id, channel_id, message_ts)
    if item is None:
        return False
    if item.title == title_from(item.text):
        item.title = title_from(text)
    item.text = text
    item.updated_at = now
    session.flush()
    return True


def forget(session: Session, *, team_id: str, channel_id: str, message_ts: str) -> bool:
    """The message was deleted in Slack: delete the item, its saves and its search entry."""
    removed = session.execute(
        delete(KnowledgeItem)
        .where(*_key(team_id, channel_id, message_ts))
        .returning(KnowledgeItem.id)  # a loaded copy leaves the session with it
    ).first()
    return removed is not None


def search(
    session: Session, *, team_id: str, channel_id: str | None, query: str, limit: int = 5
) -> list[tuple[KnowledgeItem, Hit]]:
    """Items matching `query` that this channel may see, best first, each
    with its hit (the snippet made readable: no Slack markup)."""
    hits = search_items(session, team_id=team_id, channel_id=channel_id, query=query, limit=limit)
    if not hits:
        return []
    items = {
        item.id: item
        for item in session.scalars(select(KnowledgeItem).where(KnowledgeItem.id.in_([hit.item_id for hit in hits])))
    }
    return [
        (items[hit.item_id], replace(hit, snippet=readable(hit.snippet, excerpt=True)))
        for hit in hits
        if hit.item_id in items  # deleted since the search, by a concurrent transaction
    ]


def most_useful(
    session: Session, *, team_id: str, channel_id: str | None, limit: int = 5, since: datetime | None = None
) -> list[KnowledgeItem]:
    """The most saved items this channel may see (first saved at or after
    `since`, when given), newest first among equals."""
    statement = select(KnowledgeItem).where(visible_to(team_id, channel_id))
    if since is not None:
        statement = statement.where(KnowledgeItem.created_at >= since)
    statement = statement.order_by(
        KnowledgeItem.score.desc(), KnowledgeItem.created_at.desc(), KnowledgeItem.id.desc()
    ).limit(limit)
    return list(session.scalars(statement))


def saved_by_user(session: Session, *, team_id: str, user_id: str, limit: int = 10) -> list[KnowledgeItem]:
    """What this person saved, most recently saved first."""
    statement = (
        select(KnowledgeItem)
        .join(KnowledgeSave, KnowledgeSave.item_id == KnowledgeItem.id)
        .where(KnowledgeItem.team_id == team_id, KnowledgeSave.user_id == user_id)
        .order_by(KnowledgeSave.created_at.desc(), KnowledgeItem.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def _key(team_id: str, channel_id: str, message_ts: str):
    return (
        KnowledgeItem.team_id == team_id,
        KnowledgeItem.channel_id == channel_id,
        KnowledgeItem.message_ts == message_ts,
    )


def _item_id(session: Session, team_id: str, channel_id: str, message_ts: str) -> int | None:
    return session.scalar(select(KnowledgeItem.id).where(*_key(team_id, channel_id, message_ts)))


def find(session: Session, *, team_id: str, channel_id: str, message_ts: str) -> KnowledgeItem | None:
    """The saved copy of a Slack message, if there is one."""
    return _load(session, team_id, channel_id, message_ts)


def _load(session: Session, team_id: str, channel_id: str, message_ts: str) -> KnowledgeItem | None:
    return session.scalar(select(KnowledgeItem).where(*_key(team_id, channel_id, message_ts)))


def _expire_score(session: Session, item_id: int) -> None:
    """An already-loaded copy of the item re-reads its score, changed in SQL."""
    item = session.identity_map.get(identity_key(KnowledgeItem, item_id))
    if item is not None:
        session.expire(item, ["score"])
