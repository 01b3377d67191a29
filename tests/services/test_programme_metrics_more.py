"""Mentoring, circle and feedback measures on seeded data, every answer worked out by hand below.

Period 2026-03-01 00:00 to Wed 2026-04-15 12:00 UTC (UNTIL is also "now"). One workspace holds all three
programmes; active members are M1..M4, E1..E11, C1..C7, C9, D1..D4, P1..P9 = 36 (a bot and a
deactivated member left out).

MENTORING. Mentors M1 (capacity 2), M2 (1), M3 (3) are active; M4 (2) left the role.

    mentorship  pair     looking from  started      ended                 fit (mentee, mentor)  meetings
    S1          M1 E1    02-27 10:00   03-02 10:00  -                     good, good            03-16, 04-13
    S2          M1 E2    03-05 10:00   03-09 10:00  -                     deciding, -           none
    S3          M2 E3    03-10 10:00   03-20 10:00  04-03 10:00 not a fit not a fit, good       04-03 09:00
    S4          M3 E4    2025-11-28    2025-12-01   03-10 00:00 completed -                     12-15, 01-12, 02-09
    S5          M3 E5    2025-12-12    2025-12-15   03-20 00:00 early     -                     12-29
    S6          M3 E6    04-06 10:00   04-10 10:00  -                     -                     none
    (S1's d14 step is reported Met by both E1 and M1: one meeting.)

    requests asked in the period: R1 E2->M2 declined, R2 E2->M1 accepted, R3 E3->M3 expired,
        R4 E3->M2 accepted, R5 E7->M1 pending, R6 E6->M3 accepted (R0 E1->M1 was asked in February)
        -> 6 sent; decided 5: accepted 3/5, expired 1/5, from mentors M1 M2 M3 (3: "<5")
    waitlist: E8 joined 03-25 waiting, E9 joined 02-01 waiting, E10 asked, E11 matched
    looking = requests' mentees E2 E3 E6 E7 + waitlist joined in the period E8 + matched E1 E2 E3 E6
        = E1 E2 E3 E6 E7 E8 = 6; matched (a mentorship started in the period) E1 E2 E3 E6 = 4 -> 4/6
    met within 30 days of the start: E1 (03-16), E3 (04-03 < 04-19) -> funnel 6 -> 4 -> 2
    median days to a match of S1 3, S2 4, S3 10, S6 4 -> 4 (4 mentees: "<5")
    activation: matches whose 30 days are over: S1 (04-01), S2 (04-08); met: S1 -> 1/2 (3 people: "<5")
    meetings in the period: S1 2, S3 1 = 3; active days in the period: S1 44 1/12, S2 37 1/12, S3 14,
        S4 9, S5 19, S6 5 1/12 = 128.25 -> 3 / (128.25 / 30) = 0.7018 per match-month, 9 people
    fit answers of matches started in the period: good, good, deciding, not a fit, good -> good 3/5,
        not a fit 1/5, from E1 M1 E2 E3 M2 (5)
    rematch: of S1 S2 S3 S6, S3 ended as not a fit -> 1/4, 7 people
    completion: ended in the period S3 (1 meeting), S4 (3), S5 (1) -> 1/3, 5 people
    surveys in the period: E4 5 yes goals yes, M3 4 yes, E5 2 no partly, E3 3 no goals no, M2 5 yes
        -> mean 3.8, 4-5 3/5, recommend 3/5 (5 people); goals yes 1/3, partly 1/3 (3 mentees: "<5")
    now: free slots M1 0, M2 1, M3 2 = 3 (3 mentors: "<5"); waiting E8 E9 E10 = 3 ("<5");
        supply 3/3 = 1.0 over 6 people; utilisation (2 + 0 + 1) / 6 = 0.5 ("<5")
    health now: S1 on track (met 04-13), S2 needs a check-in, S6 too early; 5 people

CIRCLES. Round RD1 closed 03-08 with C1..C7, M2, C9 opted in (9): K1 = C1 C2 C3 C4, first session
Tue 03-10 10:00 then every 14 days; K2 = C5 C6 C7 M2 with no time yet; C9 unplaced. RD2 closed in
February (K3 = D1 D2 D3); RD3 is open (D4 joined).

    K1 sessions over by UNTIL: 03-10, 03-24, 04-07 -> 3 scheduled; held: 1 (C1 C2 C3 present, C4 not),
        2 (C1 C2 present); 3 not marked -> held 2/3 over 8 placed people
    attendance 5/8 = 0.625; attended a session C1 C2 C3; 2/3 of 2 held = 2 sessions: C1 C2 -> 2/4
    funnel 9 -> 8 -> 3 -> 2; placement 8/9
    commitments: s1 C1 done, C2 partly, C3 not yet, C4 done; s2 C1 open -> 5 made, followed up 4/5,
        done 2/4, partly 1/4 (4 people: "<5")
    facilitators of held sessions: C1, C2 -> 2/4; usefulness 5 4 2 4 3 -> mean 3.6, 4-5 3/5 (3 raters)

FEEDBACK. Requests in the period (the February and May ones are not):

    F1 named by P1 03-02 09:00, expired: P2 answered +4 h, P3 +24 h, P9 +6 h, P4 declined
    F2 anonymous by P2 03-10 (open to 04-19): P1 answered, P3 answered, P5 asked, P6 declined
    F3 named by P3 04-01 09:00, deleted: P1 asked (withdrawn), P7 answered +11 h
    F4 named by P4 03-20, expired: P5, P8 never answered (an answer row exists anyway: never read)
    F6 named by P5 04-10 09:00, open: P2 asked, P1 answered +3 h

    5 requests by 5 people -> adoption 5/36; 14 asks to 9 people: answered 7, declined 2, expired 2,
        withdrawn 1, open 2 -> funnel 14 -> 9 -> 7; response 7/14, decline 2/14, expiry 2/14
    median hours over named answers 3 4 6 11 24 -> 6 (5 people)
    reciprocity: requesters P1..P5 who answered a request of the period: P1 P2 P3 -> 3/5; anonymous 1/5
    give_feedback messages delivered in the period: to P1, P2, P3 twice, P4 -> 5 to 4 people ("<5") (one
        to P5 failed; one to P6 was in February)

ACROSS. Active now: mentors M1 M2 M3; mentorships S1 S2 S6 add E1 E2 E6; circles K1 K2 K3 running
    (K3's last session 04-07, follow-up to 04-21) add C1..C7 D1 D2 D3, the open round D4; open feedback
    requests P2 (F2) and P5 (F6) -> 19 of 36. Facilitators with a session ahead: K1 s4..s6 -> C4 C1
    C2; K2 (no time) all four; K3 none. M2 is a mentor and a facilitator: two roles.
"""

