"""Peer coaching circles (PROGRAMMES.md §5): a round's 7-day opt-in window,
groups of 3-6 from the one matching engine (avoiding people who shared a
circle in the last 2 rounds, and people with the same manager where peerbot
knows it: from a buddy enrolment), six sessions every 2 weeks at the time the
circle sets, a facilitator rotating so that everyone facilitates once before
anyone twice, attendance and one commitment per member and session.

Pure or Session + `now`; Slack is elsewhere. Services flush, never commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peerbot.services import matching
from peerbot.services.buddies import date_token, offset_seconds
from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import (BuddyPairing, Circle, CircleAttendance, CircleCommitment, CircleOptIn,
                                  CircleRound, Member)
from peerbot.store.upsert import insert_ignore

WINDOW = timedelta(days=7)
MIN_SIZE, MAX_SIZE, TARGET_SIZE = 3, 6, 4
SESSIONS = 6
EVERY = timedelta(days=14)
LENGTH = timedelta(minutes=60)
ANNOUNCE_BEFORE = timedelta(days=3)
REMINDERS = (("1d", timedelta(days=1)), ("15m", timedelta(minutes=15)))
RECENT_ROUNDS = 2
MAX_COMMITMENT = 300
OPEN, FORMED, TOO_FEW = "open", "formed", "too_few"
OUTCOMES = {"done": "done", "partly": "partly", "not_yet": "not yet"}
PROTOCOL = ("*How a session runs* (60 minutes): one member brings a challenge (10 min) · the others ask "
            "clarifying questions only (10 min) · peers discuss while the member listens (25 min) · the member "
            "shares takeaways and everyone records one commitment (15 min).")


# ---- /circle ... -----------------------------------------------------------------------------------------

USAGE = ("Usage: `/circle` shows your circle · `/circle join` or `/circle leave` for the round that is open · "
         "`/circle open` opens a round (admins).")


def parse_command(text: str) -> tuple[str, str | None]:
    """(action, problem): status | join | leave | open | usage."""
    words = text.lower().split()
    if not words:
        return "status", None
    if len(words) == 1 and words[0] in ("join", "leave", "open"):
        return words[0], None
    return "usage", USAGE


# ---- the round ---------------------------------------------------------------------------------------------


def open_round_of(session: Session, team_id: str) -> CircleRound | None:
    return session.scalars(select(CircleRound).where(CircleRound.team_id == team_id,
                                                     CircleRound.open_key == team_id)).one_or_none()


def open_round(session: Session, team_id: str, by: str, now: datetime) -> tuple[CircleRound | None, str | None]:
    ensure_workspace(session, team_id, now)
    if not insert_ignore(session, CircleRound, team_id=team_id, opened_by=by, status=OPEN, open_key=team_id,
                         opens_at=now, closes_at=now + WINDOW):
        current = open_round_of(session, team_id)
        return None, f"A round is already open until {date_token(current.closes_at)}. Nothing changed."
    return open_round_of(session, team_id), None


def posted(session: Session, round_id: int, channel_id: str, ts: str) -> None:
    session.execute(update(CircleRound).where(CircleRound.id == round_id).values(channel_id=channel_id,
                                                                                message_ts=ts))


def join(session: Session, team_id: str, user_id: str, now: datetime) -> str | None:
    """None when joined; otherwise why not (nothing changes)."""
    current = open_round_of(session, team_id)
    if current is None or current.closes_at <= now:
        return "There's no circle round open right now. You'll see the next one in the programme's channel."
    if not insert_ignore(session, CircleOptIn, round_id=current.id, user_id=user_id, team_id=team_id,
                         joined_at=now):
        return f"You've already joined this round. Circles are formed {date_token(current.closes_at)}."
    return None


def leave(session: Session, team_id: str, user_id: str, now: datetime) -> str | None:
    current = open_round_of(session, team_id)
    if current is None or current.closes_at <= now:
        return "There's no circle round open right now, so there's nothing to leave."
    row = session.get(CircleOptIn, (current.id, user_id))
    if row is None:
        return "You haven't joined this round."
    session.delete(row)
    session.flush()
    return None


def opted_in(session: Session, round_id: int) -> list[str]:
    return list(session.scalars(select(CircleOptIn.user_id).where(CircleOptIn.round_id == round_id)
                                .order_by(CircleOptIn.user_id)))


def due_rounds(session: Session, team_id: str, now: datetime) -> list[CircleRound]:
    return list(session.scalars(select(CircleRound).where(CircleRound.team_id == team_id,
                                                          CircleRound.status == OPEN, CircleRound.closes_at <= now)))


def recent_pairs(session: Session, team_id: str, before_round: int) -> set[tuple[str, str]]:
    """Everyone who shared a circle in the team's last 2 formed rounds."""
    rounds = list(session.scalars(select(CircleRound.id).where(
        CircleRound.team_id == team_id, CircleRound.status == FORMED, CircleRound.id < before_round)
        .order_by(CircleRound.id.desc()).limit(RECENT_ROUNDS)))
    pairs = set()
    for members in session.scalars(select(Circle.members).where(Circle.round_id.in_(rounds))):
        people = json.loads(members)
        pairs |= {(a, b) for a in people for b in people if a < b}
    return pairs


