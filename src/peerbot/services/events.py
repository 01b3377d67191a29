"""Slack delivers an event more than once (retries, incidents): handle each event id once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from peerbot.store.models import ProcessedEvent
from peerbot.store.upsert import insert_ignore


def claim(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """True for the first delivery of this event id, False for a repeat."""
    return insert_ignore(session, ProcessedEvent, event_id=event_id, team_id=team_id, processed_at=now)


def release(session: Session, event_id: str) -> None:
    """Handling failed: let Slack's next retry try again."""
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id))