import json
from datetime import datetime, timedelta, timezone

import pytest

from peerbot.services import metrics
from peerbot.services.metrics import HIDDEN
from peerbot.store.models import (
    CheckIn,
    Circle,
    CircleAttendance,
    CircleCommitment,
    CircleOptIn,
    CircleRound,
    FeedbackAnswer,
    FeedbackAsk,
    FeedbackRequest,
    Member,
    OutboxPost,
    MentoringProfile,
    MentoringSurvey,
    MentoringWaitlist,
    Mentorship,
    MentorRequest,
    ProgrammeMember,
    Workspace,
)

T = "T1"
SINCE = datetime(2026, 3, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 4, 15, 12, tzinfo=timezone.utc)
EMPTY = dict(since=datetime(2026, 6, 1, tzinfo=timezone.utc), until=datetime(2026, 6, 30, tzinfo=timezone.utc))
SECRET = "SECRET-ANSWER-TEXT"


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db):
    with db.begin() as s:
        s.add(Workspace(team_id=T, name="t", created_at=at(1, 1)))
        s.flush()
        people = ([f"M{n}" for n in range(1, 5)] + [f"E{n}" for n in range(1, 12)]
                  + [f"C{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)] + [f"D{n}" for n in range(1, 5)]
                  + [f"P{n}" for n in range(1, 10)])
        for user_id in people:
            s.add(Member(team_id=T, user_id=user_id, name=user_id.lower(), refreshed_at=at(1, 1)))
        s.add(Member(team_id=T, user_id="UBOT", name="bot", is_bot=True, refreshed_at=at(1, 1)))
        s.add(Member(team_id=T, user_id="UGONE", name="gone", deleted=True, refreshed_at=at(1, 1)))
        _mentoring(s)
        _circles(s)
        _feedback(s)
    return db


def _mentoring(s) -> None:
    for user_id, capacity in (("M1", 2), ("M2", 1), ("M3", 3), ("M4", 2)):
        s.add(MentoringProfile(team_id=T, user_id=user_id, capacity=capacity, created_at=at(1, 5),
                               updated_at=at(1, 5)))
        s.add(ProgrammeMember(team_id=T, kind="mentoring", user_id=user_id, role="mentor",
                              status="left" if user_id == "M4" else "active", joined_at=at(1, 5)))

    def ship(sid, mentor, mentee, sought, started, ended=None, reason=None, slot=None, fits=(None, None)):
        s.add(Mentorship(id=sid, team_id=T, mentor_id=mentor, mentee_id=mentee, status="ended" if ended else "active",
                         mentor_slot=None if ended else slot, mentee_open=None if ended else mentee, sought_at=sought,
                         started_at=started, ends_at=started + timedelta(days=91), ended_at=ended, end_reason=reason,
                         mentee_fit=fits[0], mentor_fit=fits[1]))

    ship(1, "M1", "E1", at(2, 27, 10), at(3, 2, 10), slot=1, fits=("good", "good"))
    ship(2, "M1", "E2", at(3, 5, 10), at(3, 9, 10), slot=2, fits=("deciding", None))
    ship(3, "M2", "E3", at(3, 10, 10), at(3, 20, 10), at(4, 3, 10), "not_a_fit", fits=("not_a_fit", "good"))
    ship(4, "M3", "E4", at(11, 28, 10, 2025), at(12, 1, 10, 2025), at(3, 10), "completed")
    ship(5, "M3", "E5", at(12, 12, 10, 2025), at(12, 15, 10, 2025), at(3, 20), "ended_early")
    ship(6, "M3", "E6", at(4, 6, 10), at(4, 10, 10), slot=1)
    s.flush()

    def met(sid, user, step, when):
        s.add(CheckIn(team_id=T, kind="mentoring", subject_id=sid, user_id=user, step=step,
                      due_date=when.date().isoformat(), asked_at=when, answer="met", answered_at=when, met_at=when))

    met(1, "E1", "d14", at(3, 16, 10))
    met(1, "M1", "d14", at(3, 16, 11))
    met(1, "E1", "d42", at(4, 13, 10))
    met(3, "E3", "d14", at(4, 3, 9))
    met(4, "E4", "d14", at(12, 15, 10, 2025))
    met(4, "E4", "d42", at(1, 12, 10))
    met(4, "M3", "d70", at(2, 9, 10))
    met(5, "E5", "d14", at(12, 29, 10, 2025))

    def request(mentee, mentor, asked, status, sought):
        s.add(MentorRequest(team_id=T, mentee_id=mentee, mentor_id=mentor, status=status,
                            open_key=mentee if status == "pending" else None, asked_at=asked,
                            expires_at=asked + timedelta(days=3),
                            answered_at=None if status == "pending" else asked + timedelta(days=1), sought_at=sought))

    request("E1", "M1", at(2, 27, 10), "accepted", at(2, 27, 10))
    request("E2", "M2", at(3, 5, 10), "declined", at(3, 5, 10))
    request("E2", "M1", at(3, 6, 10), "accepted", at(3, 5, 10))
    request("E3", "M3", at(3, 10, 10), "expired", at(3, 10, 10))
    request("E3", "M2", at(3, 13, 10), "accepted", at(3, 10, 10))
    request("E7", "M1", at(4, 14, 10), "pending", at(4, 14, 10))
    request("E6", "M3", at(4, 6, 10), "accepted", at(4, 6, 10))
    for mentee, status, joined in (("E8", "waiting", at(3, 25)), ("E9", "waiting", at(2, 1)),
                                   ("E10", "asked", at(2, 2)), ("E11", "matched", at(2, 3))):
        s.add(MentoringWaitlist(team_id=T, mentee_id=mentee, status=status, joined_at=joined, updated_at=joined))
    for sid, user, rating, recommend, goals, when in (
            (4, "E4", 5, True, "yes", at(3, 12)), (4, "M3", 4, True, None, at(3, 12)),
            (5, "E5", 2, False, "partly", at(3, 22)), (3, "E3", 3, False, "no", at(4, 5)),
            (3, "M2", 5, True, None, at(4, 5))):
        s.add(MentoringSurvey(mentorship_id=sid, user_id=user, team_id=T, rating=rating, would_recommend=recommend,
                              goals_achieved=goals, answered_at=when))


def _circles(s) -> None:
    s.add(CircleRound(id=1, team_id=T, opened_by="C1", status="formed", opens_at=at(3, 1), closes_at=at(3, 8)))
    s.add(CircleRound(id=2, team_id=T, opened_by="D1", status="formed", opens_at=at(2, 13), closes_at=at(2, 20)))
    s.add(CircleRound(id=3, team_id=T, opened_by="D4", status="open", open_key=T, opens_at=at(4, 13),
                      closes_at=at(4, 20)))
    s.flush()
    for user_id in ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "M2", "C9"):
        s.add(CircleOptIn(round_id=1, user_id=user_id, team_id=T, joined_at=at(3, 2)))
    for user_id in ("D1", "D2", "D3"):
        s.add(CircleOptIn(round_id=2, user_id=user_id, team_id=T, joined_at=at(2, 14)))
    s.add(CircleOptIn(round_id=3, user_id="D4", team_id=T, joined_at=at(4, 14)))
    s.add(Circle(id=1, team_id=T, round_id=1, members=json.dumps(["C1", "C2", "C3", "C4"]),
                 first_session_at=at(3, 10, 10), time_set_by="C1", created_at=at(3, 8)))
    s.add(Circle(id=2, team_id=T, round_id=1, members=json.dumps(["C5", "C6", "C7", "M2"]), created_at=at(3, 8)))
    s.add(Circle(id=3, team_id=T, round_id=2, members=json.dumps(["D1", "D2", "D3"]),
                 first_session_at=at(1, 27, 10), time_set_by="D1", created_at=at(2, 20)))
    s.flush()
    for number, by, present in ((1, "C1", {"C1", "C2", "C3"}), (2, "C2", {"C1", "C2"})):
        for user_id in ("C1", "C2", "C3", "C4"):
            s.add(CircleAttendance(circle_id=1, number=number, user_id=user_id, present=user_id in present,
                                   marked_by=by))
    s.add(CircleAttendance(circle_id=3, number=1, user_id="D1", present=True, marked_by="D1"))
    for number, user_id, outcome in ((1, "C1", "done"), (1, "C2", "partly"), (1, "C3", "not_yet"),
                                     (1, "C4", "done"), (2, "C1", None)):
        s.add(CircleCommitment(circle_id=1, number=number, user_id=user_id, text="private words", outcome=outcome,
                               created_at=at(3, 10 + 14 * (number - 1), 11)))
    s.add(CircleCommitment(circle_id=3, number=1, user_id="D1", text="x", outcome="done", created_at=at(1, 27, 11)))
    for circle_id, user_id, step, rating in ((1, "C1", "s1", 5), (1, "C2", "s1", 4), (1, "C3", "s1", 2),
                                             (1, "C1", "s2", 4), (1, "C2", "s2", 3), (3, "D1", "s1", 1)):
        s.add(CheckIn(team_id=T, kind="circles", subject_id=circle_id, user_id=user_id, step=step,
                      due_date="2026-03-10", asked_at=at(3, 25), answer="met", answered_at=at(3, 25),
                      met_at=at(3, 25), rating=rating, comment="private comment"))


