"""The one check-in primitive every programme uses (PROGRAMMES.md §2): a DM
with Met / Not yet / Skip, then an optional 1-5 "useful?" and a comment.
Each (programme, subject, person, step) is asked once (a unique key); three
unanswered in a row pause the person and ask stay / pause / leave, in every
programme (what pausing and leaving mean is the programme's: programme_flow).

Ratings and comments are never shown per person: only aggregates (metrics)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.services import programmes
from peerbot.store.models import CheckIn, ProgrammeMember
from peerbot.store.upsert import insert_ignore

MET, NOT_YET, SKIP = "met", "not_yet", "skip"
ANSWERS = (MET, NOT_YET, SKIP)
UNANSWERED_TO_PAUSE = 3
UNANSWERED_AFTER = timedelta(days=7)  # a check-in still waiting after a week counts as unanswered
PARTICIPANT = "participant"  # the role of someone a programme does not enrol (a circle member)
MAX_COMMENT = 1000


def ask(session: Session, *, team_id: str, kind: str, subject_id: int, user_id: str, step: str, due_date: str,
        now: datetime) -> CheckIn:
    """The check-in for this key, created once whoever asks first."""
    ensure_workspace(session, team_id, now)
    insert_ignore(session, CheckIn, team_id=team_id, kind=kind, subject_id=subject_id, user_id=user_id, step=step,
                  due_date=due_date, asked_at=now)
    return session.scalars(select(CheckIn).where(
        CheckIn.team_id == team_id, CheckIn.kind == kind, CheckIn.subject_id == subject_id,
        CheckIn.user_id == user_id, CheckIn.step == step)).one()


def delivered(session: Session, checkin_id: int, channel_id: str, ts: str) -> None:
    session.execute(update(CheckIn).where(CheckIn.id == checkin_id).values(channel_id=channel_id, message_ts=ts))


@dataclass(frozen=True)
class Answered:
    checkin: CheckIn | None
    recorded: bool  # False: not theirs, unknown, or already answered that way
    problem: str | None = None


def answer(session: Session, checkin_id: int, user_id: str, value: str, now: datetime) -> Answered:
    """Record an answer. Once answered it stays, except that "Not yet" (or
    Skip) may later become "Met" when the meeting happens."""
    row = session.get(CheckIn, checkin_id)
    if row is None or value not in ANSWERS:
        return Answered(None, False, "That check-in is no longer open.")
    if row.user_id != user_id:
        return Answered(row, False, f"This check-in is for <@{row.user_id}>, so only they can answer it.")
    allowed = CheckIn.answer.is_(None)
    if value == MET:
        allowed = or_(allowed, CheckIn.answer.in_((NOT_YET, SKIP)))
    values = {"answer": value, "answered_at": now}
    if value == MET:
        values["met_at"] = now
    result = session.execute(update(CheckIn).where(CheckIn.id == checkin_id, allowed).values(**values)
                             .execution_options(synchronize_session=False))
    session.refresh(row)
    return Answered(row, result.rowcount == 1)


def rate(session: Session, checkin_id: int, user_id: str, rating: int | None = None,
         comment: str | None = None) -> CheckIn | None:
    row = session.get(CheckIn, checkin_id)
    if row is None or row.user_id != user_id:
        return None
    if rating is not None and 1 <= rating <= 5:
        row.rating = rating
    if comment is not None:
        row.comment = comment.strip()[:MAX_COMMENT] or None
    session.flush()
    return row


def unanswered_streak(session: Session, team_id: str, kind: str, user_id: str, since: datetime | None,
                      now: datetime) -> int:
    """How many of this person's latest check-ins in this programme (any
    subject) went unanswered in a row. One asked less than a week ago may
    still be answered: it neither counts nor breaks the run."""
    query = select(CheckIn.answer, CheckIn.asked_at).where(
        CheckIn.team_id == team_id, CheckIn.kind == kind, CheckIn.user_id == user_id,
        CheckIn.message_ts.is_not(None))
    if since is not None:
        query = query.where(CheckIn.asked_at >= since)
    streak = 0
    for value, asked_at in session.execute(query.order_by(CheckIn.asked_at.desc(), CheckIn.id.desc())):
        if value is not None:
            break
        if asked_at <= now - UNANSWERED_AFTER:
            streak += 1
    return streak


@dataclass(frozen=True)
class Standing:
    quiet: bool  # paused, or left every role: no check-ins
    since: datetime | None  # the last (re)start: unanswered check-ins count from here


def standing(session: Session, team_id: str, kind: str, user_id: str, now: datetime) -> Standing:
    """A person's standing in a programme across their roles (hire and buddy,
    mentee and mentor): a pause of any role quiets their check-ins; leaving
    one role while another carries on does not."""
    rows = list(session.scalars(select(ProgrammeMember).where(
        ProgrammeMember.team_id == team_id, ProgrammeMember.kind == kind, ProgrammeMember.user_id == user_id)))
    paused = any(r.status == programmes.PAUSED and (r.paused_until is None or r.paused_until > now) for r in rows)
    gone = bool(rows) and all(r.status == programmes.LEFT for r in rows)
    return Standing(paused or gone, max((r.resumed_at for r in rows if r.resumed_at), default=None))


def set_standing(session: Session, team_id: str, kind: str, user_id: str, status: str, now: datetime) -> None:
    """Stay, pause or leave every role the person holds in the programme:
    stay resumes only what was paused, pause only what was active. Someone
    with no role (a circle member joins round by round) gets a participant's."""
    if session.scalar(select(ProgrammeMember.role).where(
            ProgrammeMember.team_id == team_id, ProgrammeMember.kind == kind,
            ProgrammeMember.user_id == user_id).limit(1)) is None:
        programmes.join(session, team_id, kind, user_id, PARTICIPANT, now)
    moves = {programmes.ACTIVE: (programmes.PAUSED,), programmes.PAUSED: (programmes.ACTIVE,),
             programmes.LEFT: (programmes.ACTIVE, programmes.PAUSED)}[status]
    for row in session.scalars(select(ProgrammeMember).where(
            ProgrammeMember.team_id == team_id, ProgrammeMember.kind == kind, ProgrammeMember.user_id == user_id,
            ProgrammeMember.status.in_(moves))).all():
        programmes.set_status(session, team_id, kind, user_id, row.role, status, now)


def of_subject(session: Session, team_id: str, kind: str, subject_id: int) -> list[CheckIn]:
    return list(session.scalars(select(CheckIn).where(CheckIn.team_id == team_id, CheckIn.kind == kind,
                                                      CheckIn.subject_id == subject_id).order_by(CheckIn.id)))