def known_managers(session: Session, team_id: str, user_ids: list[str]) -> dict[str, str]:
    """Person -> manager, where peerbot knows it: the manager named when they
    were enrolled as a new hire (the latest enrolment wins)."""
    rows = session.execute(select(BuddyPairing.hire_id, BuddyPairing.manager_id).where(
        BuddyPairing.team_id == team_id, BuddyPairing.hire_id.in_(user_ids), BuddyPairing.manager_id.is_not(None))
        .order_by(BuddyPairing.id))
    return dict(rows.all()) if user_ids else {}


def same_manager_pairs(managers: dict[str, str]) -> set[tuple[str, str]]:
    return {(a, b) for a in managers for b in managers if a < b and managers[a] == managers[b]}


@dataclass(frozen=True)
class Formed:
    circles: list[Circle]
    unplaced: dict[str, str]  # person -> why (too few joined, or no group could take them)


def form(session: Session, round_id: int, now: datetime) -> Formed | None:
    """Close the window and form the circles, once (None when another run did)."""
    row = session.get(CircleRound, round_id)
    people = opted_in(session, round_id)
    members = {m.user_id: m for m in session.scalars(select(Member).where(Member.team_id == row.team_id,
                                                                         Member.user_id.in_(people)))}
    managers = known_managers(session, row.team_id, people)
    # A manager never shares a circle with their report (the engine's hard rule); two reports of one
    # manager are kept apart as strongly as recent co-members, but grouped together rather than left out.
    persons = [matching.Person(u, tz_offset=offset_seconds(members[u].tz if u in members else None, now),
                               manager=managers.get(u)) for u in people]
    avoid = recent_pairs(session, row.team_id, round_id) | same_manager_pairs(managers)
    grouping = matching.group(persons, min_size=MIN_SIZE, max_size=MAX_SIZE, target=TARGET_SIZE,
                              rules=matching.Rules.of(recent=avoid), seed=round_id)
    status = FORMED if grouping.groups else TOO_FEW
    won = session.execute(update(CircleRound).where(CircleRound.id == round_id, CircleRound.status == OPEN)
                          .values(status=status, open_key=None).execution_options(synchronize_session=False))
    if won.rowcount != 1:
        return None
    circles = []
    for group in grouping.groups:
        circle = Circle(team_id=row.team_id, round_id=round_id, members=json.dumps(list(group)), created_at=now)
        session.add(circle)
        circles.append(circle)
    session.flush()
    return Formed(circles, dict(grouping.unplaced))


# ---- a circle and its sessions ---------------------------------------------------------------------------


def members_of(circle: Circle) -> list[str]:
    return json.loads(circle.members)


def session_times(circle: Circle) -> list[datetime]:
    if circle.first_session_at is None:
        return []
    return [circle.first_session_at + EVERY * n for n in range(SESSIONS)]


def facilitator(circle: Circle, number: int) -> str:
    """Session `number` (1-6): members take turns in order, so everyone
    facilitates once before anyone does twice."""
    people = members_of(circle)
    return people[(number - 1) % len(people)]


def running(circle: Circle, now: datetime) -> bool:
    """The time is not set yet, or sessions (and the last one's follow-up) are ahead."""
    return circle.first_session_at is None or session_times(circle)[-1] + EVERY > now


