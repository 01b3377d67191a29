"""Peer mentoring (PROGRAMMES.md §4). Evergreen: enrolment, suggestions
from the one matching engine with reasons from the Q&A, the request with
its 3-day consent window and the next choice, the waitlist, mentorships
(fit at day 14, check-ins every 4 weeks, extend, end) and their health.
The cohort option: a registration window, then one whole-pool run that an
admin previews and publishes (a round, services/rounds.py).

Exactly once lives in the database (see store/models/mentoring.py). Pure or
Session + `now`; Slack is elsewhere. Services flush, never commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from peerbot.services import checkins, experts, matching, programmes
from peerbot.services.buddies import MENTION, date_token, next_nudge_time, offset_seconds
from peerbot.services.conversations import ensure_workspace
from peerbot.services.programmes import MENTORING
from peerbot.store.models import (
    Answer,
    CheckIn,
    Expertise,
    Member,
    MentoringCohort,
    MentoringProfile,
    MentoringSurvey,
    MentoringWaitlist,
    Mentorship,
    MentorRequest,
    Question,
    Topic,
)
from peerbot.store.upsert import insert_ignore

MENTOR, MENTEE = "mentor", "mentee"
ROLES = {MENTOR: (MENTOR,), MENTEE: (MENTEE,), "both": (MENTOR, MENTEE)}
DEFAULT_CAPACITY, MAX_CAPACITY = 2, 5
MAX_GOALS, MAX_GOAL_LENGTH, MAX_TOPICS, MAX_BLOCKED = 3, 150, 10, 10
CONSENT = timedelta(days=3)
MATCH_LENGTH = timedelta(days=91)  # three months; extending adds as much again
FIT_DAY = 14
CHECKIN_EVERY = 28  # days, after the fit check
COMPLETE_AFTER = timedelta(days=7)  # after the end date: time to answer the survey, or extend
RECENT = timedelta(days=365)  # a past pair is avoided while someone else is free
NUDGE_TIME = time(10, 0)

PENDING, ACCEPTED, DECLINED, EXPIRED = "pending", "accepted", "declined", "expired"
ACTIVE, ENDED = "active", "ended"
COMPLETED, ENDED_EARLY, NOT_A_FIT_END = "completed", "ended_early", "not_a_fit"
WAITING, ASKED, MATCHED, LEFT = "waiting", "asked", "matched", "left"
GOOD, DECIDING, NOT_A_FIT = "good", "deciding", "not_a_fit"
FITS = (GOOD, DECIDING, NOT_A_FIT)
ON_TRACK, NEEDS_CHECKIN, TOO_EARLY = "On track", "Needs check-in", "Too early"


# ---- enrolment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    roles: tuple[str, ...]
    topics: tuple[str, ...]
    goals: tuple[str, ...]
    capacity: int
    blocked: tuple[str, ...]


def parse_enrolment(user_id: str, role: str | None, topics_text: str, goals: list[str], capacity: str | None,
                    blocked: list[str]) -> tuple[Enrolment | None, dict[str, str]]:
    """The modal's values, checked; (None, errors by input block) when any is wrong."""
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = "Choose mentor, mentee or both."
    names = experts.parse_topic_list(topics_text or "")
    if not names:
        errors["topics"] = "Name at least one topic, e.g. sql, public speaking, career growth."
    elif len(names) > MAX_TOPICS:
        errors["topics"] = f"At most {MAX_TOPICS} topics, please."
    cleaned_goals = tuple(" ".join(g.split()) for g in goals if g and g.strip())[:MAX_GOALS]
    for n, goal in enumerate(goals[:MAX_GOALS], 1):
        if goal and len(goal.strip()) > MAX_GOAL_LENGTH:
            errors[f"goal_{n}"] = f"Keep a goal under {MAX_GOAL_LENGTH} characters."
    try:
        cap = int(capacity or DEFAULT_CAPACITY)
    except ValueError:
        cap = 0
    if not 1 <= cap <= MAX_CAPACITY:
        errors["capacity"] = f"From 1 to {MAX_CAPACITY} mentees at a time."
    if user_id in blocked:
        errors["blocked"] = "You can't be matched with yourself anyway: leave yourself out of this list."
    elif len(blocked) > MAX_BLOCKED:
        errors["blocked"] = f"At most {MAX_BLOCKED} people."
    if errors:
        return None, errors
    return Enrolment(ROLES[role], tuple(names), cleaned_goals, cap, tuple(sorted(set(blocked)))), {}


@dataclass(frozen=True)
class Profile:
    user_id: str
    roles: tuple[str, ...]  # active roles
    topics: tuple[str, ...]
    goals: tuple[str, ...]
    capacity: int
    blocked: tuple[str, ...]


