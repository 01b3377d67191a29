"""Onboarding buddies (PROGRAMMES.md §3): enrolment, suggestions from the
one matching engine, the pick (by the manager, or the top suggestion after 2
business days), the schedule of the 90 days, and what needs attention.

Everything here is pure or takes a Session and `now`; Slack is elsewhere."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from peerbot.services import checkins, matching, programmes
from peerbot.services.conversations import ensure_workspace
from peerbot.services.programmes import BUDDIES, BUDDY, BuddySettings
from peerbot.store.models import BuddyPairing, CheckIn, Expertise, Member, ProgrammeMember, Topic
from peerbot.store.upsert import insert_ignore

OPEN, ENDED = "open", "ended"
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
MAX_DAYS_BACK = 14  # a start date further back is a typo, not a new hire
MAX_DAYS_AHEAD = 366
NUDGE_START, NUDGE_END = time(9, 0), time(17, 30)  # person-to-person nudges, recipient-local
INTRO_TIME = time(9, 30)
CHECKIN_TIME = time(10, 0)
MEETING_BY_DAY = 14


# ---- /buddy ... -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuddyCommand:
    action: str  # status | volunteer | stop | pause | enrol | block | unblock | usage
    hire: str | None = None
    people: tuple[str, ...] = ()  # block / unblock: one person (with the caller) or two
    manager: str | None = None
    start: date | None = None
    until: date | None = None
    problem: str | None = None  # a clear, fixable answer; nothing changes


USAGE = ("Usage: `/buddy` shows your buddy or hires · `/buddy volunteer [until YYYY-MM-DD]` · `/buddy pause` · "
         "`/buddy stop` · `/buddy @new-hire start:YYYY-MM-DD manager:@manager` enrols a new hire · "
         "`/buddy block @someone` (or `unblock`) means you are never paired with them.")
BARE_NAME = ("I couldn't tell who `{name}` is. Pick the person from the autocomplete list as you type `@`, "
             "so Slack sends me a real mention.")


def _date(text: str, what: str) -> tuple[date | None, str | None]:
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"`{text[:30]}` is not a {what} date: write it as YYYY-MM-DD, e.g. `start:2026-03-02`."


def parse_command(text: str, today: date) -> BuddyCommand:
    """`text` is unescaped. Mentions arrive as `<@U…|name>` or `<@U…>`
    (should_escape: true); a bare `@name` was not picked from the autocomplete."""
    words = text.split()
    if not words:
        return BuddyCommand("status")
    first = words[0].lower()
    if first in ("stop", "pause", "volunteer"):
        until = None
        if first in ("volunteer", "pause") and len(words) == 3 and words[1].lower() == "until":
            until, problem = _date(words[2], "valid")
            if problem:
                return BuddyCommand("usage", problem=problem)
            if until < today:
                return BuddyCommand("usage", problem=f"{until.isoformat()} is in the past.")
        elif len(words) > 1:
            return BuddyCommand("usage", problem=USAGE)
        return BuddyCommand(first, until=until)
    if first in ("block", "unblock"):
        return _parse_block(first, words[1:])
    if words[0].startswith("@"):
        return BuddyCommand("usage", problem=BARE_NAME.format(name=words[0][:40].replace("`", "")))
    hire_match = MENTION.match(words[0])
    if hire_match is None:
        return BuddyCommand("usage", problem=USAGE)
    hire, manager, start = hire_match.group(1), None, today
    for word in words[1:]:
        key, _, value = word.partition(":")
        key = key.lower()
        if key == "start" and value:
            start, problem = _date(value, "start")
            if problem:
                return BuddyCommand("usage", problem=problem)
        elif key == "manager" and value:
            if value.startswith("@"):
                return BuddyCommand("usage", problem=BARE_NAME.format(name=value[:40].replace("`", "")))
            found = MENTION.match(value)
            if found is None:
                return BuddyCommand("usage", problem=USAGE)
            manager = found.group(1)
        else:
            return BuddyCommand("usage", problem=USAGE)
    if problem := start_problem(start.isoformat(), today):
        return BuddyCommand("usage", problem=problem)
    if manager == hire:
        return BuddyCommand("usage", problem="The new hire can't be their own manager.")
    return BuddyCommand("enrol", hire=hire, manager=manager, start=start)


def start_problem(start: str | None, today: date) -> str | None:
    """Why a start date (YYYY-MM-DD) can't be used; None when it can."""
    if not start:
        return "Choose the start date."
    day, problem = _date(start, "start")
    if problem:
        return problem
    if day < today - timedelta(days=MAX_DAYS_BACK):
        return f"{start} is more than {MAX_DAYS_BACK} days ago. Check the start date, or enrol with today's date."
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        return f"{start} is more than a year ahead. Check the start date."
    return None