def circles_of(session: Session, team_id: str, now: datetime, user_id: str | None = None) -> list[Circle]:
    rows = session.scalars(select(Circle).where(Circle.team_id == team_id).order_by(Circle.id))
    return [c for c in rows if (user_id is None or user_id in members_of(c)) and running(c, now)]


def set_time(session: Session, circle_id: int, user_id: str, when: datetime, now: datetime) -> str | None:
    circle = session.get(Circle, circle_id)
    if circle is None or user_id not in members_of(circle):
        return "Only the circle's members can set its time."
    if when <= now:
        return "Pick a time in the future."
    done = session.execute(update(Circle).where(Circle.id == circle_id, Circle.first_session_at.is_(None))
                           .values(first_session_at=when, time_set_by=user_id)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        session.refresh(circle)
        return (f"<@{circle.time_set_by}> already set the time: {date_token(circle.first_session_at)}, "
                "every two weeks. Nothing changed.")
    return None


def mark_attendance(session: Session, circle_id: int, number: int, by: str, present: set[str]) -> str | None:
    circle = session.get(Circle, circle_id)
    if circle is None or not 1 <= number <= SESSIONS:
        return "That session no longer exists."
    if by != facilitator(circle, number):
        return f"Only this session's facilitator, <@{facilitator(circle, number)}>, marks attendance."
    for user_id in members_of(circle):
        if not insert_ignore(session, CircleAttendance, circle_id=circle_id, number=number, user_id=user_id,
                             present=user_id in present, marked_by=by):
            session.execute(update(CircleAttendance).where(
                CircleAttendance.circle_id == circle_id, CircleAttendance.number == number,
                CircleAttendance.user_id == user_id).values(present=user_id in present, marked_by=by))
    return None


def attendance(session: Session, circle_id: int, number: int) -> dict[str, bool]:
    return {a.user_id: a.present for a in session.scalars(select(CircleAttendance).where(
        CircleAttendance.circle_id == circle_id, CircleAttendance.number == number))}


def commit(session: Session, circle_id: int, number: int, user_id: str, text: str, now: datetime) -> str | None:
    circle = session.get(Circle, circle_id)
    if circle is None or user_id not in members_of(circle):
        return "Only the circle's members record commitments here."
    text = " ".join(text.split())[:MAX_COMMITMENT]
    if not text:
        return "Write your commitment in a sentence."
    if not insert_ignore(session, CircleCommitment, circle_id=circle_id, number=number, user_id=user_id,
                         text=text, created_at=now):
        session.execute(update(CircleCommitment).where(
            CircleCommitment.circle_id == circle_id, CircleCommitment.number == number,
            CircleCommitment.user_id == user_id).values(text=text))
    return None


def commitments(session: Session, circle_id: int, number: int) -> list[CircleCommitment]:
    return list(session.scalars(select(CircleCommitment).where(
        CircleCommitment.circle_id == circle_id, CircleCommitment.number == number)
        .order_by(CircleCommitment.user_id)))


def follow_up(session: Session, commitment_id: int, user_id: str, outcome: str) -> tuple[CircleCommitment | None,
                                                                                           str | None]:
    row = session.get(CircleCommitment, commitment_id)
    if row is None or outcome not in OUTCOMES:
        return None, "That commitment no longer exists."
    if row.user_id != user_id:
        return None, f"This is <@{row.user_id}>'s commitment, so only they can say how it went."
    row.outcome = outcome
    session.flush()
    return row, None


def home_lines(session: Session, team_id: str, user_id: str, now: datetime) -> list[str]:
    """The viewer's circle on their App Home: the next session and who facilitates."""
    lines = []
    for circle in circles_of(session, team_id, now, user_id):
        upcoming = [(n, t) for n, t in enumerate(session_times(circle), 1) if t + LENGTH > now]
        if circle.first_session_at is None:
            lines.append("• Coaching circle: the time isn't set yet (set it in your circle's group chat)")
        elif upcoming:
            n, t = upcoming[0]
            lines.append(f"• Coaching circle: session {n} {date_token(t)}, "
                         f"facilitated by <@{facilitator(circle, n)}>")
    return lines