def enrol(session: Session, team_id: str, user_id: str, enrolment: Enrolment, now: datetime) -> bool:
    """Save (or update) someone's enrolment. True when it is their first."""
    ensure_workspace(session, team_id, now)
    values = dict(topics=json.dumps(list(enrolment.topics)), goals=json.dumps(list(enrolment.goals)),
                  capacity=enrolment.capacity, blocked=json.dumps(list(enrolment.blocked)), updated_at=now)
    first = insert_ignore(session, MentoringProfile, team_id=team_id, user_id=user_id, created_at=now, **values)
    if not first:
        session.execute(update(MentoringProfile).where(MentoringProfile.team_id == team_id,
                                                       MentoringProfile.user_id == user_id).values(**values))
    for role in (MENTOR, MENTEE):
        if role in enrolment.roles:
            programmes.join(session, team_id, MENTORING, user_id, role, now)
        else:  # current mentorships carry on; they are just not matched again in this role
            programmes.set_status(session, team_id, MENTORING, user_id, role, programmes.LEFT, now)
    return first


def profile(session: Session, team_id: str, user_id: str, now: datetime) -> Profile | None:
    row = session.get(MentoringProfile, (team_id, user_id), populate_existing=True)
    if row is None:
        return None
    roles = tuple(r for r in (MENTOR, MENTEE) if _in_role(session, team_id, user_id, r, now))
    return Profile(user_id, roles, tuple(json.loads(row.topics)), tuple(json.loads(row.goals)), row.capacity,
                   tuple(json.loads(row.blocked)))


def _in_role(session: Session, team_id: str, user_id: str, role: str, now: datetime) -> bool:
    return programmes.is_active(programmes.member(session, team_id, MENTORING, user_id, role), now)


# ---- mentors' load -----------------------------------------------------------------------------------


def active_mentorships(session: Session, team_id: str | None = None) -> list[Mentorship]:
    query = select(Mentorship).where(Mentorship.status == ACTIVE)
    if team_id is not None:
        query = query.where(Mentorship.team_id == team_id)
    return list(session.scalars(query.order_by(Mentorship.id)))


def free_slots(session: Session, team_id: str, mentor_id: str) -> int:
    row = session.get(MentoringProfile, (team_id, mentor_id))
    if row is None:
        return 0
    taken = session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.team_id == team_id, Mentorship.mentor_id == mentor_id, Mentorship.status == ACTIVE)) or 0
    return max(row.capacity - taken, 0)


def tz_of(session: Session, team_id: str, user_id: str, fallback: str) -> str:
    member = session.get(Member, (team_id, user_id))
    return member.tz if member is not None and member.tz else fallback


# ---- suggestions with reasons from the Q&A ------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    mentor_id: str
    reason: str


def quarter_start(now: datetime) -> datetime:
    return datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1, tzinfo=timezone.utc)


def answers_this_quarter(session: Session, team_id: str, user_ids: list[str], topics: list[str],
                         now: datetime) -> dict[tuple[str, str], int]:
    """(person, topic) -> answers they gave this quarter on questions of that topic."""
    if not user_ids or not topics:
        return {}
    rows = session.execute(
        select(Answer.author_id, Topic.name, func.count())
        .join(Question, Question.id == Answer.question_id).join(Topic, Topic.id == Question.topic_id)
        .where(Question.team_id == team_id, Topic.name.in_(topics), Answer.author_id.in_(user_ids),
               Answer.created_at >= quarter_start(now), Answer.created_at <= now)
        .group_by(Answer.author_id, Topic.name))
    return {(user, topic): n for user, topic, n in rows}


def _expertise(session: Session, team_id: str, user_ids: list[str]) -> dict[str, tuple[set[str], dict[str, int]]]:
    found: dict[str, tuple[set[str], dict[str, int]]] = {u: (set(), {}) for u in user_ids}
    rows = session.execute(select(Expertise.user_id, Topic.name, Expertise.declared, Expertise.earned)
                           .join(Topic, Topic.id == Expertise.topic_id)
                           .where(Expertise.team_id == team_id, Expertise.user_id.in_(user_ids))) if user_ids else []
    for user_id, name, declared, earned in rows:
        if declared:
            found[user_id][0].add(name)
        if earned:
            found[user_id][1][name] = earned
    return found


def reason(declared: set[str], answered: dict[str, int], wanted: list[str]) -> str:
    """The one line a mentee reads about a suggested mentor, Q&A first.
    `declared`: the mentor's mentoring topics and those declared with /experts."""
    best = max(wanted, key=lambda t: (answered.get(t, 0), -wanted.index(t)), default=None)
    if best is not None and answered.get(best):
        n = answered[best]
        return f"answered {n} question{'s' if n != 1 else ''} on {best} this quarter"
    shared = [t for t in wanted if t in declared]
    if shared:
        return f"mentors on {', '.join(shared[:3])}"
    return "has room to mentor now"