def _parse_block(action: str, words: list[str]) -> BuddyCommand:
    """`block @x` (the caller and x) or `block @x @y` (a manager or an admin for two people)."""
    people = []
    for word in words:
        if word.startswith("@"):
            return BuddyCommand("usage", problem=BARE_NAME.format(name=word[:40].replace("`", "")))
        found = MENTION.match(word)
        if found is None:
            return BuddyCommand("usage", problem=USAGE)
        people.append(found.group(1))
    if len(people) not in (1, 2):
        return BuddyCommand("usage", problem=f"Usage: `/buddy {action} @someone`, or `/buddy {action} @person "
                                             "@other-person` for two people you manage (admins: anyone).")
    if len(set(people)) != len(people):
        return BuddyCommand("usage", problem="Name two different people.")
    return BuddyCommand(action, people=tuple(people))


def person_problem(user: dict | None, role: str) -> str | None:
    """Why someone cannot take part in a role, from users.info; None when fine."""
    if user is None:
        return f"I can't find that {role} in this workspace."
    if user.get("is_bot") or user.get("is_app_user") or user.get("id") == "USLACKBOT":
        return f"<@{user['id']}> is a bot, so they can't be a {role}."
    if user.get("deleted"):
        return f"<@{user['id']}>'s account is deactivated, so they can't be a {role}."
    return None


# ---- time: business days and quiet hours in the recipient's zone -----------------------------------


def is_business_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def business_days_before(day: date, n: int, holidays: frozenset[date]) -> date:
    while n > 0:
        day -= timedelta(days=1)
        if is_business_day(day, holidays):
            n -= 1
    return day


