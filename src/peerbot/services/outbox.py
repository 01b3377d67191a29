"""The outbox: each scheduled post is claimed once by its key (workspace,
channel, kind, period) before Slack is called.

States: `sending` (claimed by one worker), `posted` (Slack took it; its ts
is kept), `pending` (a transient failure: retried by a later run within the
period), `failed` (given up: a permanent error, or too many attempts).

The first claim is an INSERT ... ON CONFLICT DO NOTHING; a later one (a
retry, or a claim whose worker died between "claimed" and "posted") is a
compare-and-swap on `attempts`, so two schedulers, two replicas or a job run
twice never own the same post at once. A re-claimed post may already be in
Slack (the worker crashed after Slack answered, or a timeout hid a success):
`Claim.retry` tells the caller to look for it first (see jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import OutboxPost
from peerbot.store.upsert import insert_ignore

PENDING, SENDING, POSTED, FAILED = "pending", "sending", "posted", "failed"
# A claim older than this whose worker never said "posted" is taken over. A
# Slack call gives up long before (10 s timeouts, a few short retries).
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def block_id(kind: str, period: str) -> str:
    """The outbox key as carried by the post itself (its first block's id),
    so a re-claimed post can be found in the channel's history."""
    return f"peerbot-{kind}-{period}"


@dataclass(frozen=True)
class Claim:
    id: int
    team_id: str
    channel_id: str
    kind: str
    period: str
    attempts: int  # the fencing token: only this claim's attempt may finish it
    retry: bool  # an earlier attempt existed: it may have reached Slack

    @property
    def block_id(self) -> str:
        return block_id(self.kind, self.period)


def claim(session: Session, *, team_id: str, channel_id: str, kind: str, period: str, now: datetime) -> Claim | None:
    """Take the post for this key, or None when another worker has it, it is
    posted, given up, or waiting out a retry delay."""
    ensure_workspace(session, team_id, now)
    if insert_ignore(session, OutboxPost, team_id=team_id, channel_id=channel_id, kind=kind, period=period,
                     status=SENDING, payload="{}", attempts=1, not_before=now, claimed_at=now):
        row = _row(session, team_id, channel_id, kind, period)
        return Claim(row.id, team_id, channel_id, kind, period, 1, retry=False)
    row = _row(session, team_id, channel_id, kind, period)
    retryable = row.status == PENDING and row.not_before <= now
    abandoned = row.status == SENDING and row.claimed_at is not None and row.claimed_at <= now - STALE_CLAIM
    if not (retryable or abandoned):
        return None
    row_id, attempts, status = row.id, row.attempts, row.status
    taken = session.execute(
        update(OutboxPost)
        .where(OutboxPost.id == row_id, OutboxPost.attempts == attempts, OutboxPost.status == status)
        .values(status=SENDING, claimed_at=now, attempts=attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return Claim(row_id, team_id, channel_id, kind, period, attempts + 1, retry=True)


def _row(session: Session, team_id: str, channel_id: str, kind: str, period: str) -> OutboxPost:
    return session.scalars(
        select(OutboxPost).where(OutboxPost.team_id == team_id, OutboxPost.channel_id == channel_id,
                                 OutboxPost.kind == kind, OutboxPost.period == period)
        .execution_options(populate_existing=True)
    ).one()


def _finish(session: Session, claim: Claim, **values) -> bool:
    result = session.execute(
        update(OutboxPost)
        .where(OutboxPost.id == claim.id, OutboxPost.attempts == claim.attempts, OutboxPost.status == SENDING)
        .values(**values)
    )
    return result.rowcount == 1


def posted(session: Session, claim: Claim, ts: str, now: datetime) -> bool:
    """Record Slack's ts. False when this claim had been taken over meanwhile."""
    return _finish(session, claim, status=POSTED, posted_at=now, message_ts=ts, last_error=None)


def retry_later(session: Session, claim: Claim, error: str, now: datetime, delay: timedelta) -> str:
    """A transient failure: pending again, for a later run of the job (within
    the period). Returns the new status (failed after MAX_ATTEMPTS)."""
    status = FAILED if claim.attempts >= MAX_ATTEMPTS else PENDING
    _finish(session, claim, status=status, not_before=now + delay, last_error=error[:255])
    return status


def give_up(session: Session, claim: Claim, error: str) -> None:
    _finish(session, claim, status=FAILED, last_error=error[:255])


def get(session: Session, team_id: str, channel_id: str, kind: str, period: str) -> OutboxPost | None:
    return session.scalars(
        select(OutboxPost).where(OutboxPost.team_id == team_id, OutboxPost.channel_id == channel_id,
                                 OutboxPost.kind == kind, OutboxPost.period == period)
    ).one_or_none()