def _feedback(s) -> None:
    def request(rid, requester, created, status, asks, anonymous=False, days=14):
        s.add(FeedbackRequest(id=rid, team_id=T, requester_id=requester, question="How did my talk go?",
                              anonymous=anonymous, status=status, created_at=created,
                              expires_at=created + timedelta(days=days), source_key=f"V{rid}"))
        s.flush()
        for user_id, ask_status, hours in asks:
            responded = None if hours is None else created + timedelta(hours=hours)
            s.add(FeedbackAsk(team_id=T, request_id=rid, user_id=user_id, status=ask_status, responded_at=responded))

    request(1, "P1", at(3, 2, 9), "expired", [("P2", "answered", 4), ("P3", "answered", 24), ("P9", "answered", 6),
                                              ("P4", "declined", 1)])
    request(2, "P2", at(3, 10, 12), "open", [("P1", "answered", None), ("P3", "answered", None),
                                             ("P5", "asked", None), ("P6", "declined", 30)], anonymous=True, days=40)
    request(3, "P3", at(4, 1, 9), "deleted", [("P1", "asked", None), ("P7", "answered", 11)])
    request(4, "P4", at(3, 20, 9), "expired", [("P5", "asked", None), ("P8", "asked", None)], days=7)
    request(6, "P5", at(4, 10, 9), "open", [("P2", "asked", None), ("P1", "answered", 3)])
    request(7, "P9", at(2, 10, 9), "expired", [("P1", "answered", 2)])
    request(8, "P5", at(5, 1, 9), "open", [("P6", "answered", 2)])
    for n, (recipient, status, when) in enumerate((("P1", "posted", at(3, 3)), ("P2", "posted", at(3, 4)),
                                                   ("P3", "posted", at(3, 5)), ("P3", "posted", at(4, 2)),
                                                   ("P4", "posted", at(4, 3)), ("P5", "failed", None),
                                                   ("P6", "posted", at(2, 3)))):
        s.add(OutboxPost(team_id=T, channel_id=recipient, kind="feedback-direct", period=f"V{n}", status=status,
                         not_before=when or at(3, 6), posted_at=when))
    for n, rid in enumerate((2, 2, 4)):  # answer rows (one where no ask says answered): never read
        s.add(FeedbackAnswer(id=f"answer{n}", team_id=T, request_id=rid, text=SECRET))


