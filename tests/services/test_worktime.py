"""Working hours: workdays 09:00-17:00 local, DST-safe."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from peerbot.services.worktime import add_working_hours, is_working_time, local_day_start, working_hours_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_hours_within_one_day_and_outside_hours_do_not_count():
    assert working_hours_between(at(BERLIN, 2026, 3, 4, 10), at(BERLIN, 2026, 3, 4, 12, 30), BERLIN) == 2.5
    assert working_hours_between(at(BERLIN, 2026, 3, 4, 6), at(BERLIN, 2026, 3, 4, 23), BERLIN) == 8
    assert working_hours_between(at(BERLIN, 2026, 3, 4, 18), at(BERLIN, 2026, 3, 5, 8), BERLIN) == 0
    assert working_hours_between(at(BERLIN, 2026, 3, 5), at(BERLIN, 2026, 3, 4), BERLIN) == 0


def test_weekends_do_not_count():
    friday_4pm, monday_10am = at(BERLIN, 2026, 3, 6, 16), at(BERLIN, 2026, 3, 9, 10)
    assert working_hours_between(friday_4pm, monday_10am, "Europe/Berlin") == 2
    assert add_working_hours(friday_4pm, 2, BERLIN) == monday_10am
    # Asked on Saturday: the clock starts on Monday at 09:00.
    assert add_working_hours(at(BERLIN, 2026, 3, 7, 11), 24, BERLIN) == at(BERLIN, 2026, 3, 11, 17)


def test_24_working_hours_is_three_working_days():
    start = at(BERLIN, 2026, 3, 4, 11)  # Wednesday
    assert add_working_hours(start, 24, BERLIN) == at(BERLIN, 2026, 3, 9, 11)  # next Monday
    assert working_hours_between(start, at(BERLIN, 2026, 3, 9, 11), BERLIN) == 24


def test_a_week_with_the_spring_dst_change():
    # Berlin moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    thursday = at(BERLIN, 2026, 3, 26, 9)
    assert thursday.astimezone(timezone.utc).hour == 8
    due = add_working_hours(thursday, 24, BERLIN)
    assert due == at(BERLIN, 2026, 3, 30, 17)
    assert due.astimezone(timezone.utc) == datetime(2026, 3, 30, 15, tzinfo=timezone.utc)
    # Friday 16:00 (UTC+1) to Monday 10:00 (UTC+2) is 2 working hours, not 1 or 3.
    assert working_hours_between(at(BERLIN, 2026, 3, 27, 16), at(BERLIN, 2026, 3, 30, 10), BERLIN) == 2
    # 66 hours of wall time in UTC, still 2 working hours.
    start = datetime(2026, 3, 27, 15, tzinfo=timezone.utc)
    end = datetime(2026, 3, 30, 8, tzinfo=timezone.utc)
    assert working_hours_between(start, end, BERLIN) == 2


def test_a_week_with_the_autumn_dst_change():
    # New York moves from UTC-4 to UTC-5 on Sunday 1 November 2026.
    friday = at(NEW_YORK, 2026, 10, 30, 13)
    monday = at(NEW_YORK, 2026, 11, 2, 13)
    assert working_hours_between(friday, monday, NEW_YORK) == 8
    assert add_working_hours(friday, 8, NEW_YORK) == monday
    assert add_working_hours(friday, 8, NEW_YORK).astimezone(timezone.utc).hour == 18


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (at(BERLIN, 2026, 3, 4, 9), True),
        (at(BERLIN, 2026, 3, 4, 16, 59), True),
        (at(BERLIN, 2026, 3, 4, 17), False),
        (at(BERLIN, 2026, 3, 4, 8, 59), False),
        (at(BERLIN, 2026, 3, 7, 12), False),  # Saturday
        (datetime(2026, 3, 4, 8, 30, tzinfo=timezone.utc), True),  # 09:30 in Berlin
    ],
)
def test_is_working_time(moment, working):
    assert is_working_time(moment, BERLIN) is working


def test_local_day_start_is_local_midnight():
    assert local_day_start(datetime(2026, 3, 4, 23, 30, tzinfo=timezone.utc), BERLIN) == at(BERLIN, 2026, 3, 5)
    assert local_day_start(at(BERLIN, 2026, 3, 29, 12), BERLIN) == datetime(2026, 3, 28, 23, tzinfo=timezone.utc)
