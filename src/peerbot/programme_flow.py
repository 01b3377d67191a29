"""Programme steps that talk to Slack, shared by listeners and the
`programmes` job (beside question_flow.py, so jobs never import listeners).

Every scheduled step posts through the one outbox with a key (programme
step, recipient, subject): retries, restarts, replicas and a job run twice
never send twice. Nothing here posts in a channel: DMs and group DMs only."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Callable

from slack_sdk.errors import SlackApiError

from peerbot.blocks import buddies as buddy_blocks
from peerbot.blocks import programmes as programme_blocks
from peerbot.deps import Deps
from peerbot.services import buddies, checkins, outbox, programmes, rounds
from peerbot.services.buddies import date_token
from peerbot.services.conversations import remember_member
from peerbot.services.programmes import BUDDIES
from peerbot.slack_api import dm_channel
from peerbot.store.models import MatchRound, Member

RETRY_DELAY = timedelta(minutes=10)


def post_once(deps: Deps, *, team_id: str, recipient: str, kind: str, period: str, at: datetime,
              channel: Callable[[], str], content: Callable[[str], dict]) -> tuple[str, str | None, str | None]:
    """(outcome, channel, ts). `content` gets the outbox block id, which the
    post carries in its first block so a re-claimed post can be found."""
    with deps.db.begin() as session:
        claim = outbox.claim(session, team_id=team_id, channel_id=recipient, kind=kind, period=period, now=at)
    if claim is None:
        return "skipped", None, None
    try:
        where = channel()
        if claim.retry:
            found = _find(deps, where, claim.block_id)
            if found is not None:
                with deps.db.begin() as session:
                    outbox.posted(session, claim, found, at)
                return "recovered", where, found
        response = deps.client.chat_postMessage(channel=where, unfurl_links=False, **content(claim.block_id))
    except SlackApiError as error:
        code = error.response.get("error") or "error"
        with deps.db.begin() as session:
            if code in ("user_not_found", "user_disabled", "account_inactive", "channel_not_found", "cannot_dm_bot"):
                outbox.give_up(session, claim, code)
                return "failed", None, None
            outbox.retry_later(session, claim, code, at, RETRY_DELAY)
        return "retry later", None, None
    except (OSError, TimeoutError) as error:
        with deps.db.begin() as session:
            outbox.retry_later(session, claim, f"unreachable: {error}", at, RETRY_DELAY)
        return "retry later", None, None
    with deps.db.begin() as session:
        outbox.posted(session, claim, response["ts"], at)
    return "posted", where, response["ts"]


def _find(deps: Deps, channel_id: str, block_id: str) -> str | None:
    response = deps.client.conversations_history(channel=channel_id, limit=100)
    for message in response.get("messages", []):
        if message.get("bot_id") and any(b.get("block_id") == block_id for b in message.get("blocks", [])):
            return message["ts"]
    return None


def group_dm(deps: Deps, users: list[str]) -> str:
    """One group DM (an mpim, the bot included) for these people: never a channel."""
    return deps.client.conversations_open(users=",".join(users))["channel"]["id"]


# ---- the programmes job --------------------------------------------------------------------------------


class Tally:
    """What one programme's runner did, as the job's one-line summary
    ("circles: 2 reminders, 1 formed"). A step that fails is logged and
    counted as crashed; the runner carries on with the next subject."""

    def __init__(self, programme: str):
        self.programme = programme
        self.counts: Counter[str] = Counter()

    def count(self, step: str | None, n: int = 1) -> None:
        if step and n:
            self.counts[step] += n

    @contextmanager
    def guard(self, subject: str):
        try:
            yield
        except Exception:
            logging.getLogger(f"peerbot.{self.programme}").exception("%s steps for %s failed", self.programme,
                                                                     subject)
            self.counts["crashed"] += 1

    def __str__(self) -> str:
        done = ", ".join(f"{n} {step}" for step, n in sorted(self.counts.items())) or "nothing due"
        return f"{self.programme}: {done}"


def run(deps: Deps, at: datetime) -> str:
    """Every buddy-programme step due at `at`, once."""
    tally = Tally("buddies")
    with deps.db.read() as session:
        pairings = buddies.open_pairings(session)
        teams = {p.team_id for p in pairings}
        homes = {t: programmes.get(session, t, BUDDIES) for t in teams}
    for pairing in pairings:
        row = homes.get(pairing.team_id)
        if row is None or not row.is_on:
            continue
        with tally.guard(f"pairing {pairing.id}"):
            for step in _steps(deps, pairing.id, programmes.settings_of(row), at):
                tally.count(step)
    return str(tally)


def _tz(deps: Deps, team_id: str, user_id: str, fallback: str) -> str:
    with deps.db.read() as session:
        member = session.get(Member, (team_id, user_id))
    return member.tz if member is not None and member.tz else fallback


def _steps(deps: Deps, pairing_id: int, settings: programmes.BuddySettings, at: datetime) -> list[str]:
    done: list[str] = []
    with deps.db.read() as session:
        p = session.get(buddies.BuddyPairing, pairing_id)
    team, holidays = p.team_id, settings.holiday_dates
    plan = buddies.schedule(p, settings)
    start = date.fromisoformat(p.start_date)
    chooser = p.manager_id or p.enrolled_by
    chooser_tz = _tz(deps, team, chooser, p.tz)

    # 1. Suggestions to the manager (computed once, previewed by an admin when the
    #    programme asks for it, then posted once).
    if p.buddy_id is None and at >= buddies.next_nudge_time(plan.suggest_at, chooser_tz, holidays):
        if p.suggested_at is None and settings.preview:
            if _preview(deps, p, settings, at):
                done.append("previewed")
            return done  # publishing records the suggestions and runs these steps again
        if p.suggested_at is None:
            with deps.db.begin() as session:
                fresh = session.get(buddies.BuddyPairing, pairing_id)
                found = buddies.suggest(session, fresh, settings, at)
                buddies.record_suggestions(session, pairing_id, found, at)
            with deps.db.read() as session:
                p = session.get(buddies.BuddyPairing, pairing_id)
        autopick_at = buddies.add_business_days(p.suggested_at, settings.autopick_after, chooser_tz, holidays)
        outcome, _, _ = post_once(
            deps, team_id=team, recipient=chooser, kind="buddy-suggest", period=str(pairing_id), at=at,
            channel=lambda: dm_channel(deps.client, chooser),
            content=lambda key: buddy_blocks.suggestions_message(
                key, pairing_id, p.hire_id, date_token(buddies.at_local(start, buddies.INTRO_TIME, p.tz),
                                                       "{date_short_pretty}"),
                buddies.suggestions_of(p), date_token(autopick_at)))
        if outcome == "posted":
            done.append("suggested")
        # 2. Nobody picked within the business days: the top suggestion with room.
        if at >= autopick_at:
            with deps.db.begin() as session:
                picked = next((u for u in buddies.suggestions_of(p) if buddies.has_room(session, team, u, settings)
                               and not buddies.is_blocked(session, team, p.hire_id, u)), None)
                if picked is not None and buddies.assign(session, pairing_id, picked, "auto", at):
                    done.append("auto-picked")
            with deps.db.read() as session:
                p = session.get(buddies.BuddyPairing, pairing_id)
    if p.buddy_id is None:
        return done
    buddy, hire = p.buddy_id, p.hire_id
    buddy_tz = _tz(deps, team, buddy, p.tz)
    if p.assigned_how == "auto":
        for who in {p.enrolled_by, chooser}:
            outcome, _, _ = post_once(deps, team_id=team, recipient=who, kind="buddy-autopick", period=str(pairing_id),
                                      at=at, channel=lambda who=who: dm_channel(deps.client, who),
                                      content=lambda key: buddy_blocks.autopicked_notice(key, hire, buddy))
            if outcome == "posted":
                done.append("admin told")

    # 3. The buddy's heads-up: from 3 business days before the start, until the start.
    headsup_at = buddies.next_nudge_time(max(plan.headsup_at, p.assigned_at), buddy_tz, holidays)
    if headsup_at <= at < plan.intro_at + timedelta(days=1):
        outcome, _, _ = post_once(
            deps, team_id=team, recipient=buddy, kind="buddy-headsup", period=str(pairing_id), at=at,
            channel=lambda: dm_channel(deps.client, buddy),
            content=lambda key: buddy_blocks.headsup_message(key, hire, date_token(plan.intro_at), p.manager_id))
        if outcome == "posted":
            done.append("heads-up")

    # 4. Day 1, 09:30 hire-local: the group DM (hire, buddy, manager), during the first week.
    if plan.intro_at <= at < plan.intro_at + timedelta(days=7):
        people = [hire, buddy] + ([p.manager_id] if p.manager_id and p.manager_id not in (hire, buddy) else [])
        outcome, _, _ = post_once(
            deps, team_id=team, recipient=hire, kind="buddy-intro", period=str(pairing_id), at=at,
            channel=lambda: group_dm(deps, people),
            content=lambda key: buddy_blocks.intro_message(key, pairing_id, hire, buddy, p.manager_id))
        if outcome == "posted":
            done.append("introduced")

    # 5. Check-ins to both on the programme's days, 10:00 local, while they still make sense.
    for step, due, until in plan.checkins:
        for who, other, tz in ((hire, buddy, p.tz), (buddy, hire, buddy_tz)):
            when = buddies.next_nudge_time(buddies.at_local(due, buddies.CHECKIN_TIME, tz), tz, holidays)
            if not (when <= at and buddies.local_today(at, tz) < until):
                continue
            outcome = _checkin(deps, team, pairing_id, who, other, step, due, at, as_hire=who == hire)
            if outcome:
                done.append(outcome)

    # 6. Day 90: the wrap-up to both, then the pairing ends.
    wrap_at = buddies.at_local(plan.wrapup_day, buddies.CHECKIN_TIME, p.tz)
    if at >= buddies.next_nudge_time(wrap_at, p.tz, holidays):
        sent = 0
        for who, other in ((hire, buddy), (buddy, hire)):
            outcome, _, _ = post_once(deps, team_id=team, recipient=who, kind="buddy-wrapup", period=str(pairing_id),
                                      at=at, channel=lambda who=who: dm_channel(deps.client, who),
                                      content=lambda key, other=other, who=who: buddy_blocks.wrapup_message(
                                          key, pairing_id, other, as_hire=who == hire))
            sent += outcome == "posted"
        with deps.db.read() as session:
            both = all((row := outbox.get(session, team, who, "buddy-wrapup", str(pairing_id))) is not None
                       and row.status == outbox.POSTED for who in (hire, buddy))
        if both:
            with deps.db.begin() as session:
                buddies.end(session, pairing_id)
        if sent:
            done.append("wrapped up")
    return done


def _preview(deps: Deps, p: buddies.BuddyPairing, settings: programmes.BuddySettings, at: datetime) -> bool:
    """The hire's suggestions as a round for the programme's admin to publish."""
    with deps.db.begin() as session:
        admin = programmes.get(session, p.team_id, BUDDIES).switched_on_by or p.enrolled_by
        row = rounds.find(session, p.team_id, BUDDIES, f"p{p.id}")
        if row is None:
            found = buddies.suggest(session, session.get(buddies.BuddyPairing, p.id), settings, at)
            row = rounds.propose(session, team_id=p.team_id, kind=BUDDIES, key=f"p{p.id}", admin_id=admin,
                                 groups=[[p.hire_id, u] for u in found],
                                 unplaced={} if found else {p.hire_id: "no volunteer buddy has room"}, now=at)
        round_id, groups, unplaced = row.id, *rounds.proposal_of(row)
    title = f"buddy suggestions for <@{p.hire_id}>, best first, for <@{p.manager_id or p.enrolled_by}> to choose from"
    outcome, _, _ = post_once(deps, team_id=p.team_id, recipient=admin, kind="round-preview", period=str(round_id),
                              at=at, channel=lambda: dm_channel(deps.client, admin),
                              content=lambda key: programme_blocks.round_preview(key, round_id, title, groups,
                                                                                 unplaced))
    return outcome == "posted"


def publish_buddy_round(deps: Deps, round_id: int, at: datetime) -> None:
    """Publish: the previewed suggestions become the hire's, and the manager hears at once."""
    with deps.db.begin() as session:
        row = session.get(MatchRound, round_id)
        pairing_id = int(row.round_key.removeprefix("p"))  # buddy rounds are one hire each: p<pairing id>
        groups, _ = rounds.proposal_of(row)
        buddies.record_suggestions(session, pairing_id, [g[1] for g in groups], at)
        settings = programmes.settings_of(programmes.get(session, row.team_id, BUDDIES))
    _steps(deps, pairing_id, settings, at)


