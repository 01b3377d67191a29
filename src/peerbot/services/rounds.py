"""A matching round an admin previews before it is published (PROGRAMMES.md
§2): buddy suggestions for a hire, a mentoring cohort, a circle round. The
programme proposes once per round key (the engine's groups and who could not
be placed, with why); the admin sees the preview and presses Publish; the
publish happens once, whoever clicks twice. What publishing does is the
programme's business (programme_flow.PUBLISHERS)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import MatchRound
from peerbot.store.upsert import insert_ignore

DRAFT, PUBLISHED = "draft", "published"


def propose(session: Session, *, team_id: str, kind: str, key: str, admin_id: str, groups: list[list[str]],
            unplaced: dict[str, str], now: datetime) -> MatchRound:
    """The round for this key, proposed once: a later call returns the first proposal."""
    ensure_workspace(session, team_id, now)
    insert_ignore(session, MatchRound, team_id=team_id, kind=kind, round_key=key, admin_id=admin_id,
                  proposal=json.dumps({"groups": groups, "unplaced": unplaced}), status=DRAFT, created_at=now)
    return find(session, team_id, kind, key)


def find(session: Session, team_id: str, kind: str, key: str) -> MatchRound | None:
    return session.scalars(select(MatchRound).where(MatchRound.team_id == team_id, MatchRound.kind == kind,
                                                    MatchRound.round_key == key)).one_or_none()


def proposal_of(row: MatchRound) -> tuple[list[list[str]], dict[str, str]]:
    data = json.loads(row.proposal)
    return data["groups"], data["unplaced"]


def publish(session: Session, round_id: int, user_id: str, now: datetime) -> bool:
    """True for the one click that published it."""
    result = session.execute(update(MatchRound).where(MatchRound.id == round_id, MatchRound.status == DRAFT)
                             .values(status=PUBLISHED, published_at=now, published_by=user_id)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def drafts(session: Session, team_id: str, admin_id: str) -> list[MatchRound]:
    """Rounds waiting for this admin's preview (App Home)."""
    return list(session.scalars(select(MatchRound).where(MatchRound.team_id == team_id,
                                                         MatchRound.admin_id == admin_id,
                                                         MatchRound.status == DRAFT).order_by(MatchRound.id)))