def shown(figures) -> dict:
    return {f.key: f.shown for f in figures}


def values(figures) -> dict:
    return {f.key: f.value for f in figures}


# ---- mentoring ------------------------------------------------------------------------------------------

def test_mentoring_funnel_match_rate_and_requests(seeded):
    with seeded.read() as s:
        m = metrics.mentoring_measures(s, T, since=SINCE, until=UNTIL)
    assert shown(m.funnel) == {"mentees_looking": 6, "mentees_matched": 4, "mentees_activated": 2}
    figures, raw = shown(m.figures), values(m.figures)
    assert figures["match_rate"] == pytest.approx(4 / 6)
    assert raw["median_days_to_match"] == 4 and figures["median_days_to_match"] == HIDDEN  # four mentees
    assert raw["requests_sent"] == 6 and figures["requests_sent"] == HIDDEN  # three mentors asked
    assert raw["request_acceptance"] == pytest.approx(3 / 5) and figures["request_acceptance"] == HIDDEN
    assert raw["request_expiry"] == pytest.approx(1 / 5) and figures["request_expiry"] == HIDDEN
    assert raw["activation"] == 0.5 and figures["activation"] == HIDDEN


def test_mentoring_meetings_fit_rematch_and_completion(seeded):
    with seeded.read() as s:
        figures = shown(metrics.mentoring_measures(s, T, since=SINCE, until=UNTIL).figures)
    assert figures["meetings_per_match_month"] == pytest.approx(3 / (128.25 / 30))
    assert figures["fit_good"] == pytest.approx(0.6) and figures["fit_not_a_fit"] == pytest.approx(0.2)
    assert figures["rematch_rate"] == 0.25
    assert figures["completion"] == pytest.approx(1 / 3)


