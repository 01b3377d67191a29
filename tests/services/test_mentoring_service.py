"""Mentoring rules against a real migrated database: enrolment checks,
reasons from the Q&A, the consent window, next choices, the waitlist, the
constraints that keep double clicks and racing accepts to one mentorship,
and health on hand-worked cases."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from peerbot.services import experts, matching, mentoring, programmes, topics
from peerbot.services.conversations import ensure_workspace
from peerbot.services.mentoring import Enrolment
from peerbot.store.models import Answer, Mentorship, MentorRequest, Question

T = "T1"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday, 10:00 UTC
UTC = "UTC"


def enrolment(role="mentee", topics_=("sql",), goals=(), capacity=2, blocked=()):
    return Enrolment(mentoring.ROLES[role], tuple(topics_), tuple(goals), capacity, tuple(blocked))


@pytest.fixture
def pool(db):
    """Mentors M1 (capacity 1), M2, M3 (python only); mentees A, B, C; the programme on."""
    with db.begin() as session:
        ensure_workspace(session, T, NOW)
        programmes.switch(session, T, programmes.MENTORING, "C1", True, "ADMIN", NOW)
        mentoring.enrol(session, T, "M1", enrolment("mentor", capacity=1), NOW)
        mentoring.enrol(session, T, "M2", enrolment("mentor"), NOW)
        mentoring.enrol(session, T, "M3", enrolment("mentor", topics_=("python",)), NOW)
        for mentee in ("A", "B", "C"):
            mentoring.enrol(session, T, mentee, enrolment(goals=("Faster queries",)), NOW)
    return db


def ask(db, mentee, mentor, queue=(), now=NOW):
    with db.begin() as session:
        return mentoring.ask(session, T, mentee, mentor, list(queue), "why", now, fallback_tz=UTC)


# ---- pure ----------------------------------------------------------------------------------------------


def test_enrolment_needs_a_topic_a_sane_capacity_and_not_oneself():
    parsed, errors = mentoring.parse_enrolment("U1", "both", " SQL, postgres ", ["  Lead  a  review ", "", "x"],
                                               "3", ["U2"])
    assert errors == {}
    assert parsed == Enrolment(("mentor", "mentee"), ("sql", "postgresql"), ("Lead a review", "x"), 3, ("U2",))
    _, errors = mentoring.parse_enrolment("U1", None, " , ;", ["g" * 151], "9", ["U1"])
    assert set(errors) == {"role", "topics", "goal_1", "capacity", "blocked"}
    assert "at least one topic" in errors["topics"]


def test_the_reason_prefers_answers_given_this_quarter():
    wanted = ["sql", "python"]
    assert mentoring.reason(set(), {"sql": 12, "python": 3}, wanted) == "answered 12 questions on sql this quarter"
    assert mentoring.reason(set(), {"python": 1}, wanted) == "answered 1 question on python this quarter"
    assert mentoring.reason({"python", "sql"}, {}, wanted) == "mentors on sql, python"
    assert mentoring.reason(set(), {}, wanted) == "has room to mentor now"
    assert mentoring.quarter_start(datetime(2026, 5, 20, tzinfo=timezone.utc)) == \
        datetime(2026, 4, 1, tzinfo=timezone.utc)


def test_health_on_hand_worked_cases():
    m = Mentorship(started_at=NOW, mentee_fit=None, mentor_fit=None)
    assert mentoring.health(m, [], NOW + timedelta(days=13)) == mentoring.TOO_EARLY
    assert mentoring.health(m, [NOW + timedelta(days=10)], NOW + timedelta(days=20)) == mentoring.ON_TRACK
    assert mentoring.health(m, [NOW + timedelta(days=10)], NOW + timedelta(days=41)) == mentoring.NEEDS_CHECKIN
    assert mentoring.health(m, [], NOW + timedelta(days=15)) == mentoring.NEEDS_CHECKIN
    m.mentor_fit = mentoring.NOT_A_FIT
    assert mentoring.health(m, [NOW + timedelta(days=1)], NOW + timedelta(days=2)) == mentoring.NEEDS_CHECKIN


def test_check_ins_every_four_weeks_after_the_fit_check():
    m = Mentorship(started_at=NOW, ends_at=NOW + mentoring.MATCH_LENGTH)
    assert mentoring.checkin_days(m) == [42, 70]
    m.ends_at += mentoring.MATCH_LENGTH
    assert mentoring.checkin_days(m) == [42, 70, 98, 126, 154]


def test_commands():
    assert mentoring.parse_command("").action == "status"
    assert mentoring.parse_command("request <@U9|max>").mentor == "U9"
    assert "autocomplete" in mentoring.parse_command("request @max").problem
    assert mentoring.parse_command("find me").action == "usage"


# ---- with the database -------------------------------------------------------------------------------


def test_suggestions_rank_by_answers_on_the_topic_with_their_reason(pool):
    with pool.begin() as session:
        sql = topics.get_or_create(session, T, "sql", NOW)
        for i, (author, when) in enumerate([("M2", NOW), ("M2", NOW - timedelta(days=1)),
                                            ("M1", NOW - timedelta(days=100))]):  # last quarter: not counted
            question = Question(team_id=T, channel_id="C9", message_ts=f"1.{i}", asker_id="Q", text="q",
                                topic_id=sql.id, status="open", created_at=when)
            session.add(question)
            session.flush()
            session.add(Answer(question_id=question.id, team_id=T, channel_id="C9", message_ts=f"2.{i}",
                               author_id=author, text="a", created_at=when))
        experts.earn(session, team_id=T, user_id="M2", topic_id=sql.id, points=6, now=NOW)
    with pool.read() as session:
        found = mentoring.suggest(session, T, "A", NOW)
    assert [(s.mentor_id, s.reason) for s in found] == [
        ("M2", "answered 2 questions on sql this quarter"), ("M1", "mentors on sql")]  # M3: python, no fit


def test_one_pending_request_per_mentee_and_bad_requests_change_nothing(pool):
    first = ask(pool, "A", "M1")
    assert first.request is not None and first.request.expires_at == NOW + mentoring.CONSENT
    again = ask(pool, "A", "M2")  # a double click, or a second request: one at a time
    assert again.request is None and "already asked <@M1>" in again.problem
    assert "your own mentor" in ask(pool, "M2", "M2").problem
    assert "isn't enrolled as a mentor" in ask(pool, "B", "A").problem
    assert "Enrol as a mentee first" in ask(pool, "M1", "M2").problem
    with pool.read() as session:
        assert session.scalar(select(func.count()).select_from(MentorRequest)) == 1


def test_a_request_at_night_waits_for_the_mentors_morning(pool):
    friday_night = datetime(2026, 3, 6, 22, 0, tzinfo=timezone.utc)
    made = ask(pool, "A", "M2", now=friday_night).request
    monday_9 = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)
    assert made.expires_at == monday_9 + mentoring.CONSENT


def test_accepting_twice_makes_one_mentorship_and_a_full_mentor_cannot_accept(pool):
    a = ask(pool, "A", "M1").request
    b = ask(pool, "B", "M1").request
    with pool.begin() as session:
        assert mentoring.answer(session, a.id, "M1", True, NOW).outcome == "accepted"
    with pool.begin() as session:
        assert "already accepted" in mentoring.answer(session, a.id, "M1", True, NOW).problem
        assert "slots are taken" in mentoring.answer(session, b.id, "M1", True, NOW).problem
        assert "only they can" in mentoring.answer(session, b.id, "M2", True, NOW).problem
    with pool.read() as session:
        assert session.scalar(select(func.count()).select_from(Mentorship)) == 1
        assert mentoring.pending_of(session, T, "B").id == b.id  # still waiting for an answer


def test_the_slot_constraint_holds_when_accepts_race(pool):
    """Two accepts for M1's one slot at the same moment, in two transactions."""
    requests = [ask(pool, "A", "M1").request, ask(pool, "B", "M1").request]
    start = threading.Barrier(2)
    outcomes = []

    def accept(request_id):
        start.wait()
        with pool.begin() as session:
            outcomes.append(mentoring.answer(session, request_id, "M1", True, NOW).outcome)

    threads = [threading.Thread(target=accept, args=(r.id,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["accepted", "problem"]
    with pool.read() as session:
        assert session.scalar(select(func.count()).select_from(Mentorship)) == 1


def test_an_answer_after_the_window_expires_the_request_once(pool):
    made = ask(pool, "A", "M2").request
    late = NOW + mentoring.CONSENT
    with pool.begin() as session:
        first = mentoring.answer(session, made.id, "M2", True, late)
        second = mentoring.answer(session, made.id, "M2", True, late)
    assert first.outcome == mentoring.EXPIRED and "expired" in first.problem
    assert second.outcome == "problem" and "expired" in second.problem
    with pool.read() as session:
        assert session.scalars(select(Mentorship)).all() == []


def test_expiry_then_the_next_choice_then_the_waitlist(pool):
    first = ask(pool, "A", "M1", queue=["M2", "M3"]).request
    with pool.read() as session:
        assert mentoring.due_to_expire(session, T, NOW + timedelta(days=2)) == []
        assert [r.id for r in mentoring.due_to_expire(session, T, NOW + timedelta(days=3))] == [first.id]
    later = NOW + timedelta(days=3)
    with pool.begin() as session:
        assert mentoring.expire(session, first.id, later)
        assert not mentoring.expire(session, first.id, later)  # once
        step = mentoring.next_choice(session, first, later, fallback_tz=UTC)
    assert step.request.mentor_id == "M2" and step.request.choice == 2 and step.request.sought_at == NOW
    with pool.begin() as session:
        assert mentoring.answer(session, step.request.id, "M2", False, later).outcome == "declined"
        # M3 mentors python only: no fit, so not asked; A joins the waitlist.
        final = mentoring.next_choice(session, step.request, later, fallback_tz=UTC)
    assert final.request is None and final.position == 1
    with pool.begin() as session:
        assert mentoring.join_waitlist(session, T, "B", later + timedelta(minutes=1)) == 2
        assert mentoring.join_waitlist(session, T, "A", later + timedelta(minutes=2)) == 1  # keeps her place


def test_the_waitlist_is_served_in_order_without_overbooking(pool):
    with pool.begin() as session:
        for mentee, minute in (("B", 1), ("A", 2), ("C", 3)):
            mentoring.join_waitlist(session, T, mentee, NOW + timedelta(minutes=minute))
        made = mentoring.serve_waitlist(session, T, NOW + timedelta(hours=1), fallback_tz=UTC)
    # M1 has one slot and M2 two: B, A and C are each asked once, nobody beyond the free slots.
    asked = {r.mentee_id: r.mentor_id for r in made}
    assert set(asked) == {"A", "B", "C"}
    assert sorted(asked.values()).count("M1") <= 1 and sorted(asked.values()).count("M2") <= 2
    with pool.begin() as session:
        assert mentoring.serve_waitlist(session, T, NOW + timedelta(hours=2), fallback_tz=UTC) == []
        assert mentoring.waitlist_position(session, T, "B") == 1


def test_not_a_fit_blocks_the_pair_and_ending_frees_the_slot(pool):
    a = ask(pool, "A", "M1").request
    with pool.begin() as session:
        m = mentoring.answer(session, a.id, "M1", True, NOW).mentorship
        assert mentoring.free_slots(session, T, "M1") == 0
        assert mentoring.set_fit(session, m.id, "A", mentoring.NOT_A_FIT, NOW) is None
        assert mentoring.set_fit(session, m.id, "B", mentoring.GOOD, NOW) is not None
        assert mentoring.end(session, m.id, mentoring.NOT_A_FIT_END, NOW, by="A")
        assert not mentoring.end(session, m.id, mentoring.ENDED_EARLY, NOW)  # once
        assert mentoring.free_slots(session, T, "M1") == 1
        assert "M1" not in [s.mentor_id for s in mentoring.suggest(session, T, "A", NOW)]
        assert "M1" in [s.mentor_id for s in mentoring.suggest(session, T, "B", NOW)]
        assert mentoring.extend(session, m.id, NOW) is None  # ended: cannot extend


def test_a_cohort_run_places_the_whole_pool_within_capacity_and_on_shared_topics(pool):
    later = NOW + timedelta(days=7)
    with pool.begin() as session:
        for mentee, topic in (("D", "python"), ("E", "sql"), ("F", "design")):
            mentoring.enrol(session, T, mentee, enrolment(topics_=(topic,)), NOW)
        cohort, problem = mentoring.open_cohort(session, T, "ADMIN", later, NOW)
        assert problem is None
        assert "already open" in mentoring.open_cohort(session, T, "ADMIN", later, NOW)[1]
        assert "cohort" in ask_in(session, "A", "M2")  # evergreen requests wait for the cohort
        pairs, unplaced = mentoring.cohort_run(session, cohort, later)
    mentor_of = {mentee: mentor for mentee, mentor in pairs}
    # sql: A, B, C, E for M1 (1 slot) and M2 (2 slots); python: D with M3; design: nobody mentors it.
    assert mentor_of["D"] == "M3"
    assert sorted(m for e, m in mentor_of.items() if e != "D") == ["M1", "M2", "M2"]
    assert unplaced.pop("F") == mentoring.NO_TOPIC_MENTOR
    assert list(unplaced.values()) == [matching.FULL]
    with pool.begin() as session:
        cohort = mentoring.cohort_of(session, T)
        assert mentoring.propose_cohort(session, cohort.id, round_id=99)
        assert not mentoring.propose_cohort(session, cohort.id, round_id=99)  # once
        made = mentoring.publish_cohort(session, 99, pairs, later)
        assert len(made) == 4 and mentoring.cohort_of(session, T) is None


def ask_in(session, mentee, mentor):
    return mentoring.ask(session, T, mentee, mentor, [], "why", NOW, fallback_tz=UTC).problem
