"""Programme measures (PROGRAMMES.md §8): onboarding buddies and the figures across programmes.

Each figure carries the number of distinct people it covers, so the small-group rule is applied
once, here (`Figure.shown`), for the dashboard, its CSV and JSON and `/peerbot stats programmes`
alike. Ratings and comments are only ever aggregated; comments are never read.

A programme's measures are one function (`buddy_measures` here; mentoring, circles, talks and
feedback in their sibling modules, as `ProgrammeMeasures`); `running` says which programmes exist in a
workspace, so pages show only those. docs/metrics.md defines every figure."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from peerbot.services import buddies, circles, feedback, mentoring, programmes, talks
from peerbot.services.metrics.common import guarded
from peerbot.store.models import (
    Answer,
    BuddyPairing,
    CheckIn,
    Circle,
    CircleOptIn,
    CircleRound,
    FeedbackRequest,
    Member,
    MentoringProfile,
    Mentorship,
    Programme,
    ProgrammeMember,
    Question,
    Talk,
    TalkRsvp,
)

CANCELLED = "cancelled"
MEETING_BANDS = (("meetings_0", "0", 0, 0), ("meetings_1", "1", 1, 1), ("meetings_2_3", "2–3", 2, 3),
                 ("meetings_4_8", "4–8", 4, 8), ("meetings_over_8", ">8", 9, None))  # key, label, from, to
USEFUL_STEPS = ("d30", "d90")
HELPER_ROLES = ("buddy", "mentor", "facilitator", "speaker")
FACILITATOR = "facilitator"
SPEAKER = "speaker"
FEEDBACK = "feedback"  # no programme row: peer feedback exists once someone asks for it
FIRST_MEETING_DAYS = 7
FIRST_QUESTIONS_DAYS = 30
ANSWERED_WITHIN = timedelta(hours=24)
FIRST_DAYS = 90


@dataclass(frozen=True)
class Figure:
    key: str  # the CSV/JSON key
    label: str
    unit: str  # int | share | days | number (a mean)
    value: float | int | None  # None: nothing to measure yet
    people: int  # distinct people the figure covers

    @property
    def shown(self):
        """The value, or "<5" when 1 to 4 people are behind it."""
        return guarded(self.value, self.people)


@dataclass(frozen=True)
class ProgrammeMeasures:
    """One programme's measures: a funnel, figures with one value each, and count tables by name
    (name → (title, figures))."""

    since: datetime
    until: datetime
    funnel: list[Figure]
    figures: list[Figure]
    counts: dict[str, tuple[str, list[Figure]]]


def running(session: Session, team_id: str) -> list[str]:
    """Programmes this workspace has (switched on now or before, or with people, pairings, rounds or
    requests in them), in the order PROGRAMMES.md lists them."""
    kinds = set(session.scalars(select(Programme.kind).where(Programme.team_id == team_id)))
    kinds |= set(session.scalars(select(ProgrammeMember.kind).where(ProgrammeMember.team_id == team_id).distinct()))
    for kind, model in ((programmes.BUDDIES, BuddyPairing), (programmes.MENTORING, MentoringProfile),
                        (programmes.CIRCLES, CircleRound), (talks.TALKS, Talk), (FEEDBACK, FeedbackRequest)):
        if session.scalar(select(model.team_id).where(model.team_id == team_id).limit(1)) is not None:
            kinds.add(kind)
    order = ("buddies", "mentoring", "circles", "talks", "feedback")
    return sorted(kinds, key=lambda k: (order.index(k) if k in order else len(order), k))


# ---- onboarding buddies ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BuddyMeasures:
    since: datetime
    until: datetime
    funnel: list[Figure]  # hires started → with a buddy by their start → first meeting within 7 days
    figures: list[Figure]  # the rest, one value each
    meetings: list[Figure]  # hires with a buddy by meetings reported in their first 90 days (bands)
    attention: list[Figure]  # open pairings needing attention now, by reason


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _business_days(start: date, end: date, holidays: frozenset[date]) -> int:
    """Business days after `start` up to and including `end` (0 on the same day)."""
    return sum(1 for n in range(1, (end - start).days + 1)
               if buddies.is_business_day(start + timedelta(days=n), holidays))


def buddy_measures(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> BuddyMeasures:
    """The buddy programme's measures for hires who started in the period (their start date, a
    local date, falls between the period's first and last day in `tz`), as of `until`."""
    settings = programmes.settings_of(programmes.get(session, team_id, programmes.BUDDIES))
    holidays = settings.holiday_dates
    zone = ZoneInfo(tz)
    first_day, last_day = since.astimezone(zone).date(), until.astimezone(zone).date()
    hires = [p for p in session.scalars(select(BuddyPairing).where(
        BuddyPairing.team_id == team_id, BuddyPairing.status != CANCELLED,
        BuddyPairing.start_date >= first_day.isoformat(), BuddyPairing.start_date <= last_day.isoformat()))
        if buddies.at_local(date.fromisoformat(p.start_date), time(0), p.tz) <= until]
    met: dict[int, dict[str, datetime]] = {}  # pairing → step → first meeting reported for it
    for subject_id, step, met_at in session.execute(
        select(CheckIn.subject_id, CheckIn.step, func.min(CheckIn.met_at))
        .where(CheckIn.team_id == team_id, CheckIn.kind == programmes.BUDDIES, CheckIn.met_at.is_not(None),
               CheckIn.met_at <= until, CheckIn.subject_id.in_([p.id for p in hires]))
        .group_by(CheckIn.subject_id, CheckIn.step)
    ):
        met.setdefault(subject_id, {})[step] = met_at

    def day_start(p: BuddyPairing, days: int) -> datetime:
        """Midnight (hire-local) starting the date `days` after the hire's start date."""
        return buddies.at_local(date.fromisoformat(p.start_date) + timedelta(days=days), time(0), p.tz)

    with_buddy = [p for p in hires if p.assigned_at is not None and p.assigned_at <= until]
    by_start = [p for p in with_buddy
                if p.assigned_at <= buddies.at_local(date.fromisoformat(p.start_date), buddies.INTRO_TIME, p.tz)]
    week_over = [p for p in with_buddy if day_start(p, FIRST_MEETING_DAYS + 1) <= until]
    met_in_week = [p for p in week_over if any(m < day_start(p, FIRST_MEETING_DAYS + 1)
                                               for m in met.get(p.id, {}).values())]
    days_to_buddy = [_business_days(p.created_at.astimezone(ZoneInfo(p.tz)).date(),
                                    p.assigned_at.astimezone(ZoneInfo(p.tz)).date(), holidays) for p in with_buddy]
    meetings = {p.id: sum(1 for m in met.get(p.id, {}).values() if m < day_start(p, FIRST_DAYS)) for p in with_buddy}
    n_hires, n_with = len({p.hire_id for p in hires}), len({p.hire_id for p in with_buddy})

    funnel = [
        Figure("hires_started", "Hires started", "int", len(hires), n_hires),
        Figure("buddy_by_start", "Buddy by day 1", "int", len(by_start), n_hires),
        Figure("met_within_7_days", "Met within 7 days", "int", len(met_in_week), n_hires),
    ]
    asked, answered, askers = _first_questions(session, team_id, hires, until)
    figures = [
        Figure("coverage", "Coverage (buddy by the first day ÷ hires started)", "share",
               _share(len(by_start), len(hires)), n_hires),
        Figure("median_business_days_to_buddy", "Median business days from enrolment to a buddy", "days",
               statistics.median(days_to_buddy) if days_to_buddy else None, n_with),
        Figure("first_meeting_within_7_days", "First meeting within 7 days (÷ hires with a buddy, 7 days in)",
               "share", _share(len(met_in_week), len(week_over)), len({p.hire_id for p in week_over})),
        *_checkin_figures(session, team_id, since, until),
        *_load_figures(session, team_id, settings.capacity, until),
        Figure("hire_questions_30_days", "Questions hires asked in their first 30 days", "int", asked, n_hires),
        Figure("hire_questions_answered_24h", "Of those, answered within 24 hours", "share",
               _share(answered, asked), askers),
    ]
    bands = [Figure(key, label, "int", sum(1 for n in meetings.values() if n >= low and (high is None or n <= high)),
                    n_with) for key, label, low, high in MEETING_BANDS]
    open_pairings = len(buddies.open_pairings(session, team_id))
    reasons = [a.reason for a in buddies.needs_attention(session, team_id, settings, until)]
    attention = [Figure(key, reason, "int", reasons.count(reason), open_pairings) for key, reason in (
        ("no_buddy", buddies.NO_BUDDY), ("no_meeting", buddies.NO_MEETING),
        ("two_unanswered", buddies.TWO_UNANSWERED), ("over_capacity", buddies.OVER_CAPACITY))]
    return BuddyMeasures(since, until, funnel, figures, bands, attention)


