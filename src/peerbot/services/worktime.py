"""Working-hours arithmetic: workdays Monday to Friday, 09:00-17:00 local time.

Escalation delays count working hours, so a question asked on Friday
afternoon is not escalated over the weekend or at night. Times are aware
datetimes; the working day is read in an IANA time zone (zoneinfo), and all
arithmetic is done in UTC, so a daylight-saving change never adds or loses
an hour.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WORKDAYS = frozenset(range(5))  # Monday..Friday
DAY_START = time(9, 0)
DAY_END = time(17, 0)
_MAX_DAYS = 3660  # guards the loops: ten years of calendar


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The working window of a local day, in UTC."""
    start = datetime.combine(day, DAY_START, tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day, DAY_END, tzinfo=zone).astimezone(timezone.utc)
    return start, end


def is_working_time(moment: datetime, tz: str | ZoneInfo) -> bool:
    local = moment.astimezone(_zone(tz))
    return local.weekday() in WORKDAYS and DAY_START <= local.time() < DAY_END


def working_hours_between(start: datetime, end: datetime, tz: str | ZoneInfo) -> float:
    """Working hours elapsed from `start` to `end` (0 when end <= start)."""
    if end <= start:
        return 0.0
    zone = _zone(tz)
    start_utc, end_utc = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    total = timedelta()
    for _ in range(_MAX_DAYS):
        if day > last:
            break
        if day.weekday() in WORKDAYS:
            open_, close = _window(day, zone)
            overlap = min(close, end_utc) - max(open_, start_utc)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def add_working_hours(start: datetime, hours: float, tz: str | ZoneInfo) -> datetime:
    """The moment when `hours` working hours have passed since `start`."""
    zone = _zone(tz)
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(timezone.utc)
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if day.weekday() in WORKDAYS:
            open_, close = _window(day, zone)
            begin = max(open_, cursor)
            if begin < close:
                if begin + remaining <= close:
                    return begin + remaining
                remaining -= close - begin
        day += timedelta(days=1)
    raise ValueError("too many working hours to add")


def local_day_start(moment: datetime, tz: str | ZoneInfo) -> datetime:
    """Midnight of `moment`'s local day, in UTC (for per-day limits)."""
    zone = _zone(tz)
    return datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(timezone.utc)