def test_mentoring_surveys_are_only_aggregated(seeded):
    with seeded.read() as s:
        m = metrics.mentoring_measures(s, T, since=SINCE, until=UNTIL)
    figures, raw = shown(m.figures), values(m.figures)
    assert figures["satisfaction_mean"] == pytest.approx(3.8)
    assert figures["satisfaction_4_or_5"] == pytest.approx(0.6) and figures["would_recommend"] == pytest.approx(0.6)
    assert raw["goals_achieved"] == pytest.approx(1 / 3) and figures["goals_achieved"] == HIDDEN
    assert raw["goals_partly"] == pytest.approx(1 / 3) and figures["goals_partly"] == HIDDEN


def test_mentoring_supply_utilisation_and_health_now(seeded):
    with seeded.read() as s:
        m = metrics.mentoring_measures(s, T, since=SINCE, until=UNTIL)
    figures, raw = shown(m.figures), values(m.figures)
    assert (raw["free_mentor_slots"], raw["mentees_waiting"]) == (3, 3)
    assert (figures["free_mentor_slots"], figures["mentees_waiting"]) == (HIDDEN, HIDDEN)
    assert figures["supply_ratio"] == 1.0  # six people behind it
    assert raw["mentor_utilisation"] == 0.5 and figures["mentor_utilisation"] == HIDDEN
    _title, health = m.counts["mentoring_health"]
    assert [(f.label, f.shown) for f in health] == [("On track", 1), ("Needs check-in", 1), ("Too early", 1)]


