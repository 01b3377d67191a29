"""Every scheduled job, in one place. The scheduler and `peerbot jobs run`
call the very same function with the fire time; what makes a post happen
once is the database, not the scheduler."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete

from peerbot.blocks.digest import digest_message, prompt_message, stopped_notice
from peerbot import circles_flow, feedback_flow, mentoring_flow, programme_flow, talks_flow
from peerbot.deps import Deps
from peerbot.question_flow import QuestionFlow
from peerbot.services import digest as digests
from peerbot.services import metrics, outbox, prompts as prompt_service, routing, subscriptions, worktime
from peerbot.slack_api import dm_channel, error_hint, permalink, privacy_of
from peerbot.store.models import PUBLIC, ProcessedEvent

logger = logging.getLogger("peerbot.jobs")

# Slack retries an event for about five minutes; a week is plenty.
PROCESSED_EVENT_RETENTION = timedelta(days=7)
MISFIRE_GRACE_SECONDS = 3600


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str  # crontab fields: minute hour day month day_of_week
    description: str
    run: Callable[[Deps, datetime], str]


def prune_events(deps: Deps, at: datetime) -> str:
    with deps.db.begin() as session:
        result = session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.processed_at < at - PROCESSED_EVENT_RETENTION)
        )
    return f"forgot {result.rowcount} processed event ids older than {PROCESSED_EVENT_RETENTION.days} days"


def escalations(deps: Deps, at: datetime) -> str:
    """Route questions nobody has answered to the next experts and tell the
    askers. Each (question, step) is claimed in the database before anyone is
    mentioned, so running this twice for the same moment acts once. Outside
    working hours it does nothing: nobody is pinged at night or at weekends."""
    tz = deps.settings.timezone
    if not worktime.is_working_time(at, tz):
        return f"outside working hours in {tz}; nothing to do"
    after = routing.ESCALATE_AFTER_HOURS
    with deps.db.read() as session:
        due = routing.due(session, at, tz, after)
    flow = QuestionFlow(deps)
    routed = escalated = 0
    for step in due:
        try:
            outcome = flow.route(step.question_id, step=step.step, now=at, after_hours=after)
        except Exception:
            logger.exception("routing question %s step %s failed", step.question_id, step.step)
            continue
        if outcome is None:
            continue  # another run claimed it
        if step.step == 0:
            routed += 1
        else:
            escalated += 1
    return f"routed {routed} new question(s), escalated {escalated} unanswered question(s)"


# ---- digests and prompts, through the outbox ------------------------------------------------------

# Slack's answers that mean "this channel cannot take posts": stop and tell the subscriber.
PERMANENT_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# Worth another try later in the period (slack_sdk already retried 429s and 5xx a few times).
TRANSIENT_ERRORS = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout"})
RETRY_DELAY = timedelta(minutes=4)  # the next run (every 5 minutes) takes it
HISTORY_PAGES = 2  # pages of 100 messages searched for a re-claimed post
CHANNEL_PACE_SECONDS = 1.0  # about one message per second per channel


class _Pace:
    """Keeps posts to one channel about a second apart, across the jobs of
    this process. Jobs run on the scheduler's threads, never a listener's."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel_id: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last.get(channel_id, 0.0) + self.seconds)
            self._last[channel_id] = start
        if start > now:
            time.sleep(start - now)


PACE = _Pace(CHANNEL_PACE_SECONDS)


def digest(deps: Deps, at: datetime) -> str:
    """Post each subscribed channel's weekly digest once, when due in its zone."""
    return _deliver(deps, subscriptions.DIGEST, at)


def daily_prompts(deps: Deps, at: datetime) -> str:
    """Post each subscribed channel's "ask an expert" prompt once, on its workdays."""
    return _deliver(deps, subscriptions.PROMPT, at)


def _deliver(deps: Deps, kind: str, at: datetime) -> str:
    with deps.db.read() as session:
        due = subscriptions.due(session, kind, at, deps.settings.timezone)
    tally: dict[str, int] = {}
    for item in due:
        try:
            outcome = _post_once(deps, item, at)
        except Exception:
            logger.exception("%s for %s failed", kind, item.channel_id)
            outcome = "crashed"
        tally[outcome] = tally.get(outcome, 0) + 1
    done = ", ".join(f"{n} {outcome}" for outcome, n in sorted(tally.items())) or "nothing due"
    return f"{kind}: {done}"