def _first_questions(session: Session, team_id: str, hires: list[BuddyPairing],
                     until: datetime) -> tuple[int, int, int]:
    """Questions each hire asked in their first 30 days (up to `until`), how many of those had an
    answer from someone else within 24 hours, and how many hires asked."""
    asked = answered = 0
    askers = set()
    for p in hires:
        start = buddies.at_local(date.fromisoformat(p.start_date), time(0), p.tz)
        end = min(until, start + timedelta(days=FIRST_QUESTIONS_DAYS))
        first_answer = (select(func.min(Answer.created_at)).where(Answer.question_id == Question.id,
                                                                  Answer.author_id != Question.asker_id)
                        .scalar_subquery())
        for created_at, answer_at in session.execute(select(Question.created_at, first_answer).where(
                Question.team_id == team_id, Question.asker_id == p.hire_id, Question.message_ts.is_not(None),
                Question.created_at >= start, Question.created_at < end)):
            asked += 1
            askers.add(p.hire_id)
            answered += answer_at is not None and answer_at - created_at <= ANSWERED_WITHIN
    return asked, answered, len(askers)


def _checkin_figures(session: Session, team_id: str, since: datetime, until: datetime) -> list[Figure]:
    """Check-ins sent in the period: the share answered; ratings at days 30 and 90 (mean, share 4-5)."""
    sent = and_(CheckIn.team_id == team_id, CheckIn.kind == programmes.BUDDIES, CheckIn.message_ts.is_not(None),
                CheckIn.asked_at >= since, CheckIn.asked_at <= until)
    total, done, people = session.execute(select(
        func.count(), func.count(CheckIn.answer), func.count(CheckIn.user_id.distinct())).where(sent)).one()
    rated = session.execute(select(CheckIn.user_id, CheckIn.rating).where(
        sent, CheckIn.step.in_(USEFUL_STEPS), CheckIn.rating.is_not(None))).all()
    ratings, raters = [r for _, r in rated], len({u for u, _ in rated})
    return [
        Figure("checkin_response_rate", "Check-in response rate", "share", _share(done, total), people),
        Figure("usefulness_mean", "Usefulness at days 30 and 90 (mean of 1–5)", "number",
               statistics.mean(ratings) if ratings else None, raters),
        Figure("usefulness_4_or_5", "Usefulness at days 30 and 90 (share rating 4–5)", "share",
               _share(sum(1 for r in ratings if r >= 4), len(ratings)), raters),
    ]