def test_mentoring_in_an_empty_period(seeded):
    with seeded.read() as s:
        m = metrics.mentoring_measures(s, T, **EMPTY)
    assert shown(m.funnel) == {"mentees_looking": 0, "mentees_matched": 0, "mentees_activated": 0}
    figures = shown(m.figures)
    for key in ("match_rate", "median_days_to_match", "request_acceptance", "activation", "fit_good",
                "rematch_rate", "completion", "satisfaction_mean", "goals_achieved"):
        assert figures[key] is None, key
    assert figures["requests_sent"] == 0
    # S1, S2 and S6 are still active: months with no meeting reported.
    assert figures["meetings_per_match_month"] == 0


# ---- circles --------------------------------------------------------------------------------------------

def test_circle_funnel_placement_and_sessions(seeded):
    with seeded.read() as s:
        m = metrics.circle_measures(s, T, since=SINCE, until=UNTIL)
    assert shown(m.funnel) == {"circle_opted_in": 9, "circle_placed": 8, "circle_attended": 3, "circle_retained": 2}
    figures, raw = shown(m.figures), values(m.figures)
    assert figures["placement_rate"] == pytest.approx(8 / 9)
    assert figures["circles_formed"] == 2
    assert figures["sessions_held_share"] == pytest.approx(2 / 3)
    assert [(f.key, f.shown) for f in m.counts["circle_sessions"][1]] == [("sessions_scheduled", 3),
                                                                          ("sessions_held", 2)]
    # Only K1's four members are behind attendance, retention and facilitation.
    assert raw["attendance"] == 0.625 and figures["attendance"] == HIDDEN
    assert raw["retention"] == 0.5 and figures["retention"] == HIDDEN
    assert raw["facilitation_spread"] == 0.5 and figures["facilitation_spread"] == HIDDEN


