"""Programme measures on seeded data, every answer worked out by hand below.

Period 2026-03-01 00:00 to Wed 2026-04-15 12:00 UTC; every hire's zone is UTC; buddy settings
are the defaults (capacity 1, no holidays). Day-1 introductions are at 09:30.

    pairing  hire start       enrolled          buddy assigned         buddy  business days
    P1       H1   Mon 03-02   Fri 02-20 10:00   Tue 02-24 10:00        B1     Mon, Tue = 2
    P2       H2   Mon 03-09   Mon 03-02 09:00   Fri 03-06 16:00        B2     Tue..Fri = 4
    P3       H3   Mon 03-16   Mon 03-16 08:00   Mon 03-16 11:00 (late) B1     0
    P4       H4   Mon 04-13   Wed 04-01         none                   -
    P5       H5   Mon 04-20   (starts after the period: not counted)
    P6       H6   Mon 02-23   (started before the period)               B3
    P7       H7   Mon 03-23   Fri 03-13 12:00   Tue 03-17 09:00        B4     Mon, Tue = 2
    P8       H8   Mon 03-30   Fri 03-20 10:00   Tue 03-24 10:00        B5     Mon, Tue = 2

    hires started 6 (H1 H2 H3 H4 H7 H8); with a buddy by 09:30 on day 1: H1 H2 H7 H8 = 4
    coverage 4/6; median business days of [2, 4, 0, 2, 2] = 2
    meetings reported (check-in steps with a Met, by either person):
        P1 first-chat 03-02, d7 (both said Met: one step), d30 -> 3;  P2 d30 -> 1;  P3 none -> 0;
        P7 first-chat Mon 03-30 18:00 -> 1;  P8 none -> 0
    first meeting by the end of day start+7 (before midnight starting start+8), of the 5 with
        a buddy whose 7 days are over: P1 yes, P2 no (04-08), P3 no, P7 yes (03-30 < 03-31), P8 no
        -> 2/5
    bands: 0 -> 2 (P3, P8), 1 -> 2 (P2, P7), 2-3 -> 1 (P1)
    check-ins sent in the period (message posted): P1 d7 x2, d30 x2; P2 d7 x2, d30 x2; P3 d7 x2
        = 10, unanswered: B2's P2 d7 and H3's P3 d7 -> 8/10 answered, from H1 B1 H2 B2 H3 (5)
    ratings at d30: 5, 4, 3, 2 -> mean 3.5, share 4-5 = 0.5, from 4 people -> "<5"
    load now (open pairings): B1 2 (P1, P3), B2 1, B3 1 (P6), B4 1, B5 1 -> 5 busy buddies,
        6/5 = 1.2 hires each, 1 over capacity; pool B1..B5 all busy -> 1.0
    hires' questions in their first 30 days: H1 03-03 (answered after 2 h), 03-05 (after 48 h),
        04-05 (day 34: not counted); H2 03-10 (only H2 replied); H7 03-24 (after 1 h)
        -> 4 asked, 2 within 24 h, by 3 askers -> "<5"
    needs attention on 04-15: no buddy P4; no meeting by day 14 P3, P6, P8; over capacity P1, P3
        (B1 has 2); P2 has one unanswered check-in only. 8 open pairings.
    across programmes: active members H1..H8 B1..B5 X1 = 14 (a bot and a deactivated member
        left out); active in a programme: hires but H6 (left) = 7, B1..B5, X1 (mentee) = 13
        -> 13/14. B1 is a buddy with hires and an active mentor: two roles; B2's mentor role ended.
"""

from datetime import datetime, timezone

import pytest

from peerbot.services import metrics
from peerbot.services.metrics import HIDDEN
from peerbot.store.models import (
    Answer,
    BuddyPairing,
    CheckIn,
    Member,
    ProgrammeMember,
    Question,
    Workspace,
)