def _post_once(deps: Deps, due: subscriptions.Due, at: datetime) -> str:
    with deps.db.begin() as session:
        claim = outbox.claim(session, team_id=due.team_id, channel_id=due.channel_id, kind=due.kind,
                             period=due.period, now=at)
    if claim is None:
        return "skipped"  # posted, another worker has it, or waiting to retry
    try:
        if claim.retry:
            # An earlier attempt may have reached Slack (a crash after the
            # post, a timeout that hid a success): look before posting again.
            found = _find_posted(deps, claim)
            if found is not None:
                _record_posted(deps, claim, found, at)
                return "recovered"
        content = _content(deps, due, at, claim.block_id)
        PACE.wait(due.channel_id)
        response = deps.client.chat_postMessage(channel=due.channel_id, unfurl_links=False, **content)
    except SlackApiError as error:
        return _failed(deps, claim, error, at)
    except (OSError, TimeoutError) as error:  # could not reach Slack (after the client's own retries)
        with deps.db.begin() as session:
            status = outbox.retry_later(session, claim, f"unreachable: {error}", at, RETRY_DELAY)
        return "retry later" if status == outbox.PENDING else "failed"
    _record_posted(deps, claim, response["ts"], at)
    return "posted"


def _record_posted(deps: Deps, claim: outbox.Claim, ts: str, at: datetime) -> None:
    with deps.db.begin() as session:
        if not outbox.posted(session, claim, ts, at):
            logger.warning("%s %s in %s: claim taken over before it was recorded", claim.kind, claim.period,
                           claim.channel_id)
        if claim.kind == subscriptions.PROMPT:
            prompt_service.posted(session, claim.team_id, claim.channel_id, claim.period, ts)