# What publishing a previewed round does, per programme (mentoring and circles add theirs).
PUBLISHERS: dict[str, Callable[[Deps, int, datetime], None]] = {BUDDIES: publish_buddy_round}


# ---- the shared check-in: three unanswered in a row pause and ask, in every programme ---------------------

def set_standing(deps: Deps, team_id: str, kind: str, user_id: str, status: str, at: datetime) -> None:
    """What Stay / Pause / Leave (ACTIVE / PAUSED / LEFT) means by default:
    the person's standing in the programme, so check-ins carry on or stop."""
    with deps.db.begin() as session:
        checkins.set_standing(session, team_id, kind, user_id, status, at)


# A programme where it means more (leaving mentoring ends the person's mentorships) adds its own hook:
# (deps, team, kind, person, status, at).
CHECKIN_CHOICES: dict[str, Callable[[Deps, str, str, str, str, datetime], None]] = {}


def choose_standing(deps: Deps, team_id: str, kind: str, user_id: str, status: str, at: datetime) -> None:
    CHECKIN_CHOICES.get(kind, set_standing)(deps, team_id, kind, user_id, status, at)


def checkin_gate(deps: Deps, team_id: str, kind: str, who: str, at: datetime) -> str:
    """Before a check-in: "ask"; "quiet" while the person is paused or has
    left; "paused" when their last three went unanswered: they are paused
    now and asked stay / pause / leave (once per restart)."""
    with deps.db.read() as session:
        standing = checkins.standing(session, team_id, kind, who, at)
        streak = checkins.unanswered_streak(session, team_id, kind, who, standing.since, at)
    if standing.quiet:
        return "quiet"
    if streak < checkins.UNANSWERED_TO_PAUSE:
        return "ask"
    choose_standing(deps, team_id, kind, who, programmes.PAUSED, at)
    outcome, _, _ = post_once(deps, team_id=team_id, recipient=who, kind="checkin-pause",
                              period=f"{kind}-{standing.since.date() if standing.since else ''}", at=at,
                              channel=lambda: dm_channel(deps.client, who),
                              content=lambda key: programme_blocks.pause_question(key, kind))
    return "paused" if outcome == "posted" else "quiet"