def blocked_pairs(session: Session, team_id: str) -> set[tuple[str, str]]:
    """People's "not with" lists, and pairs that ended as not a fit."""
    pairs: set[tuple[str, str]] = set()
    for user_id, blocked in session.execute(select(MentoringProfile.user_id, MentoringProfile.blocked)
                                            .where(MentoringProfile.team_id == team_id)):
        pairs |= {(user_id, other) for other in json.loads(blocked)}
    pairs |= {(mentee, mentor) for mentee, mentor in session.execute(select(Mentorship.mentee_id, Mentorship.mentor_id)
                                                                     .where(Mentorship.team_id == team_id,
                                                                            Mentorship.end_reason == NOT_A_FIT_END))}
    return pairs


def _rules(session: Session, team_id: str, now: datetime) -> matching.Rules:
    recent = [(mentee, mentor) for mentee, mentor in session.execute(select(
        Mentorship.mentee_id, Mentorship.mentor_id).where(Mentorship.team_id == team_id,
                                                          Mentorship.started_at >= now - RECENT))]
    return matching.Rules.of(blocked=blocked_pairs(session, team_id), recent=recent)


def _mentors(session: Session, team_id: str, now: datetime) -> dict[str, matching.Person]:
    """Mentors with a free slot now (not away, not deactivated), as the engine
    sees them: their mentoring and /experts topics as declared, earned points."""
    pool = [m.user_id for m in programmes.active(session, team_id, MENTORING, MENTOR, now)]
    members = {m.user_id: m for m in session.scalars(select(Member).where(Member.team_id == team_id,
                                                                         Member.user_id.in_(pool)))}
    pool = [u for u in pool if not (u in members and (members[u].deleted or members[u].is_bot))
            and not experts.is_away(members.get(u), now)]
    profiles = {p.user_id: p for p in session.scalars(select(MentoringProfile).where(
        MentoringProfile.team_id == team_id, MentoringProfile.user_id.in_(pool)))}
    knowledge = _expertise(session, team_id, pool)
    found = {}
    for u in pool:
        room = free_slots(session, team_id, u)
        if room > 0:
            declared, earned = knowledge[u]
            found[u] = matching.Person(u, declared=frozenset(set(json.loads(profiles[u].topics)) | declared),
                                       earned=earned, capacity=room,
                                       tz_offset=offset_seconds(members[u].tz if u in members else None, now))
    return found


def _mentee(session: Session, team_id: str, mentee_id: str, now: datetime) -> matching.Person | None:
    mine = profile(session, team_id, mentee_id, now)
    if mine is None:
        return None
    member = session.get(Member, (team_id, mentee_id))
    return matching.Person(mentee_id, topics=frozenset(mine.topics),
                           tz_offset=offset_seconds(member.tz if member else None, now))


def fits(mentee: matching.Person, mentor: matching.Person) -> bool:
    """A mentor shares a topic with the mentee: declared, or earned by answering."""
    return bool((mentor.declared | {t for t, n in mentor.earned.items() if n > 0}) & mentee.topics)


def suggest(session: Session, team_id: str, mentee_id: str, now: datetime, *, limit: int = 3) -> list[Suggestion]:
    """The best mentors with a free slot for this mentee, best first, each
    with a reason. Only mentors who share a topic with the mentee are suggested."""
    seeker = _mentee(session, team_id, mentee_id, now)
    if seeker is None:
        return []
    mine = profile(session, team_id, mentee_id, now)
    helpers = [h for h in _mentors(session, team_id, now).values() if h.id != mentee_id and fits(seeker, h)]
    ranked = matching.rank(seeker, helpers, rules=_rules(session, team_id, now), limit=limit,
                           seed=sum(map(ord, mentee_id)))
    wanted = list(mine.topics)
    answered = answers_this_quarter(session, team_id, [u for u, _ in ranked], wanted, now)
    by_id = {h.id: h for h in helpers}
    return [Suggestion(u, reason(set(by_id[u].declared), {t: answered.get((u, t), 0) for t in wanted}, wanted))
            for u, _ in ranked]


# ---- requests and the consent window ------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    request: MentorRequest | None
    problem: str | None = None


def request_problem(session: Session, team_id: str, mentee_id: str, mentor_id: str, now: datetime) -> str | None:
    """Why this mentee cannot ask this mentor now; None when they can."""
    if mentor_id == mentee_id:
        return "You can't be your own mentor. Pick someone else, or `/mentor find` for suggestions."
    if not _in_role(session, team_id, mentee_id, MENTEE, now):
        return "Enrol as a mentee first: `/mentor enrol`."
    if not _in_role(session, team_id, mentor_id, MENTOR, now):
        return f"<@{mentor_id}> isn't enrolled as a mentor right now. `/mentor find` shows who is."
    if mentee_of(session, team_id, mentee_id) is not None:
        return "You already have a mentor. `/mentor` shows your mentorship."
    if (cohort := cohort_of(session, team_id)) is not None:
        return COHORT_OPEN.format(closes=date_token(cohort.closes_at))
    pairs = blocked_pairs(session, team_id)
    if (mentee_id, mentor_id) in pairs or (mentor_id, mentee_id) in pairs:
        return f"You and <@{mentor_id}> can't be matched. Pick someone else."
    if free_slots(session, team_id, mentor_id) <= 0:
        return (f"<@{mentor_id}> has no free mentoring slot right now. Pick someone else, or `/mentor find`: "
                "if nobody has room you'll join the waitlist.")
    return None


