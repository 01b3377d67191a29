"""Channel subscriptions (weekly digest, daily prompts), their settings, and
when each channel is due, in its own time zone.

A post is due once per period: the ISO week (in the channel's zone) for a
digest, the local date for a prompt. It is due from its scheduled local time
until the period ends, so a peerbot that was down at 09:00 posts once when it
comes back the same week (digest) or the same day (prompt), and never posts
a stale one. A period whose scheduled time came before the subscription is
skipped: switching the digest on on a Wednesday does not post at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import ChannelSettings, OutboxPost
from peerbot.store.upsert import insert_ignore

DIGEST, PROMPT = "digest", "prompt"
KINDS = (DIGEST, PROMPT)
DEFAULT_DIGEST_DAY = 0  # Monday
DEFAULT_DIGEST_TIME = "09:00"
DEFAULT_PROMPT_TIME = "10:00"
DEFAULT_WORKDAYS = "0,1,2,3,4"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\s*$")
_EMOJI = re.compile(r"^:?([a-z0-9_+'\-]{1,60}):?$")


# ---- parsing what people type in the settings modal -----------------------------------------------

def parse_time(text: str) -> time | None:
    """`9:30`, `09:30`, `17.00` → a time; None for anything else."""
    match = _TIME.match(text or "")
    return time(int(match.group(1)), int(match.group(2))) if match else None


def parse_zone(text: str) -> str | None:
    """An IANA time zone name (`Europe/Berlin`), or None when unknown."""
    name = (text or "").strip()
    if not name or name.startswith("/") or ".." in name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def parse_emoji(text: str) -> str | None:
    """`:raised_hands:` or `raised_hands` → `raised_hands`; None when not an emoji name."""
    match = _EMOJI.match((text or "").strip().lower())
    return match.group(1) if match else None


def parse_workdays(text: str) -> frozenset[int]:
    return frozenset(int(day) for day in (text or "").split(",") if day.strip().isdigit() and int(day) < 7)


def format_workdays(days) -> str:
    return ",".join(str(day) for day in sorted(set(days)))


# ---- subscriptions --------------------------------------------------------------------------------

def get(session: Session, team_id: str, channel_id: str) -> ChannelSettings | None:
    return session.get(ChannelSettings, (team_id, channel_id), populate_existing=True)


DEFAULT_SAVE_EMOJI, DEFAULT_ACCEPT_EMOJI = "bookmark", "white_check_mark"


def reaction_emoji(session: Session, team_id: str, channel_id: str) -> tuple[str, str]:
    """The (save, accept) reactions in this channel: its settings, or the defaults."""
    row = get(session, team_id, channel_id)
    return (
        (row.save_emoji if row else None) or DEFAULT_SAVE_EMOJI,
        (row.accept_emoji if row else None) or DEFAULT_ACCEPT_EMOJI,
    )


def ensure(session: Session, team_id: str, channel_id: str, now: datetime) -> ChannelSettings:
    """The channel's settings row, created with the defaults on first use."""
    ensure_workspace(session, team_id, now)
    insert_ignore(
        session, ChannelSettings, team_id=team_id, channel_id=channel_id, digest_on=False, prompts_on=False,
        digest_day=DEFAULT_DIGEST_DAY, digest_time=DEFAULT_DIGEST_TIME, prompt_time=DEFAULT_PROMPT_TIME,
        workdays=DEFAULT_WORKDAYS, created_at=now, updated_at=now,
    )
    return get(session, team_id, channel_id)


def switch(session: Session, team_id: str, channel_id: str, kind: str, on: bool, user_id: str,
           now: datetime) -> bool:
    """Turn a subscription on or off; True when that changed something."""
    ensure(session, team_id, channel_id, now)
    flag = ChannelSettings.digest_on if kind == DIGEST else ChannelSettings.prompts_on
    values = {flag.key: on, "updated_at": now}
    if on:
        values.update({f"{_prefix(kind)}_by": user_id, f"{_prefix(kind)}_since": now, "stopped_reason": None})
    result = session.execute(
        update(ChannelSettings)
        .where(ChannelSettings.team_id == team_id, ChannelSettings.channel_id == channel_id, flag.is_(not on))
        .values(**values)
    )
    return result.rowcount == 1


def _prefix(kind: str) -> str:
    return "digest" if kind == DIGEST else "prompts"


def stop(session: Session, team_id: str, channel_id: str, reason: str, now: datetime) -> list[tuple[str, str]]:
    """Slack said the channel cannot take posts any more (gone, archived, the
    bot removed): turn both subscriptions off. Returns (kind, subscriber) for
    each subscription this call turned off, so each is told once."""
    stopped = []
    for kind, flag in ((DIGEST, ChannelSettings.digest_on), (PROMPT, ChannelSettings.prompts_on)):
        result = session.execute(
            update(ChannelSettings)
            .where(ChannelSettings.team_id == team_id, ChannelSettings.channel_id == channel_id, flag.is_(True))
            .values({flag.key: False, "stopped_reason": reason[:64], "updated_at": now})
        )
        if result.rowcount:
            row = get(session, team_id, channel_id)
            subscriber = row.digest_by if kind == DIGEST else row.prompts_by
            if subscriber:
                stopped.append((kind, subscriber))
    return stopped


