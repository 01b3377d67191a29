"""Peer coaching circles' measures (PROGRAMMES.md §8), defined in docs/metrics.md.

The cohort is the rounds whose opt-in window closed in the period, followed up to its end: their
opt-ins, the circles formed, those circles' sessions, attendance, commitments and check-ins.
Commitment texts and check-in comments are never read; ratings are only averaged."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbot.services import circles, programmes
from peerbot.services.metrics.programmes import Figure, ProgrammeMeasures, _share
from peerbot.store.models import CheckIn, Circle, CircleAttendance, CircleCommitment, CircleOptIn, CircleRound

RETAINED = 2 / 3  # of the circle's held sessions


def circle_measures(session: Session, team_id: str, *, since: datetime, until: datetime) -> ProgrammeMeasures:
    rounds = list(session.scalars(select(CircleRound.id).where(
        CircleRound.team_id == team_id, CircleRound.status != circles.OPEN,
        CircleRound.closes_at >= since, CircleRound.closes_at <= until)))
    opted = set(session.scalars(select(CircleOptIn.user_id).where(CircleOptIn.round_id.in_(rounds))))
    formed = list(session.scalars(select(Circle).where(Circle.round_id.in_(rounds), Circle.created_at <= until)))
    ids = [c.id for c in formed]
    marks: dict[tuple[int, int], dict[str, bool]] = {}  # (circle, session) → member → present
    for row in session.scalars(select(CircleAttendance).where(CircleAttendance.circle_id.in_(ids))):
        marks.setdefault((row.circle_id, row.number), {})[row.user_id] = row.present

    scheduled = held = 0
    present = marked = 0
    placed: set[str] = set()
    attended: set[str] = set()
    in_held: set[str] = set()  # members of circles that held a session
    retained: set[str] = set()
    facilitated: set[str] = set()
    for circle in formed:
        members = circles.members_of(circle)
        placed |= set(members)
        over = [n for n, t in enumerate(circles.session_times(circle), 1) if t + circles.LENGTH <= until]
        sessions = [n for n in over if any(marks.get((circle.id, n), {}).values())]
        scheduled, held = scheduled + len(over), held + len(sessions)
        if not sessions:
            continue
        in_held |= set(members)
        facilitated |= {circles.facilitator(circle, n) for n in sessions}
        for member in members:
            times = sum(1 for n in sessions if marks[(circle.id, n)].get(member))
            if times:
                attended.add(member)
            if times >= RETAINED * len(sessions):
                retained.add(member)
        for n in sessions:
            present += sum(marks[(circle.id, n)].values())
            marked += len(marks[(circle.id, n)])

    outcomes = list(session.scalars(select(CircleCommitment.outcome).where(
        CircleCommitment.circle_id.in_(ids), CircleCommitment.created_at <= until)))
    committed = set(session.scalars(select(CircleCommitment.user_id).where(
        CircleCommitment.circle_id.in_(ids), CircleCommitment.created_at <= until)))
    followed = [o for o in outcomes if o]
    rated = session.execute(select(CheckIn.user_id, CheckIn.rating).where(
        CheckIn.team_id == team_id, CheckIn.kind == programmes.CIRCLES, CheckIn.subject_id.in_(ids),
        CheckIn.rating.is_not(None), CheckIn.asked_at <= until)).all()
    ratings, raters = [r for _, r in rated], len({u for u, _ in rated})

    funnel = [
        Figure("circle_opted_in", "Opted in", "int", len(opted), len(opted)),
        Figure("circle_placed", "Placed in a circle", "int", len(placed), len(opted)),
        Figure("circle_attended", "Attended a session", "int", len(attended), len(opted)),
        Figure("circle_retained", "Attended 2/3 of sessions", "int", len(retained), len(opted)),
    ]
    figures = [
        Figure("placement_rate", "Placement rate (placed ÷ opted in)", "share",
               _share(len(placed), len(opted)), len(opted)),
        Figure("circles_formed", "Circles formed", "int", len(formed), len(placed)),
        Figure("sessions_held_share", "Sessions held ÷ scheduled", "share", _share(held, scheduled), len(placed)),
        Figure("attendance", "Attendance (present ÷ members, in held sessions)", "share",
               _share(present, marked), len(in_held)),
        Figure("retention", "Retention (attended 2/3 of their circle's held sessions)", "share",
               _share(len(retained), len(in_held)), len(in_held)),
        Figure("commitments_made", "Commitments recorded", "int", len(outcomes), len(committed)),
        Figure("commitments_followed_up", "Commitments followed up (÷ recorded)", "share",
               _share(len(followed), len(outcomes)), len(committed)),
        Figure("commitments_done", "Commitment follow-through: done (÷ followed up)", "share",
               _share(followed.count("done"), len(followed)), len(committed)),
        Figure("commitments_partly", "Commitment follow-through: partly (÷ followed up)", "share",
               _share(followed.count("partly"), len(followed)), len(committed)),
        Figure("facilitation_spread", "Facilitation spread (members who facilitated a held session)", "share",
               _share(len(facilitated & in_held), len(in_held)), len(in_held)),
        Figure("session_usefulness_mean", "Session usefulness (mean of 1–5)", "number",
               statistics.mean(ratings) if ratings else None, raters),
        Figure("session_usefulness_4_or_5", "Session usefulness (share rating 4–5)", "share",
               _share(sum(r >= 4 for r in ratings), len(ratings)), raters),
    ]
    sessions_table = [Figure("sessions_scheduled", "Scheduled (over by the end of the period)", "int", scheduled,
                             len(placed)),
                      Figure("sessions_held", "Held (attendance marked, someone present)", "int", held, len(placed))]
    return ProgrammeMeasures(since, until, funnel, figures, {"circle_sessions": ("Sessions", sessions_table)})