def test_circle_commitments_and_usefulness(seeded):
    with seeded.read() as s:
        raw = values(metrics.circle_measures(s, T, since=SINCE, until=UNTIL).figures)
    assert raw["commitments_made"] == 5
    assert raw["commitments_followed_up"] == pytest.approx(4 / 5)
    assert raw["commitments_done"] == 0.5 and raw["commitments_partly"] == 0.25
    assert raw["session_usefulness_mean"] == pytest.approx(3.6)
    assert raw["session_usefulness_4_or_5"] == pytest.approx(0.6)


def test_circles_in_an_empty_period(seeded):
    with seeded.read() as s:
        m = metrics.circle_measures(s, T, **EMPTY)
    assert set(shown(m.funnel).values()) == {0}
    figures = shown(m.figures)
    assert figures["circles_formed"] == 0 and figures["commitments_made"] == 0
    for key in ("placement_rate", "sessions_held_share", "attendance", "retention", "facilitation_spread",
                "session_usefulness_mean", "commitments_done"):
        assert figures[key] is None, key


# ---- feedback ------------------------------------------------------------------------------------------

def test_feedback_adoption_response_and_outcomes(seeded):
    with seeded.read() as s:
        m = metrics.feedback_measures(s, T, since=SINCE, until=UNTIL)
    assert shown(m.funnel) == {"feedback_asked": 14, "feedback_responded": 9, "feedback_answered": 7}
    figures = shown(m.figures)
    assert (figures["feedback_requests"], figures["feedback_requesters"]) == (5, 5)
    assert figures["adoption"] == pytest.approx(5 / 36)
    assert figures["response_rate"] == 0.5
    assert figures["decline_rate"] == pytest.approx(2 / 14) and figures["expiry_rate"] == pytest.approx(2 / 14)
    assert figures["median_hours_to_answer"] == 6
    assert figures["reciprocity"] == pytest.approx(0.6)
    assert figures["anonymous_share"] == pytest.approx(0.2)
    direct = next(f for f in m.figures if f.key == "feedback_on_messages")
    assert (direct.value, direct.shown) == (5, HIDDEN)
    assert [(f.label, f.shown) for f in m.counts["feedback_outcomes"][1]] == [
        ("Answered", 7), ("Declined", 2), ("Expired unanswered", 2), ("Request deleted before an answer", 1),
        ("Still open", 2)]


def test_feedback_measures_never_read_answers(seeded):
    """Delete every answer row: no figure changes (they come from the requests and asks only)."""
    with seeded.read() as s:
        before = metrics.feedback_measures(s, T, since=SINCE, until=UNTIL)
    with seeded.begin() as s:
        s.query(FeedbackAnswer).delete()
    with seeded.read() as s:
        after = metrics.feedback_measures(s, T, since=SINCE, until=UNTIL)
    assert before == after


def test_feedback_in_an_empty_period(seeded):
    with seeded.read() as s:
        m = metrics.feedback_measures(s, T, **EMPTY)
    assert set(shown(m.funnel).values()) == {0}
    figures = shown(m.figures)
    assert figures["feedback_requests"] == 0 and figures["adoption"] == 0 and figures["feedback_on_messages"] == 0
    for key in ("response_rate", "median_hours_to_answer", "decline_rate", "expiry_rate", "reciprocity",
                "anonymous_share"):
        assert figures[key] is None, key


# ---- across programmes -----------------------------------------------------------------------------------

def test_reach_and_roles_across_mentoring_circles_and_feedback(seeded):
    with seeded.read() as s:
        across = metrics.across_programmes(s, T, now=UNTIL)
        kinds = metrics.running(s, T)
    assert kinds == ["mentoring", "circles", "feedback"]
    assert (across.in_programmes.shown, across.active_members.shown) == (19, 36)
    assert across.reach.shown == pytest.approx(19 / 36)
    assert [(h.user_id, h.roles) for h in across.stretched] == [("M2", ["mentor", "facilitator"])]