def add_business_days(moment: datetime, n: int, tz: str, holidays: frozenset[date]) -> datetime:
    """The same local time n business days later."""
    local = moment.astimezone(ZoneInfo(tz))
    day = local.date()
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            n -= 1
    return datetime.combine(day, local.time(), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def on_or_after_business_day(day: date, holidays: frozenset[date]) -> date:
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def at_local(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def day_after(day: date, tz: str) -> datetime:
    """Midnight at the end of `day` in `tz`: "until DATE" includes that day."""
    return at_local(day + timedelta(days=1), time(0), tz)


def next_nudge_time(moment: datetime, tz: str, holidays: frozenset[date]) -> datetime:
    """The first moment at or after `moment` inside the recipient's working
    hours (business days, 09:00-17:30 local): nobody is nudged at night."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    day = local.date()
    for _ in range(60):
        if is_business_day(day, holidays):
            opens, closes = at_local(day, NUDGE_START, tz), at_local(day, NUDGE_END, tz)
            if moment < closes:
                return max(moment, opens)
        day += timedelta(days=1)
        moment = at_local(day, time(0), tz)
    return moment


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def offset_seconds(tz: str | None, now: datetime) -> int | None:
    if not tz:
        return None
    try:
        return int(now.astimezone(ZoneInfo(tz)).utcoffset().total_seconds())
    except (KeyError, ValueError):
        return None


def date_token(moment: datetime, fmt: str = "{date_short_pretty} at {time}") -> str:
    """Slack's date token: every reader sees their own local time. The
    fallback (old clients, notifications) shows as much as the token does."""
    fallback = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC" if "{time}" in fmt else "%Y-%m-%d")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


# ---- the schedule of one pairing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    suggest_at: datetime
    headsup_at: datetime
    intro_at: datetime
    checkins: tuple[tuple[str, date, date], ...]  # (step, due local date, last date it still makes sense)
    wrapup_day: date


def schedule(pairing: BuddyPairing, settings: BuddySettings) -> Schedule:
    holidays = settings.holiday_dates
    start = date.fromisoformat(pairing.start_date)
    assign_day = business_days_before(start, settings.assign_days_before, holidays)
    suggest_at = max(pairing.created_at, at_local(assign_day, NUDGE_START, pairing.tz))
    headsup_day = business_days_before(start, settings.headsup_days_before, holidays)
    days = sorted(settings.checkin_days)
    steps = []
    for i, day in enumerate(days):
        due = on_or_after_business_day(start + timedelta(days=day), holidays)
        until = start + timedelta(days=days[i + 1]) if i + 1 < len(days) else due + timedelta(days=14)
        steps.append((f"d{day}", due, until))
    return Schedule(suggest_at=suggest_at, headsup_at=at_local(headsup_day, NUDGE_START, pairing.tz),
                    intro_at=at_local(start, INTRO_TIME, pairing.tz), checkins=tuple(steps),
                    wrapup_day=on_or_after_business_day(start + timedelta(days=days[-1] if days else 90), holidays))


# ---- enrolment and the pool --------------------------------------------------------------------------


def enrol(session: Session, *, team_id: str, hire_id: str, manager_id: str | None, enrolled_by: str, start: date,
          tz: str, now: datetime) -> BuddyPairing | None:
    """The hire's pairing; None when they were already enrolled."""
    ensure_workspace(session, team_id, now)
    if not insert_ignore(session, BuddyPairing, team_id=team_id, hire_id=hire_id, manager_id=manager_id,
                         enrolled_by=enrolled_by, start_date=start.isoformat(), tz=tz, status=OPEN,
                         suggestions="[]", created_at=now):
        return None
    programmes.join(session, team_id, BUDDIES, hire_id, programmes.HIRE, now)
    return by_hire(session, team_id, hire_id)


def by_hire(session: Session, team_id: str, hire_id: str) -> BuddyPairing | None:
    return session.scalars(select(BuddyPairing).where(BuddyPairing.team_id == team_id,
                                                      BuddyPairing.hire_id == hire_id)).one_or_none()


def open_pairings(session: Session, team_id: str | None = None) -> list[BuddyPairing]:
    query = select(BuddyPairing).where(BuddyPairing.status == OPEN)
    if team_id is not None:
        query = query.where(BuddyPairing.team_id == team_id)
    return list(session.scalars(query.order_by(BuddyPairing.id)))


def load(session: Session, team_id: str) -> dict[str, int]:
    """Active hires per buddy."""
    counts: dict[str, int] = {}
    for p in open_pairings(session, team_id):
        if p.buddy_id:
            counts[p.buddy_id] = counts.get(p.buddy_id, 0) + 1
    return counts


def past_buddies(session: Session, team_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for buddy in session.scalars(select(BuddyPairing.buddy_id).where(
            BuddyPairing.team_id == team_id, BuddyPairing.buddy_id.is_not(None), BuddyPairing.status == ENDED)):
        counts[buddy] = counts.get(buddy, 0) + 1
    return counts


def _expertise(session: Session, team_id: str, user_ids: list[str]) -> dict[str, tuple[set[str], dict[str, int]]]:
    found: dict[str, tuple[set[str], dict[str, int]]] = {u: (set(), {}) for u in user_ids}
    if not user_ids:
        return found
    rows = session.execute(select(Expertise.user_id, Topic.name, Expertise.declared, Expertise.earned)
                           .join(Topic, Topic.id == Expertise.topic_id)
                           .where(Expertise.team_id == team_id, Expertise.user_id.in_(user_ids)))
    for user_id, name, declared, earned in rows:
        if declared:
            found[user_id][0].add(name)
        if earned:
            found[user_id][1][name] = earned
    return found


def suggest(session: Session, pairing: BuddyPairing, settings: BuddySettings, now: datetime,
            limit: int = 3) -> list[str]:
    """Up to 3 buddies: capacity left, not the manager or the hire, within
    ±3 h of the hire's zone while someone is, fewest past buddies, best topic
    fit (the manager's topics stand for the team's when the hire has none yet)."""
    team_id = pairing.team_id
    pool = [m.user_id for m in programmes.active(session, team_id, BUDDIES, BUDDY, now)
            if m.user_id not in (pairing.hire_id, pairing.manager_id)]
    members = {m.user_id: m for m in session.scalars(select(Member).where(
        Member.team_id == team_id, Member.user_id.in_(pool + [pairing.hire_id]))) }
    pool = [u for u in pool if not (members.get(u) and (members[u].deleted or members[u].is_bot))]
    taken, past = load(session, team_id), past_buddies(session, team_id)
    knowledge = _expertise(session, team_id, pool + [pairing.hire_id] + ([pairing.manager_id] if pairing.manager_id
                                                                          else []))
    wants = knowledge[pairing.hire_id][0] | set(knowledge[pairing.hire_id][1])
    if not wants and pairing.manager_id:
        wants = knowledge[pairing.manager_id][0] | set(knowledge[pairing.manager_id][1])
    hire = matching.Person(pairing.hire_id, topics=frozenset(wants), tz_offset=offset_seconds(pairing.tz, now),
                           manager=pairing.manager_id)
    helpers = [matching.Person(u, declared=frozenset(knowledge[u][0]), earned=knowledge[u][1],
                               tz_offset=offset_seconds(members[u].tz if u in members else None, now),
                               capacity=settings.capacity - taken.get(u, 0), past_matches=past.get(u, 0))
               for u in pool]
    weights = matching.Weights(max_tz_hours=settings.max_tz_hours)
    rules = matching.Rules.of(blocked=programmes.blocked_pairs(session, team_id, [pairing.hire_id]))
    return [u for u, _ in matching.rank(hire, helpers, rules=rules, weights=weights, limit=limit, seed=pairing.id)]


def block_problem(session: Session, team_id: str, a: str, b: str, settings: BuddySettings,
                  now: datetime) -> str | None:
    """Blocking a and b must leave a new hire still waiting for a buddy with
    someone possible: otherwise nothing changes and the caller is told why."""
    for pairing in open_pairings(session, team_id):
        if pairing.buddy_id is None and pairing.hire_id in (a, b):
            other = b if pairing.hire_id == a else a
            if suggest(session, pairing, settings, now, limit=2) == [other]:
                return (f"<@{other}> is the only possible buddy left for <@{pairing.hire_id}>, so I can't block "
                        "them. Nothing changed. Ask more colleagues to `/buddy volunteer` first.")
    return None


def is_blocked(session: Session, team_id: str, a: str, b: str) -> bool:
    return any(b in pair for pair in programmes.blocked_pairs(session, team_id, [a]))


def record_suggestions(session: Session, pairing_id: int, suggestions: list[str], now: datetime) -> bool:
    """Once: True for the run that stored them."""
    result = session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing_id,
                                                        BuddyPairing.suggested_at.is_(None))
                             .values(suggestions=json.dumps(suggestions), suggested_at=now)
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def suggestions_of(pairing: BuddyPairing) -> list[str]:
    return json.loads(pairing.suggestions or "[]")


def assign(session: Session, pairing_id: int, buddy_id: str, how: str, now: datetime) -> bool:
    """Set the buddy once (a double click, the auto-pick and the manager racing: one wins)."""
    result = session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing_id,
                                                        BuddyPairing.buddy_id.is_(None))
                             .values(buddy_id=buddy_id, assigned_at=now, assigned_how=how)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    # A buddy picked from outside the pool still has a membership, so their
    # check-ins can pause and resume; `until` keeps them out of the pool.
    team_id = session.get(BuddyPairing, pairing_id).team_id
    insert_ignore(session, ProgrammeMember, team_id=team_id, kind=BUDDIES, user_id=buddy_id, role=BUDDY,
                  status=programmes.ACTIVE, joined_at=now, resumed_at=now, until=now)
    return True


def has_room(session: Session, team_id: str, buddy_id: str, settings: BuddySettings) -> bool:
    return load(session, team_id).get(buddy_id, 0) < settings.capacity


def end(session: Session, pairing_id: int) -> None:
    session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing_id, BuddyPairing.status == OPEN)
                    .values(status=ENDED).execution_options(synchronize_session=False))


