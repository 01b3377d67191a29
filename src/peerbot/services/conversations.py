"""Workspaces, members and conversations as peerbot remembers them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from peerbot.store.models import Conversation, Member, Workspace
from peerbot.store.upsert import insert_ignore


def ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    insert_ignore(session, Workspace, team_id=team_id, name="", created_at=now)


def remember(session: Session, team_id: str, channel_id: str, *, name: str, privacy: str, now: datetime) -> None:
    ensure_workspace(session, team_id, now)
    if not insert_ignore(
        session, Conversation, team_id=team_id, channel_id=channel_id, name=name, privacy=privacy, refreshed_at=now
    ):
        session.execute(
            update(Conversation)
            .where(Conversation.team_id == team_id, Conversation.channel_id == channel_id)
            .values(name=name, privacy=privacy, refreshed_at=now)
        )


def remember_member(session: Session, team_id: str, user: dict, now: datetime) -> Member:
    """Store what users.info said about someone."""
    ensure_workspace(session, team_id, now)
    fields = dict(
        name=user.get("name") or "",
        real_name=user.get("real_name") or user.get("profile", {}).get("real_name") or "",
        tz=user.get("tz"),
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
        refreshed_at=now,
    )
    if not insert_ignore(session, Member, team_id=team_id, user_id=user["id"], **fields):
        session.execute(
            update(Member).where(Member.team_id == team_id, Member.user_id == user["id"]).values(**fields)
        )
    return session.get(Member, (team_id, user["id"]), populate_existing=True)