def _checkin(deps: Deps, team: str, pairing_id: int, who: str, other: str, step: str, due: date, at: datetime,
             *, as_hire: bool) -> str | None:
    gate = checkin_gate(deps, team, BUDDIES, who, at)
    if gate != "ask":
        return None if gate == "quiet" else gate
    with deps.db.begin() as session:
        row = checkins.ask(session, team_id=team, kind=BUDDIES, subject_id=pairing_id, user_id=who, step=step,
                           due_date=due.isoformat(), now=at)
        checkin_id = row.id
    day = step.lstrip("d")
    role = "your buddy" if as_hire else "your new hire"
    question = (f"Day {day} check-in: have you met <@{other}>, {role}, since last time?")
    if as_hire:
        question += " (And do you know who to ask for help? Tell me in a comment.)"
    outcome, channel, ts = post_once(
        deps, team_id=team, recipient=who, kind="checkin", period=f"b{pairing_id}-{step}", at=at,
        channel=lambda: dm_channel(deps.client, who),
        content=lambda key: programme_blocks.checkin_message(checkin_id, key, question))
    if ts is not None:
        with deps.db.begin() as session:
            checkins.delivered(session, checkin_id, channel, ts)
    return "checked in" if outcome == "posted" else None


# ---- the volunteer pool and new members ---------------------------------------------------------------