# ---- needs attention (admins) -------------------------------------------------------------------------

NO_BUDDY = "no buddy by the start date"
NO_MEETING = f"no meeting reported by day {MEETING_BY_DAY}"
TWO_UNANSWERED = "two unanswered check-ins"
OVER_CAPACITY = "buddy over capacity"


@dataclass(frozen=True)
class Attention:
    pairing_id: int
    hire_id: str
    buddy_id: str | None
    reason: str


def needs_attention(session: Session, team_id: str, settings: BuddySettings, now: datetime) -> list[Attention]:
    found: list[Attention] = []
    counts = load(session, team_id)
    for p in open_pairings(session, team_id):
        start = date.fromisoformat(p.start_date)
        today = local_today(now, p.tz)
        asked = checkins.of_subject(session, team_id, BUDDIES, p.id)
        if p.buddy_id is None:
            if today >= start:
                found.append(Attention(p.id, p.hire_id, None, NO_BUDDY))
            continue
        if today >= start + timedelta(days=MEETING_BY_DAY) and not any(c.met_at for c in asked):
            found.append(Attention(p.id, p.hire_id, p.buddy_id, NO_MEETING))
        if sum(1 for c in asked if c.message_ts and c.answer is None and c.asked_at <= now - timedelta(days=2)) >= 2:
            found.append(Attention(p.id, p.hire_id, p.buddy_id, TWO_UNANSWERED))
        if counts.get(p.buddy_id, 0) > settings.capacity:
            found.append(Attention(p.id, p.hire_id, p.buddy_id, OVER_CAPACITY))
    return found