def pending_of(session: Session, team_id: str, mentee_id: str) -> MentorRequest | None:
    return session.scalars(select(MentorRequest).where(MentorRequest.team_id == team_id,
                                                       MentorRequest.open_key == mentee_id)).one_or_none()


def ask(session: Session, team_id: str, mentee_id: str, mentor_id: str, queue: list[str], reason_text: str,
        now: datetime, *, fallback_tz: str, choice: int = 1, sought_at: datetime | None = None,
        rematch_of: int | None = None) -> Requested:
    """A request to one mentor, once: a mentee has one pending request at a
    time (a unique key), so a double click asks once. The 3 days start when
    the mentor may first be nudged (their working hours)."""
    problem = request_problem(session, team_id, mentee_id, mentor_id, now)
    if problem:
        return Requested(None, problem)
    ensure_workspace(session, team_id, now)
    opens = next_nudge_time(now, tz_of(session, team_id, mentor_id, fallback_tz), frozenset())
    if not insert_ignore(session, MentorRequest, team_id=team_id, mentee_id=mentee_id, mentor_id=mentor_id,
                         status=PENDING, open_key=mentee_id, choice=choice,
                         queue=json.dumps([u for u in queue if u not in (mentor_id, mentee_id)]),
                         reason=reason_text[:255], asked_at=now, expires_at=opens + CONSENT,
                         sought_at=sought_at or now, rematch_of=rematch_of):
        waiting = pending_of(session, team_id, mentee_id)
        return Requested(None, f"You already asked <@{waiting.mentor_id}>: they have until "
                               f"{date_token(waiting.expires_at)} to answer. Nothing changed.")
    session.execute(update(MentoringWaitlist).where(MentoringWaitlist.team_id == team_id,
                                                    MentoringWaitlist.mentee_id == mentee_id,
                                                    MentoringWaitlist.status == WAITING)
                    .values(status=ASKED, updated_at=now))
    return Requested(pending_of(session, team_id, mentee_id))


def delivered(session: Session, request_id: int, channel_id: str, ts: str) -> None:
    session.execute(update(MentorRequest).where(MentorRequest.id == request_id)
                    .values(channel_id=channel_id, message_ts=ts))


