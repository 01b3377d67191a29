"""Coaching-circle rules against a real migrated database: the opt-in
window, formation (sizes, recent co-members, too few), the time set once,
the facilitator rotation, attendance and commitments."""

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from peerbot.services import circles, programmes
from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import Circle

T = "T1"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_on(db):
    with db.begin() as session:
        ensure_workspace(session, T, NOW)
        programmes.switch(session, T, programmes.CIRCLES, "C1", True, "ADMIN", NOW)
    return db


def a_round(db, people, now=NOW):
    with db.begin() as session:
        row, problem = circles.open_round(session, T, "ADMIN", now)
        assert problem is None
        for user in people:
            assert circles.join(session, T, user, now) is None
        return row


def test_the_window_takes_each_person_once_and_closes(db_on):
    row = a_round(db_on, ["U1"])
    with db_on.begin() as session:
        assert "already joined" in circles.join(session, T, "U1", NOW)
        assert "already open" in circles.open_round(session, T, "ADMIN", NOW)[1]
        assert circles.leave(session, T, "U1", NOW) is None
        assert "haven't joined" in circles.leave(session, T, "U1", NOW)
        assert "no circle round open" in circles.join(session, T, "U2", row.closes_at)


def test_eleven_make_four_four_three_once(db_on):
    people = [f"U{n:02d}" for n in range(11)]
    row = a_round(db_on, people)
    with db_on.begin() as session:
        formed = circles.form(session, row.id, row.closes_at)
        assert circles.form(session, row.id, row.closes_at) is None  # once
    assert sorted(len(circles.members_of(c)) for c in formed.circles) == [3, 4, 4] and formed.unplaced == {}


def test_too_few_is_no_round_and_everyone_is_told_why(db_on):
    row = a_round(db_on, ["U1", "U2"])
    with db_on.begin() as session:
        formed = circles.form(session, row.id, row.closes_at)
    assert formed.circles == [] and set(formed.unplaced) == {"U1", "U2"}


def test_people_from_a_recent_circle_are_kept_apart_where_possible(db_on):
    people = [f"U{n:02d}" for n in range(8)]
    first = a_round(db_on, people)
    with db_on.begin() as session:
        before = circles.form(session, first.id, first.closes_at)
    together = [set(circles.members_of(c)) for c in before.circles]
    second = a_round(db_on, people, now=first.closes_at)
    with db_on.begin() as session:
        after = circles.form(session, second.id, second.closes_at)
    for circle in after.circles:
        members = set(circles.members_of(circle))
        # 8 people, two circles of 4: at most 2 from the same earlier circle can meet again.
        assert all(len(members & old) <= 2 for old in together)


def test_the_time_is_set_once_and_the_facilitator_rotates_fairly():
    for size in range(3, 7):
        circle = Circle(members=json.dumps([f"U{n}" for n in range(size)]))
        turns = [circles.facilitator(circle, n) for n in range(1, circles.SESSIONS + 1)]
        counts = Counter(turns)
        assert len(set(turns[:size])) == size and max(counts.values()) - min(counts.values()) <= 1


def test_attendance_by_the_facilitator_and_commitments_by_their_owner(db_on):
    row = a_round(db_on, ["U1", "U2", "U3"])
    with db_on.begin() as session:
        circle = circles.form(session, row.id, row.closes_at).circles[0]
        members = circles.members_of(circle)
        when = row.closes_at + timedelta(days=3)
        assert "future" in circles.set_time(session, circle.id, members[0], row.closes_at, row.closes_at)
        assert "Only the circle's members" in circles.set_time(session, circle.id, "X", when, row.closes_at)
        assert circles.set_time(session, circle.id, members[0], when, row.closes_at) is None
        assert "already set" in circles.set_time(session, circle.id, members[1], when, row.closes_at)
        host = circles.facilitator(circle, 1)
        other = next(m for m in members if m != host)
        assert "Only this session's facilitator" in circles.mark_attendance(session, circle.id, 1, other, set())
        assert circles.mark_attendance(session, circle.id, 1, host, {host}) is None
        assert circles.attendance(session, circle.id, 1) == {m: m == host for m in members}
        assert circles.commit(session, circle.id, 1, other, "  Ship   it ", NOW) is None
        assert "sentence" in circles.commit(session, circle.id, 1, other, "   ", NOW)
        mine, = circles.commitments(session, circle.id, 1)
        assert mine.text == "Ship it"
        assert "only they can" in circles.follow_up(session, mine.id, host, "done")[1]
        assert circles.follow_up(session, mine.id, other, "not_yet")[0].outcome == "not_yet"
