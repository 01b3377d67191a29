"""Every scheduled job, in one place. The scheduler and `peerbot jobs run`
call the very same function with the fire time; what makes a post happen
once is the database, not the scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete

from peerbot.deps import Deps
from peerbot.services import routing, worktime
from peerbot.store.models import ProcessedEvent

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
    # Imported here: the question flow is shared with the listeners.
    from peerbot.listeners.question_flow import QuestionFlow

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


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("prune-events", "17 3 * * *", "forget processed Slack event ids after a week", prune_events),
        Job("escalations", "*/15 9-16 * * mon-fri", "route unanswered questions to the next experts", escalations),
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