T = "T1"
SINCE = datetime(2026, 3, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 4, 15, 12, tzinfo=timezone.utc)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db):
    with db.begin() as s:
        s.add(Workspace(team_id=T, name="t", created_at=at(1, 1)))
        s.flush()
        people = [f"H{n}" for n in range(1, 9)] + [f"B{n}" for n in range(1, 6)] + ["X1"]
        for user_id in people:
            s.add(Member(team_id=T, user_id=user_id, name=user_id.lower(), refreshed_at=at(1, 1)))
        s.add(Member(team_id=T, user_id="UBOT", name="bot", is_bot=True, refreshed_at=at(1, 1)))
        s.add(Member(team_id=T, user_id="UGONE", name="gone", deleted=True, refreshed_at=at(1, 1)))

        def pairing(pid, hire, start, enrolled, buddy=None, assigned=None):
            s.add(BuddyPairing(id=pid, team_id=T, hire_id=hire, manager_id=None, enrolled_by="X1", start_date=start,
                               tz="UTC", buddy_id=buddy, status="open", suggestions="[]", assigned_at=assigned,
                               assigned_how="picked" if buddy else None, created_at=enrolled))

        pairing(1, "H1", "2026-03-02", at(2, 20, 10), "B1", at(2, 24, 10))
        pairing(2, "H2", "2026-03-09", at(3, 2, 9), "B2", at(3, 6, 16))
        pairing(3, "H3", "2026-03-16", at(3, 16, 8), "B1", at(3, 16, 11))
        pairing(4, "H4", "2026-04-13", at(4, 1, 9))
        pairing(5, "H5", "2026-04-20", at(4, 10, 9))
        pairing(6, "H6", "2026-02-23", at(2, 10, 9), "B3", at(2, 16, 9))
        pairing(7, "H7", "2026-03-23", at(3, 13, 12), "B4", at(3, 17, 9))
        pairing(8, "H8", "2026-03-30", at(3, 20, 10), "B5", at(3, 24, 10))

        def checkin(pid, user, step, asked, answer=None, answered=None, rating=None, sent=True):
            s.add(CheckIn(team_id=T, kind="buddies", subject_id=pid, user_id=user, step=step,
                          due_date=asked.date().isoformat(), asked_at=asked, answer=answer, answered_at=answered,
                          met_at=answered if answer == "met" else None, rating=rating,
                          channel_id="D1" if sent else None, message_ts=f"{pid}{user}{step}" if sent else None))

        checkin(1, "H1", "first-chat", at(3, 2, 15), "met", at(3, 2, 15), sent=False)
        checkin(1, "H1", "d7", at(3, 9, 10), "met", at(3, 9, 10, 30))
        checkin(1, "B1", "d7", at(3, 9, 10), "met", at(3, 9, 11))
        checkin(1, "H1", "d30", at(4, 1, 10), "met", at(4, 1, 10, 5), rating=5)
        checkin(1, "B1", "d30", at(4, 1, 10), "not_yet", at(4, 1, 11), rating=4)
        checkin(2, "H2", "d7", at(3, 16, 10), "not_yet", at(3, 16, 10, 5))
        checkin(2, "B2", "d7", at(3, 16, 10))
        checkin(2, "H2", "d30", at(4, 8, 10), "met", at(4, 8, 10, 1), rating=3)
        checkin(2, "B2", "d30", at(4, 8, 10), "met", at(4, 8, 12), rating=2)
        checkin(3, "H3", "d7", at(3, 23, 10))
        checkin(3, "B1", "d7", at(3, 23, 10), "skip", at(3, 23, 12))
        checkin(7, "B4", "first-chat", at(3, 30, 18), "met", at(3, 30, 18), sent=False)

        for user_id in [f"H{n}" for n in range(1, 9)]:
            s.add(ProgrammeMember(team_id=T, kind="buddies", user_id=user_id, role="hire",
                                  status="left" if user_id == "H6" else "active", joined_at=at(2, 1)))
        for user_id in [f"B{n}" for n in range(1, 6)]:
            s.add(ProgrammeMember(team_id=T, kind="buddies", user_id=user_id, role="buddy", status="active",
                                  joined_at=at(1, 5)))
        s.add(ProgrammeMember(team_id=T, kind="mentoring", user_id="B1", role="mentor", status="active",
                              joined_at=at(3, 1)))
        s.add(ProgrammeMember(team_id=T, kind="mentoring", user_id="B2", role="mentor", status="left",
                              joined_at=at(3, 1)))
        s.add(ProgrammeMember(team_id=T, kind="mentoring", user_id="X1", role="mentee", status="active",
                              joined_at=at(3, 1)))

        def question(qid, asker, created, *answers):
            s.add(Question(id=qid, team_id=T, channel_id="C1", message_ts=f"{qid}.1", asker_id=asker,
                           text="q", status="open", created_at=created))
            s.flush()
            for n, (author, when) in enumerate(answers):
                s.add(Answer(question_id=qid, team_id=T, channel_id="C1", message_ts=f"{qid}.{n + 2}",
                             author_id=author, text="a", created_at=when))

        question(1, "H1", at(3, 3, 10), ("X1", at(3, 3, 12)))
        question(2, "H1", at(3, 5, 10), ("X1", at(3, 7, 10)))
        question(3, "H1", at(4, 5, 10), ("X1", at(4, 5, 11)))
        question(4, "H2", at(3, 10, 9), ("H2", at(3, 10, 10)))
        question(5, "H7", at(3, 24, 9), ("B4", at(3, 24, 10)))
    return db