def of_person(session: Session, team_id: str, user_id: str) -> tuple[list[BuddyPairing], list[BuddyPairing]]:
    """(pairings where they are the hire, pairings where they are the buddy or manager)."""
    mine = [p for p in open_pairings(session, team_id) if p.hire_id == user_id]
    theirs = [p for p in open_pairings(session, team_id) if user_id in (p.buddy_id, p.manager_id)]
    return mine, theirs


FIRST_CHAT = "first-chat"


def report_first_chat(session: Session, pairing: BuddyPairing, user_id: str, now: datetime) -> bool:
    """The hire or buddy pressed "We've had our first chat" in the day-1 group
    DM: a meeting reported, as a check-in answered Met. False when they
    already had (a double click)."""
    row = checkins.ask(session, team_id=pairing.team_id, kind=BUDDIES, subject_id=pairing.id, user_id=user_id,
                       step=FIRST_CHAT, due_date=pairing.start_date, now=now)
    return checkins.answer(session, row.id, user_id, checkins.MET, now).recorded


def met_count(session: Session, team_id: str, pairing_id: int) -> int:
    return len(session.scalars(select(CheckIn.id).where(and_(
        CheckIn.team_id == team_id, CheckIn.kind == BUDDIES, CheckIn.subject_id == pairing_id,
        CheckIn.met_at.is_not(None)))).all())