def may_change_settings(row: ChannelSettings | None, user_id: str, *, is_admin: bool) -> bool:
    """Workspace admins and owners, or whoever subscribed the channel."""
    return is_admin or (row is not None and user_id in (row.digest_by, row.prompts_by))


@dataclass(frozen=True)
class Changes:
    timezone: str
    digest_day: int
    digest_time: time
    prompt_time: time
    workdays: frozenset[int]
    save_emoji: str | None
    accept_emoji: str | None
    escalation_hours: int | None


def save_settings(session: Session, team_id: str, channel_id: str, changes: Changes, now: datetime,
                  default_tz: str) -> ChannelSettings:
    ensure(session, team_id, channel_id, now)
    session.execute(
        update(ChannelSettings)
        .where(ChannelSettings.team_id == team_id, ChannelSettings.channel_id == channel_id)
        .values(
            # The default zone is stored as "no override": PEERBOT_TIMEZONE may change later.
            timezone=None if changes.timezone == default_tz else changes.timezone,
            digest_day=changes.digest_day,
            digest_time=changes.digest_time.strftime("%H:%M"),
            prompt_time=changes.prompt_time.strftime("%H:%M"),
            workdays=format_workdays(changes.workdays),
            save_emoji=changes.save_emoji,
            accept_emoji=changes.accept_emoji,
            escalation_hours=changes.escalation_hours,
            updated_at=now,
        )
    )
    return get(session, team_id, channel_id)


# ---- schedules ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    tz: str
    digest_day: int
    digest_time: time
    prompt_time: time
    workdays: frozenset[int]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


def schedule_of(row: ChannelSettings | None, default_tz: str) -> Schedule:
    if row is None:
        return Schedule(default_tz, DEFAULT_DIGEST_DAY, parse_time(DEFAULT_DIGEST_TIME),
                        parse_time(DEFAULT_PROMPT_TIME), parse_workdays(DEFAULT_WORKDAYS))
    return Schedule(
        tz=parse_zone(row.timezone or "") or default_tz,
        digest_day=row.digest_day if 0 <= row.digest_day < 7 else DEFAULT_DIGEST_DAY,
        digest_time=parse_time(row.digest_time) or parse_time(DEFAULT_DIGEST_TIME),
        prompt_time=parse_time(row.prompt_time) or parse_time(DEFAULT_PROMPT_TIME),
        workdays=parse_workdays(row.workdays),
    )


def _at_local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant. zoneinfo resolves the hour a
    DST change skips or repeats (fold=0: the earlier reading)."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(timezone.utc)


def digest_period(at: datetime, schedule: Schedule) -> tuple[str, datetime]:
    """(ISO week in the channel's zone, e.g. `2026-W10`; that week's scheduled moment)."""
    local = at.astimezone(schedule.zone)
    year, week, _ = local.isocalendar()
    day = date.fromisocalendar(year, week, schedule.digest_day + 1)
    return f"{year}-W{week:02d}", _at_local(day, schedule.digest_time, schedule.zone)


def prompt_period(at: datetime, schedule: Schedule) -> tuple[str, datetime] | None:
    """(local date, today's scheduled moment), or None on a day off."""
    day = at.astimezone(schedule.zone).date()
    if day.weekday() not in schedule.workdays:
        return None
    return day.isoformat(), _at_local(day, schedule.prompt_time, schedule.zone)


def period_of(kind: str, at: datetime, schedule: Schedule) -> tuple[str, datetime] | None:
    return digest_period(at, schedule) if kind == DIGEST else prompt_period(at, schedule)


@dataclass(frozen=True)
class Due:
    team_id: str
    channel_id: str
    kind: str
    period: str
    scheduled_at: datetime
    tz: str


def due(session: Session, kind: str, at: datetime, default_tz: str) -> list[Due]:
    """The channels whose `kind` post is due at `at` and not yet done (posted,
    or given up). Claiming and posting is the outbox's business."""
    flag = ChannelSettings.digest_on if kind == DIGEST else ChannelSettings.prompts_on
    found: list[Due] = []
    for row in session.scalars(select(ChannelSettings).where(flag.is_(True))
                               .order_by(ChannelSettings.team_id, ChannelSettings.channel_id)):
        schedule = schedule_of(row, default_tz)
        current = period_of(kind, at, schedule)
        if current is None:
            continue
        period, scheduled_at = current
        since = row.digest_since if kind == DIGEST else row.prompts_since
        if scheduled_at > at or (since is not None and scheduled_at < since):
            continue
        found.append(Due(row.team_id, row.channel_id, kind, period, scheduled_at, schedule.tz))
    if not found:
        return []
    done = set(session.execute(
        select(OutboxPost.team_id, OutboxPost.channel_id, OutboxPost.period)
        .where(OutboxPost.kind == kind, OutboxPost.status.in_(("posted", "failed")),
               tuple_(OutboxPost.team_id, OutboxPost.channel_id, OutboxPost.period).in_(
                   [(d.team_id, d.channel_id, d.period) for d in found]))
    ).all())
    return [d for d in found if (d.team_id, d.channel_id, d.period) not in done]
