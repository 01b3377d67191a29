"""Programme steps that talk to Slack, shared by listeners and the
`programmes` job (beside question_flow.py, so jobs never import listeners).

Every scheduled step posts through the one outbox with a key (programme
step, recipient, subject): retries, restarts, replicas and a job run twice
never send twice. Nothing here posts in a channel: DMs and group DMs only."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Callable

from slack_sdk.errors import SlackApiError

from peerbot.blocks import buddies as buddy_blocks
from peerbot.blocks import programmes as programme_blocks
from peerbot.deps import Deps
from peerbot.services import buddies, checkins, outbox, programmes
from peerbot.services.buddies import date_token
from peerbot.services.programmes import BUDDIES
from peerbot.slack_api import dm_channel
from peerbot.store.models import Member

logger = logging.getLogger("peerbot.programmes")
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
            if code in ("user_not_found", "account_inactive", "channel_not_found", "cannot_dm_bot"):
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


def run(deps: Deps, at: datetime) -> str:
    """Every buddy-programme step due at `at`, once."""
    tally: dict[str, int] = {}
    with deps.db.read() as session:
        pairings = buddies.open_pairings(session)
        teams = {p.team_id for p in pairings}
        homes = {t: programmes.get(session, t, BUDDIES) for t in teams}
    for pairing in pairings:
        row = homes.get(pairing.team_id)
        if row is None or not row.is_on:
            continue
        try:
            for step in _steps(deps, pairing.id, programmes.settings_of(row), at):
                tally[step] = tally.get(step, 0) + 1
        except Exception:
            logger.exception("buddy steps for pairing %s failed", pairing.id)
            tally["crashed"] = tally.get("crashed", 0) + 1
    done = ", ".join(f"{n} {step}" for step, n in sorted(tally.items())) or "nothing due"
    return f"buddies: {done}"


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

    # 1. Suggestions to the manager (computed once, then posted once).
    if p.buddy_id is None and at >= buddies.next_nudge_time(plan.suggest_at, chooser_tz, holidays):
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
                picked = next((u for u in buddies.suggestions_of(p)
                               if buddies.has_room(session, team, u, settings)), None)
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
            content=lambda key: buddy_blocks.intro_message(key, hire, buddy, p.manager_id))
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
                                          key, other, as_hire=who == hire))
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


def _checkin(deps: Deps, team: str, pairing_id: int, who: str, other: str, step: str, due: date, at: datetime,
             *, as_hire: bool) -> str | None:
    with deps.db.read() as session:
        member = programmes.member(session, team, BUDDIES, who, programmes.HIRE if as_hire else programmes.BUDDY)
        since = member.resumed_at if member is not None else None
        paused = member is not None and member.status != programmes.ACTIVE
        streak = checkins.unanswered_streak(session, team, BUDDIES, who, since)
    if paused:
        return None
    if streak >= checkins.UNANSWERED_TO_PAUSE:
        with deps.db.begin() as session:
            if member is not None:
                programmes.set_status(session, team, BUDDIES, who, member.role, programmes.PAUSED, at)
        outcome, _, _ = post_once(deps, team_id=team, recipient=who, kind="checkin-pause",
                                  period=f"{BUDDIES}-{since.date() if since else ''}", at=at,
                                  channel=lambda: dm_channel(deps.client, who),
                                  content=lambda key: programme_blocks.pause_question(key, BUDDIES))
        return "paused" if outcome == "posted" else None
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