def _find_posted(deps: Deps, claim: outbox.Claim) -> str | None:
    """The ts of our message carrying this post's key, if it is in the channel."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        response = deps.client.conversations_history(channel=claim.channel_id, limit=100, cursor=cursor)
        for message in response.get("messages", []):
            if message.get("bot_id") and any(b.get("block_id") == claim.block_id for b in message.get("blocks", [])):
                return message["ts"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
    return None


def _failed(deps: Deps, claim: outbox.Claim, error: SlackApiError, at: datetime) -> str:
    code = error.response.get("error") or ""
    status_code = getattr(error.response, "status_code", 200)
    if code in PERMANENT_ERRORS:
        with deps.db.begin() as session:
            outbox.give_up(session, claim, code)
            stopped = subscriptions.stop(session, claim.team_id, claim.channel_id, code, at)
        _tell_subscribers(deps, claim.channel_id, stopped, code)
        return "unsubscribed"
    transient = status_code == 429 or status_code >= 500 or code in TRANSIENT_ERRORS
    if not transient:
        logger.error("%s %s in %s: Slack answered %s", claim.kind, claim.period, claim.channel_id, code)
    retry_after = int(error.response.headers.get("Retry-After", "0") or 0) if status_code == 429 else 0
    delay = max(RETRY_DELAY, timedelta(seconds=retry_after))
    with deps.db.begin() as session:
        status = outbox.retry_later(session, claim, code or f"HTTP {status_code}", at, delay)
    return "retry later" if status == outbox.PENDING else "failed"


def _tell_subscribers(deps: Deps, channel_id: str, stopped: list[tuple[str, str]], code: str) -> None:
    by_person: dict[str, list[str]] = {}
    for kind, user_id in stopped:
        by_person.setdefault(user_id, []).append(kind)
    for user_id, kinds in by_person.items():
        try:
            deps.client.chat_postMessage(channel=dm_channel(deps.client, user_id),
                                         **stopped_notice(channel_id, kinds, code, error_hint(code)))
        except SlackApiError as error:
            logger.warning("could not tell %s that posting in %s stopped: %s", user_id, channel_id,
                           error.response.get("error"))


def nameable_channels(deps: Deps, team_id: str, channel_id: str, at: datetime) -> set[str]:
    """This channel, plus the channels questions were asked in that are public
    (from conversations.info, cached): only their text may be shown here."""
    with deps.db.read() as session:
        asked_in = metrics.channels_asked_in(session, team_id, now=at, period=prompt_service.OPEN_LOOKBACK)
    nameable = {channel_id}
    for other in asked_in:
        try:
            if privacy_of(deps.client, deps.db, team_id, other, at) == PUBLIC:
                nameable.add(other)
        except SlackApiError:
            continue
    return nameable


def build_digest(deps: Deps, team_id: str, channel_id: str, at: datetime, tz: str, key: str | None = None) -> dict:
    """The digest a channel gets at `at` (also `/peerbot digest preview`)."""
    nameable = nameable_channels(deps, team_id, channel_id, at)
    with deps.db.read() as session:
        found = digests.compute(session, team_id, channel_id, now=at, nameable_channels=nameable)
    links = {q.id: permalink(deps.client, q.channel_id, q.message_ts) for q in found.open_questions}
    return digest_message(found, tz=tz, links=links, key=key)


def build_prompt(deps: Deps, team_id: str, channel_id: str, period: str, at: datetime, key: str | None) -> dict:
    nameable = nameable_channels(deps, team_id, channel_id, at)
    with deps.db.begin() as session:
        prompt = prompt_service.prepare(session, team_id, channel_id, period, now=at, nameable_channels=nameable)
    links = {q.id: permalink(deps.client, q.channel_id, q.message_ts) for q in prompt.open_questions}
    return prompt_message(prompt, links=links, key=key)


def _content(deps: Deps, due: subscriptions.Due, at: datetime, key: str) -> dict:
    if due.kind == subscriptions.DIGEST:
        return build_digest(deps, due.team_id, due.channel_id, at, due.tz, key)
    return build_prompt(deps, due.team_id, due.channel_id, due.period, at, key)


# Each programme's runner performs its steps due at `at`, each once through the outbox,
# and returns a short tally ("buddies: 2 heads-up"). A new programme adds its runner here.
PROGRAMME_RUNNERS = (programme_flow.run, mentoring_flow.run, circles_flow.run, feedback_flow.run, talks_flow.run)


def programmes(deps: Deps, at: datetime) -> str:
    return "programmes: " + "; ".join(run(deps, at) for run in PROGRAMME_RUNNERS)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("prune-events", "17 3 * * *", "forget processed Slack event ids after a week", prune_events),
        Job("escalations", "*/15 9-16 * * mon-fri", "route unanswered questions to the next experts", escalations),
        # Every five minutes: each channel is due at its own local time, in its own zone.
        Job("digest", "*/5 * * * *", "post weekly digests to subscribed channels when due", digest),
        Job("prompts", "*/5 * * * *", "post daily ask-an-expert prompts to subscribed channels when due",
            daily_prompts),
        # Every programme step due (suggestions, auto-pick, heads-up, day-1 intro, check-ins, wrap-up),
        # each in its recipient's zone and working hours, once through the outbox.
        Job("programmes", "*/15 * * * *", "run the peer programmes' steps that are due", programmes),
    )
}


def run_job(deps: Deps, name: str, at: datetime) -> str:
    return JOBS[name].run(deps, at)


def build_scheduler(deps: Deps) -> BackgroundScheduler:
    """In-memory jobs (no shared job store): every replica may run them, and
    the database decides what actually happens."""
    scheduler = BackgroundScheduler(timezone=deps.settings.timezone)
    for job in JOBS.values():
        scheduler.add_job(
            _fire,
            CronTrigger.from_crontab(job.schedule, timezone=deps.settings.timezone),
            args=[deps, job.name],
            id=job.name,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            coalesce=True,
        )
    return scheduler


def _fire(deps: Deps, name: str) -> None:
    at = deps.clock()
    try:
        logger.info("%s: %s", name, run_job(deps, name, at))
    except Exception:
        logger.exception("job %s failed", name)