def _load_figures(session: Session, team_id: str, capacity: int, now: datetime) -> list[Figure]:
    """Buddy load now: buddies with a hire, hires per such buddy, buddies over capacity, and the
    share of the volunteer pool with a hire."""
    load = buddies.load(session, team_id)
    pool = {m.user_id for m in programmes.active(session, team_id, programmes.BUDDIES, programmes.BUDDY, now)}
    busy = len(load)
    return [
        Figure("buddies_with_hires", "Buddies with a hire now", "int", busy, busy),
        Figure("hires_per_buddy", "Hires per busy buddy (mean)", "number",
               statistics.mean(load.values()) if load else None, busy),
        Figure("buddies_over_capacity", "Buddies over capacity", "int",
               sum(1 for n in load.values() if n > capacity), busy),
        Figure("pool_with_hire", "Volunteer pool with a hire now", "share",
               _share(len(pool & set(load)), len(pool)), len(pool)),
    ]


# ---- across programmes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class HelperRoles:
    user_id: str
    roles: list[str]


@dataclass(frozen=True)
class AcrossProgrammes:
    reach: Figure
    in_programmes: Figure
    active_members: Figure
    stretched: list[HelperRoles]  # two or more helper roles at once: for admins only


def across_programmes(session: Session, team_id: str, *, now: datetime) -> AcrossProgrammes:
    """Reach now (people active in any programme ÷ active members) and the helpers holding two or
    more roles at once (a buddy with a hire, a mentor, a facilitator, a speaker)."""
    members = set(session.scalars(select(Member.user_id).where(
        Member.team_id == team_id, Member.deleted.is_(False), Member.is_bot.is_(False))))
    rows = [r for r in session.scalars(select(ProgrammeMember).where(
        ProgrammeMember.team_id == team_id, ProgrammeMember.status != programmes.LEFT)) if programmes.is_active(r, now)]
    running_circles = circles.circles_of(session, team_id, now)
    active = ({r.user_id for r in rows} | _in_other_programmes(session, team_id, running_circles, now)) & members
    roles: dict[str, set[str]] = {}
    for r in rows:
        if r.role in HELPER_ROLES and r.role != programmes.BUDDY:
            roles.setdefault(r.user_id, set()).add(r.role)
    for buddy_id in buddies.load(session, team_id):  # a buddy holds the role while they have a hire
        roles.setdefault(buddy_id, set()).add(programmes.BUDDY)
    for facilitator in _facilitators(running_circles, now):
        roles.setdefault(facilitator, set()).add(FACILITATOR)
    for speaker in _speakers(session, team_id, now):
        roles.setdefault(speaker, set()).add(SPEAKER)
    stretched = sorted((HelperRoles(u, sorted(r, key=HELPER_ROLES.index)) for u, r in roles.items() if len(r) >= 2),
                       key=lambda h: (-len(h.roles), h.user_id))
    return AcrossProgrammes(
        Figure("reach", "Reach (people active in a programme ÷ active members)", "share",
               _share(len(active), len(members)), len(active)),
        Figure("people_in_programmes", "People active in a programme", "int", len(active), len(active)),
        Figure("active_members", "Active members", "int", len(members), len(members)),
        stretched,
    )