def shown(figures) -> dict:
    return {f.key: f.shown for f in figures}


def test_buddy_funnel_coverage_and_time_to_a_buddy(seeded):
    with seeded.read() as s:
        m = metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC")
    assert shown(m.funnel) == {"hires_started": 6, "buddy_by_start": 4, "met_within_7_days": 2}
    figures = shown(m.figures)
    assert figures["coverage"] == pytest.approx(4 / 6)
    assert figures["median_business_days_to_buddy"] == 2
    assert figures["first_meeting_within_7_days"] == pytest.approx(2 / 5)


def test_meetings_in_bands(seeded):
    with seeded.read() as s:
        m = metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC")
    assert [(f.label, f.shown) for f in m.meetings] == [("0", 2), ("1", 2), ("2–3", 1), ("4–8", 0), (">8", 0)]


def test_checkins_ratings_and_load(seeded):
    with seeded.read() as s:
        m = metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC")
    figures = {f.key: f for f in m.figures}
    assert figures["checkin_response_rate"].shown == pytest.approx(0.8)
    # Ratings from four people are never shown, though they are computed.
    assert figures["usefulness_mean"].value == 3.5 and figures["usefulness_mean"].shown == HIDDEN
    assert figures["usefulness_4_or_5"].value == 0.5 and figures["usefulness_4_or_5"].shown == HIDDEN
    assert (figures["buddies_with_hires"].shown, figures["hires_per_buddy"].shown,
            figures["buddies_over_capacity"].shown, figures["pool_with_hire"].shown) == (5, 1.2, 1, 1.0)


def test_hires_questions_in_their_first_30_days(seeded):
    with seeded.read() as s:
        figures = {f.key: f for f in metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC").figures}
    assert figures["hire_questions_30_days"].shown == 4
    assert figures["hire_questions_answered_24h"].value == 0.5
    assert figures["hire_questions_answered_24h"].shown == HIDDEN  # three askers


def test_needs_attention_by_reason(seeded):
    with seeded.read() as s:
        m = metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC")
    assert [(f.label, f.shown) for f in m.attention] == [
        ("no buddy by the start date", 1), ("no meeting reported by day 14", 3), ("two unanswered check-ins", 0),
        ("buddy over capacity", 2)]


def test_an_empty_period(seeded):
    with seeded.read() as s:
        m = metrics.buddy_measures(s, T, since=at(6, 1), until=at(6, 30), tz="UTC")
    assert shown(m.funnel) == {"hires_started": 0, "buddy_by_start": 0, "met_within_7_days": 0}
    figures = shown(m.figures)
    assert figures["coverage"] is None and figures["median_business_days_to_buddy"] is None
    assert figures["checkin_response_rate"] is None and figures["hire_questions_30_days"] == 0


def test_holidays_are_not_business_days(seeded):
    """With Tue 24 Feb, Wed 4 Mar and Tue 17 Mar as holidays: P1 Mon = 1, P2 Tue Thu Fri = 3,
    P3 0, P7 Mon = 1, P8 Mon Tue = 2 -> median of [0, 1, 1, 2, 3] = 1."""
    from peerbot.services import programmes
    with seeded.begin() as s:
        programmes.switch(s, T, "buddies", "CHOME", True, "X1", at(1, 2))
        programmes.save_settings(s, T, "buddies", programmes.BuddySettings(holidays=("2026-02-24", "2026-03-04", "2026-03-17")),
                                 at(1, 2))
    with seeded.read() as s:
        figures = shown(metrics.buddy_measures(s, T, since=SINCE, until=UNTIL, tz="UTC").figures)
    assert figures["median_business_days_to_buddy"] == 1


def test_reach_and_helpers_in_two_roles(seeded):
    with seeded.read() as s:
        across = metrics.across_programmes(s, T, now=UNTIL)
        kinds = metrics.running(s, T)
    assert across.reach.shown == pytest.approx(13 / 14)
    assert (across.in_programmes.shown, across.active_members.shown) == (13, 14)
    assert [(h.user_id, h.roles) for h in across.stretched] == [("B1", ["buddy", "mentor"])]
    assert kinds == ["buddies", "mentoring"]