def add_channel_volunteers(deps: Deps, team_id: str, channel_id: str) -> str | None:
    """Everyone already in the volunteers channel joins the pool (later joins
    arrive as member_joined_channel); a fixable problem otherwise."""
    try:
        members = deps.client.conversations_members(channel=channel_id, limit=200)["members"]
    except SlackApiError as error:
        if error.response.get("error") in ("not_in_channel", "channel_not_found"):
            return (f"I'm not in <#{channel_id}>, so I can't see who volunteers there. Invite me with "
                    f"`/invite @peerbot` in that channel, then save the settings again.")
        raise
    now = deps.clock()
    for user_id in members:
        add_volunteer(deps, team_id, user_id, now)
    return None


def add_volunteer(deps: Deps, team_id: str, user_id: str, now: datetime) -> bool:
    """A person joins the buddy pool (bots and deactivated accounts never do)."""
    try:
        user = deps.client.users_info(user=user_id)["user"]
    except SlackApiError:
        return False
    if buddies.person_problem(user, "buddy"):
        return False
    with deps.db.begin() as session:
        remember_member(session, team_id, user, now)
        return programmes.join(session, team_id, BUDDIES, user_id, programmes.BUDDY, now)


def tell_admin_of_newcomer(deps: Deps, team_id: str, admin_id: str, user_id: str, at: datetime) -> str:
    """Enrol / Ignore to the programme's admin, once per new member however often Slack delivers."""
    outcome, _, _ = post_once(deps, team_id=team_id, recipient=admin_id, kind="buddy-newcomer", period=user_id,
                              at=at, channel=lambda: dm_channel(deps.client, admin_id),
                              content=lambda key: buddy_blocks.newcomer_message(key, user_id))
    return outcome