def _in_other_programmes(session: Session, team_id: str, running_circles: list[Circle], now: datetime) -> set[str]:
    """People active now outside `programme_members`: in an active mentorship, in a running circle
    or the open round, waiting for answers to their open feedback request, speaking at an accepted
    talk not over yet or Going to one ahead."""
    people = {p for pair in session.execute(select(Mentorship.mentor_id, Mentorship.mentee_id).where(
        Mentorship.team_id == team_id, Mentorship.status == mentoring.ACTIVE)) for p in pair}
    people |= {p for c in running_circles for p in circles.members_of(c)}
    people |= set(session.scalars(select(CircleOptIn.user_id).join(CircleRound, CircleRound.id == CircleOptIn.round_id)
                                  .where(CircleRound.team_id == team_id, CircleRound.status == circles.OPEN)))
    people |= set(session.scalars(select(FeedbackRequest.requester_id).where(
        FeedbackRequest.team_id == team_id, FeedbackRequest.status == feedback.OPEN, FeedbackRequest.expires_at > now)))
    people |= _speakers(session, team_id, now)
    people |= set(session.scalars(select(TalkRsvp.user_id).join(Talk, Talk.id == TalkRsvp.talk_id).where(
        Talk.team_id == team_id, Talk.status == talks.ACCEPTED, Talk.starts_at > now, TalkRsvp.answer == talks.GOING)))
    return people


def _speakers(session: Session, team_id: str, now: datetime) -> set[str]:
    """Speakers of accepted talks not over yet."""
    longest = timedelta(minutes=talks.MAX_MINUTES)
    return {t.speaker_id for t in session.scalars(select(Talk).where(
        Talk.team_id == team_id, Talk.status == talks.ACCEPTED, Talk.starts_at > now - longest))
        if talks.ends_at(t) > now}


def _facilitators(running_circles: list[Circle], now: datetime) -> set[str]:
    """Members of running circles with a session still ahead to facilitate (every member, while the
    circle has not set its time)."""
    ahead = set()
    for circle in running_circles:
        times = circles.session_times(circle) or [None] * circles.SESSIONS
        ahead |= {circles.facilitator(circle, n) for n, t in enumerate(times, 1) if t is None or t > now}
    return ahead


__all__ = ["AcrossProgrammes", "BuddyMeasures", "Figure", "HelperRoles", "ProgrammeMeasures", "across_programmes",
           "buddy_measures", "running"]