def _close(session: Session, request_id: int, status: str, now: datetime) -> bool:
    """pending -> status, once (a double click or a racing job acts once)."""
    result = session.execute(update(MentorRequest).where(MentorRequest.id == request_id,
                                                         MentorRequest.status == PENDING)
                             .values(status=status, open_key=None, answered_at=now)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


@dataclass(frozen=True)
class Answered:
    outcome: str  # accepted | declined | expired (just now, by this answer) | problem
    request: MentorRequest | None = None
    mentorship: Mentorship | None = None
    problem: str | None = None


def answer(session: Session, request_id: int, user_id: str, accept: bool, now: datetime) -> Answered:
    row = session.get(MentorRequest, request_id, populate_existing=True)
    if row is None:
        return Answered("problem", problem="That request no longer exists. Nothing changed.")
    if row.mentor_id != user_id:
        return Answered("problem", row, problem=f"This request is for <@{row.mentor_id}>, so only they can "
                                                "answer it.")
    expired = f"This request expired {date_token(row.expires_at)}, so <@{row.mentee_id}> is offered another " \
              "mentor. Nothing changed."
    if row.status == PENDING and row.expires_at <= now and _close(session, row.id, EXPIRED, now):
        session.refresh(row)
        return Answered(EXPIRED, row, problem=expired)  # closed by this answer: the caller asks the next choice
    if row.status == EXPIRED:
        return Answered("problem", row, problem=expired)
    if row.status != PENDING:
        return Answered("problem", row, problem=f"This request was already {row.status}. Nothing changed.")
    if not accept:
        _close(session, row.id, DECLINED, now)
        session.refresh(row)
        return Answered(DECLINED, row)
    full = Answered("problem", row, problem="All your mentoring slots are taken. Decline, or raise your capacity "
                                            "with `/mentor enrol` and accept again.")
    if free_slots(session, row.team_id, user_id) <= 0:
        return full
    mentorship = _start(session, row, now)
    if mentorship is None:
        if mentee_of(session, row.team_id, row.mentee_id) is not None:
            return Answered("problem", row, problem=f"<@{row.mentee_id}> already has a mentor. Nothing changed.")
        return full  # another accept took the last slot a moment ago
    _close(session, row.id, ACCEPTED, now)
    session.refresh(row)
    session.execute(update(MentoringWaitlist).where(MentoringWaitlist.team_id == row.team_id,
                                                    MentoringWaitlist.mentee_id == row.mentee_id)
                    .values(status=MATCHED, updated_at=now))
    return Answered(ACCEPTED, row, mentorship)


def _start(session: Session, req: MentorRequest, now: datetime) -> Mentorship | None:
    return start(session, req.team_id, req.mentor_id, req.mentee_id, now, sought_at=req.sought_at,
                 request_id=req.id, rematch_of=req.rematch_of)


def start(session: Session, team_id: str, mentor_id: str, mentee_id: str, now: datetime, *, sought_at: datetime,
          request_id: int | None = None, rematch_of: int | None = None) -> Mentorship | None:
    """The mentorship, in the lowest free slot of the mentor: the unique keys
    make a racing accept take another slot or fail, never overfill; None when
    the mentor is full or the mentee has a mentor already."""
    capacity = session.get(MentoringProfile, (team_id, mentor_id)).capacity
    mentee = session.get(MentoringProfile, (team_id, mentee_id))
    for slot in range(1, capacity + 1):
        if insert_ignore(session, Mentorship, team_id=team_id, mentor_id=mentor_id, mentee_id=mentee_id,
                         request_id=request_id, goals=mentee.goals if mentee else "[]", status=ACTIVE,
                         mentor_slot=slot, mentee_open=mentee_id, sought_at=sought_at, started_at=now,
                         ends_at=now + MATCH_LENGTH, extensions=0, rematch_of=rematch_of):
            return mentee_of(session, team_id, mentee_id)
        if request_id is not None:
            taken = session.scalars(select(Mentorship).where(Mentorship.request_id == request_id)).one_or_none()
            if taken is not None:  # a double click: the first one made it
                return taken
        if mentee_of(session, team_id, mentee_id) is not None:
            return None
    return None


def due_to_expire(session: Session, team_id: str, now: datetime) -> list[MentorRequest]:
    return list(session.scalars(select(MentorRequest).where(MentorRequest.team_id == team_id,
                                                            MentorRequest.status == PENDING,
                                                            MentorRequest.expires_at <= now)
                                .order_by(MentorRequest.id)))


def expire(session: Session, request_id: int, now: datetime) -> bool:
    return _close(session, request_id, EXPIRED, now)


@dataclass(frozen=True)
class NextStep:
    request: MentorRequest | None  # the next choice, asked
    position: int | None = None  # or the mentee's place on the waitlist


def next_choice(session: Session, previous: MentorRequest, now: datetime, *, fallback_tz: str) -> NextStep:
    """After a decline or expiry: the mentee's next choice with a free slot,
    or the waitlist. Runs once per closed request (the caller closed it)."""
    team_id, mentee_id = previous.team_id, previous.mentee_id
    if mentee_of(session, team_id, mentee_id) is not None:
        return NextStep(None)
    queue = json.loads(previous.queue)
    asked = set(session.scalars(select(MentorRequest.mentor_id).where(
        MentorRequest.team_id == team_id, MentorRequest.mentee_id == mentee_id,
        MentorRequest.sought_at == previous.sought_at)))
    for n, mentor_id in enumerate(queue):
        if mentor_id in asked:
            continue
        found = suggest(session, team_id, mentee_id, now, limit=50)
        why = next((s.reason for s in found if s.mentor_id == mentor_id), None)
        if why is None:
            continue  # full, left, or away since the suggestions were made
        made = ask(session, team_id, mentee_id, mentor_id, queue[n + 1:], why, now, fallback_tz=fallback_tz,
                   choice=previous.choice + 1, sought_at=previous.sought_at, rematch_of=previous.rematch_of)
        if made.request is not None:
            return NextStep(made.request)
    return NextStep(None, join_waitlist(session, team_id, mentee_id, now))


# ---- the waitlist -----------------------------------------------------------------------------------


def join_waitlist(session: Session, team_id: str, mentee_id: str, now: datetime) -> int:
    """Join (or keep one's place on) the waitlist; returns the position."""
    ensure_workspace(session, team_id, now)
    if not insert_ignore(session, MentoringWaitlist, team_id=team_id, mentee_id=mentee_id, status=WAITING,
                         joined_at=now, updated_at=now):
        session.execute(update(MentoringWaitlist).where(MentoringWaitlist.team_id == team_id,
                                                        MentoringWaitlist.mentee_id == mentee_id,
                                                        MentoringWaitlist.status.in_((ASKED, WAITING)))
                        .values(status=WAITING, updated_at=now))
        row = session.get(MentoringWaitlist, (team_id, mentee_id), populate_existing=True)
        if row.status in (MATCHED, LEFT):  # back after a match or leaving: to the end of the queue
            row.status, row.joined_at, row.updated_at = WAITING, now, now
            session.flush()
    return waitlist_position(session, team_id, mentee_id)


def waitlist_position(session: Session, team_id: str, mentee_id: str) -> int | None:
    row = session.get(MentoringWaitlist, (team_id, mentee_id), populate_existing=True)
    if row is None or row.status not in (WAITING, ASKED):
        return None
    ahead = session.scalar(select(func.count()).select_from(MentoringWaitlist).where(
        MentoringWaitlist.team_id == team_id, MentoringWaitlist.status.in_((WAITING, ASKED)),
        or_(MentoringWaitlist.joined_at < row.joined_at,
            and_(MentoringWaitlist.joined_at == row.joined_at, MentoringWaitlist.mentee_id < mentee_id)))) or 0
    return ahead + 1


def waiting(session: Session, team_id: str | None = None) -> list[MentoringWaitlist]:
    query = select(MentoringWaitlist).where(MentoringWaitlist.status == WAITING)
    if team_id is not None:
        query = query.where(MentoringWaitlist.team_id == team_id)
    return list(session.scalars(query.order_by(MentoringWaitlist.joined_at, MentoringWaitlist.mentee_id)))


def leave_waitlist(session: Session, team_id: str, mentee_id: str, now: datetime) -> None:
    session.execute(update(MentoringWaitlist).where(MentoringWaitlist.team_id == team_id,
                                                    MentoringWaitlist.mentee_id == mentee_id)
                    .values(status=LEFT, updated_at=now))


def _pending_to(session: Session, team_id: str, mentor_id: str) -> int:
    return session.scalar(select(func.count()).select_from(MentorRequest).where(
        MentorRequest.team_id == team_id, MentorRequest.mentor_id == mentor_id,
        MentorRequest.status == PENDING)) or 0


def serve_waitlist(session: Session, team_id: str, now: datetime, *, fallback_tz: str) -> list[MentorRequest]:
    """In waitlist order, each waiting mentee whom a mentor now has room for
    is asked for (their best suggestion; the next ones queued). A free slot
    already offered in a pending request is not offered again."""
    made = []
    if cohort_of(session, team_id) is not None:
        return made
    for entry in waiting(session, team_id):
        if not _in_role(session, team_id, entry.mentee_id, MENTEE, now) \
                or mentee_of(session, team_id, entry.mentee_id) is not None:
            leave_waitlist(session, team_id, entry.mentee_id, now)
            continue
        found = [s for s in suggest(session, team_id, entry.mentee_id, now)
                 if free_slots(session, team_id, s.mentor_id) > _pending_to(session, team_id, s.mentor_id)]
        if not found:
            continue
        first, rest = found[0], [s.mentor_id for s in found[1:]]
        result = ask(session, team_id, entry.mentee_id, first.mentor_id, rest, first.reason, now,
                     fallback_tz=fallback_tz, sought_at=entry.joined_at)
        if result.request is not None:
            made.append(result.request)
    return made


# ---- mentorships --------------------------------------------------------------------------------------


def mentee_of(session: Session, team_id: str, mentee_id: str) -> Mentorship | None:
    """The mentee's active mentorship."""
    return session.scalars(select(Mentorship).where(Mentorship.team_id == team_id,
                                                    Mentorship.mentee_open == mentee_id)).one_or_none()


def of_person(session: Session, team_id: str, user_id: str) -> list[Mentorship]:
    """Active mentorships where they are the mentor or the mentee."""
    return [m for m in active_mentorships(session, team_id) if user_id in (m.mentor_id, m.mentee_id)]


def goals_of(mentorship: Mentorship) -> list[str]:
    return json.loads(mentorship.goals or "[]")


def set_fit(session: Session, mentorship_id: int, user_id: str, fit: str, now: datetime) -> str | None:
    """Record one side's fit; a problem when it is not theirs or has ended."""
    row = session.get(Mentorship, mentorship_id, populate_existing=True)
    if row is None or fit not in FITS or row.status != ACTIVE:
        return "That mentorship has ended. Nothing changed."
    if user_id == row.mentee_id:
        row.mentee_fit = fit
    elif user_id == row.mentor_id:
        row.mentor_fit = fit
    else:
        return "This question is for the mentor and mentee only."
    session.flush()
    return None


def end(session: Session, mentorship_id: int, reason_code: str, now: datetime, by: str | None = None) -> bool:
    """Active -> ended, once; frees the mentor's slot."""
    result = session.execute(update(Mentorship).where(Mentorship.id == mentorship_id, Mentorship.status == ACTIVE)
                             .values(status=ENDED, ended_at=now, end_reason=reason_code, ended_by=by,
                                     mentor_slot=None, mentee_open=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def extend(session: Session, mentorship_id: int, now: datetime) -> Mentorship | None:
    """Another three months from the later of now and the current end."""
    row = session.get(Mentorship, mentorship_id, populate_existing=True)
    if row is None or row.status != ACTIVE:
        return None
    row.ends_at = max(row.ends_at, now) + MATCH_LENGTH
    row.extensions += 1
    session.flush()
    return row


def record_survey(session: Session, mentorship_id: int, user_id: str, rating: int, would_recommend: bool,
                  goals_achieved: str | None, now: datetime) -> bool:
    """Once per person; False when they had answered already."""
    row = session.get(Mentorship, mentorship_id)
    if row is None or user_id not in (row.mentor_id, row.mentee_id):
        return False
    return insert_ignore(session, MentoringSurvey, mentorship_id=mentorship_id, user_id=user_id,
                         team_id=row.team_id, rating=rating, would_recommend=would_recommend,
                         goals_achieved=goals_achieved if user_id == row.mentee_id else None, answered_at=now)


# ---- the schedule and health ----------------------------------------------------------------------------


def checkin_days(mentorship: Mentorship) -> list[int]:
    """Days after the start of the check-ins after the fit check: every 4
    weeks while the mentorship runs."""
    length = (mentorship.ends_at - mentorship.started_at).days
    return list(range(FIT_DAY + CHECKIN_EVERY, length, CHECKIN_EVERY))


def at_local_day(start: datetime, days: int, tz: str) -> datetime:
    local = (start.astimezone(ZoneInfo(tz)) + timedelta(days=days)).date()
    return datetime.combine(local, NUDGE_TIME, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def met_times(session: Session, team_id: str, mentorship_id: int) -> list[datetime]:
    return [c.met_at for c in checkins.of_subject(session, team_id, MENTORING, mentorship_id) if c.met_at]


def health(mentorship: Mentorship, met: list[datetime], now: datetime) -> str:
    """On track: met within 30 days. Needs check-in: over 30 days, or not a
    fit. Too early: under 14 days."""
    if NOT_A_FIT in (mentorship.mentee_fit, mentorship.mentor_fit):
        return NEEDS_CHECKIN
    if now - mentorship.started_at < timedelta(days=FIT_DAY):
        return TOO_EARLY
    if any(now - m <= timedelta(days=30) for m in met):
        return ON_TRACK
    return NEEDS_CHECKIN


def meetings(session: Session, team_id: str, mentorship_id: int) -> int:
    """Check-ins answered Met: both people may report the same meeting, so
    the larger of their counts."""
    rows = session.execute(select(CheckIn.user_id, func.count()).where(and_(
        CheckIn.team_id == team_id, CheckIn.kind == MENTORING, CheckIn.subject_id == mentorship_id,
        CheckIn.met_at.is_not(None))).group_by(CheckIn.user_id)).all()
    return max((n for _, n in rows), default=0)


# ---- /mentor ... ----------------------------------------------------------------------------------------

USAGE = ("Usage: `/mentor` shows your mentorships · `/mentor enrol` as a mentor, mentee or both · "
         "`/mentor find` suggests mentors · `/mentor request @mentor` asks one · "
         "`/mentor cohort until YYYY-MM-DD` opens a cohort (admins).")


@dataclass(frozen=True)
class MentorCommand:
    action: str  # status | enrol | find | request | cohort | usage
    mentor: str | None = None
    until: date | None = None  # cohort: the last day of registration
    problem: str | None = None


def parse_command(text: str) -> MentorCommand:
    """`text` is unescaped; people arrive as `<@U…|name>` (should_escape: true)."""
    words = text.split()
    if not words:
        return MentorCommand("status")
    first = words[0].lower()
    if first in ("enrol", "enroll", "edit") and len(words) == 1:
        return MentorCommand("enrol")
    if first == "find" and len(words) == 1:
        return MentorCommand("find")
    if first == "cohort":
        if len(words) == 3 and words[1].lower() == "until":
            try:
                return MentorCommand("cohort", until=date.fromisoformat(words[2]))
            except ValueError:
                pass
        return MentorCommand("usage", problem="Open a cohort's registration window with "
                                              "`/mentor cohort until YYYY-MM-DD` (admins).")
    if first == "request" and len(words) == 2:
        found = MENTION.match(words[1])
        if found is None:
            name = words[1][:40].replace("`", "")
            return MentorCommand("usage", problem=f"I couldn't tell who `{name}` is. Pick the person from the "
                                                  "autocomplete list as you type `@`.")
        return MentorCommand("request", mentor=found.group(1))
    return MentorCommand("usage", problem=USAGE)


def home_lines(session: Session, team_id: str, user_id: str, now: datetime) -> list[str]:
    """The viewer's mentoring on their App Home: each mentorship with its health, a request, the waitlist."""
    lines = []
    for m in of_person(session, team_id, user_id):
        as_mentee = m.mentee_id == user_id
        other = m.mentor_id if as_mentee else m.mentee_id
        lines.append(f"• Mentoring: your {'mentor' if as_mentee else 'mentee'} <@{other}> · "
                     f"{health(m, met_times(session, team_id, m.id), now)}")
    pending = pending_of(session, team_id, user_id)
    if pending is not None:
        lines.append(f"• Mentoring: you asked <@{pending.mentor_id}>, who has until {date_token(pending.expires_at)}")
    position = waitlist_position(session, team_id, user_id)
    if position is not None and pending is None:
        lines.append(f"• Mentoring: on the waitlist, number {position}")
    return lines


# ---- the cohort option ----------------------------------------------------------------------------------

REGISTERING, PROPOSED, PUBLISHED = "open", "proposed", "published"
NO_TOPIC_MENTOR = "no mentor in this cohort mentors on your topics"
COHORT_OPEN = ("A mentoring cohort is open for registration until {closes}: every mentee is matched in one run "
               "when it closes, so there's nothing to request until then.")


def cohort_of(session: Session, team_id: str) -> MentoringCohort | None:
    """The cohort registering or waiting to be published; while there is one,
    evergreen requests and the waitlist wait for it."""
    return session.scalars(select(MentoringCohort).where(MentoringCohort.team_id == team_id,
                                                         MentoringCohort.open_key == team_id)).one_or_none()


def open_cohort(session: Session, team_id: str, admin_id: str, closes_at: datetime,
                now: datetime) -> tuple[MentoringCohort | None, str | None]:
    if closes_at <= now:
        return None, "The registration window has to close in the future. Nothing changed."
    ensure_workspace(session, team_id, now)
    if not insert_ignore(session, MentoringCohort, team_id=team_id, admin_id=admin_id, status=REGISTERING,
                         open_key=team_id, opened_at=now, closes_at=closes_at):
        current = cohort_of(session, team_id)
        state = (f"open for registration until {date_token(current.closes_at)}" if current.status == REGISTERING
                 else f"waiting for <@{current.admin_id}> to publish its matches")
        return None, f"A cohort is already {state}. Nothing changed."
    return cohort_of(session, team_id), None


def cohorts_to_propose(session: Session, team_id: str, now: datetime) -> list[MentoringCohort]:
    return list(session.scalars(select(MentoringCohort).where(
        MentoringCohort.team_id == team_id, MentoringCohort.open_key.is_not(None),
        (MentoringCohort.status == PROPOSED) | (MentoringCohort.closes_at <= now)).order_by(MentoringCohort.id)))


def cohort_run(session: Session, cohort: MentoringCohort, now: datetime) -> tuple[list[list[str]], dict[str, str]]:
    """One optimal assignment of the whole pool: every mentee without a mentor
    or a pending request, every mentor's free slots. Pairs without a shared
    topic are ruled out like blocked ones. ([[mentee, mentor]], why not placed)."""
    team_id = cohort.team_id
    mentors = list(_mentors(session, team_id, now).values())
    mentees = [p for m in programmes.active(session, team_id, MENTORING, MENTEE, now)
               if mentee_of(session, team_id, m.user_id) is None and pending_of(session, team_id, m.user_id) is None
               and (p := _mentee(session, team_id, m.user_id, now)) is not None]
    return pair_cohort(mentees, mentors, _rules(session, team_id, now), seed=cohort.id)


def pair_cohort(mentees: list[matching.Person], mentors: list[matching.Person], rules: matching.Rules,
                seed: int) -> tuple[list[list[str]], dict[str, str]]:
    """The cohort run without the database: the engine's assignment where a
    pair must share a topic. ([[mentee, mentor]], why each other mentee was not placed)."""
    unfit = {(s.id, h.id) for s in mentees for h in mentors if not fits(s, h)}
    rules = matching.Rules(rules.blocked | matching.Rules.of(blocked=unfit).blocked, rules.recent)
    result = matching.assign(mentees, mentors, rules=rules, seed=seed)
    unplaced = {}
    for mentee in mentees:
        if mentee.id in result.unplaced:
            any_fit = any(fits(mentee, h) for h in mentors if h.id != mentee.id)
            unplaced[mentee.id] = result.unplaced[mentee.id] if any_fit else NO_TOPIC_MENTOR
    return [[m.seeker, m.helper] for m in result.matches], unplaced


def propose_cohort(session: Session, cohort_id: int, round_id: int) -> bool:
    """Registration closed and the run proposed: once (a conditional update)."""
    result = session.execute(update(MentoringCohort).where(MentoringCohort.id == cohort_id,
                                                           MentoringCohort.status == REGISTERING)
                             .values(status=PROPOSED, round_id=round_id)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def publish_cohort(session: Session, round_id: int, pairs: list[list[str]], now: datetime) -> list[Mentorship]:
    """The previewed pairs become mentorships (the mentors agreed by enrolling
    in the cohort); the cohort closes so evergreen matching resumes."""
    cohort = session.scalars(select(MentoringCohort).where(MentoringCohort.round_id == round_id)).one()
    made = [m for mentee, mentor in pairs
            if (m := start(session, cohort.team_id, mentor, mentee, now, sought_at=cohort.opened_at)) is not None]
    cohort.status, cohort.open_key = PUBLISHED, None
    session.flush()
    return made
