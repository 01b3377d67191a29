"""Topics: normalised names, so "Postgres", "postgresql " and "PostgreSQL" are one."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import Topic
from peerbot.store.upsert import insert_ignore

MAX_TOPIC_LENGTH = 80
# A small default list; synonyms map to the canonical name.
SYNONYMS = {
    "postgres": "postgresql",
    "psql": "postgresql",
    "js": "javascript",
    "ts": "typescript",
    "k8s": "kubernetes",
    "py": "python",
    "ml": "machine learning",
}


def normalise(name: str, synonyms: dict[str, str] = SYNONYMS) -> str:
    """Lower case, single spaces, no surrounding punctuation; synonyms folded."""
    cleaned = re.sub(r"\s+", " ", name.strip().lower()).strip(" .,;:!?#'\"")
    return synonyms.get(cleaned, cleaned)[:MAX_TOPIC_LENGTH]


def get_or_create(session: Session, team_id: str, name: str, now: datetime) -> Topic | None:
    canonical = normalise(name)
    if not canonical:
        return None
    ensure_workspace(session, team_id, now)
    insert_ignore(session, Topic, team_id=team_id, name=canonical, created_at=now)
    return session.scalars(select(Topic).where(Topic.team_id == team_id, Topic.name == canonical)).one()


def names(session: Session, team_id: str, limit: int = 50) -> list[str]:
    return list(session.scalars(select(Topic.name).where(Topic.team_id == team_id).order_by(Topic.name).limit(limit)))
