"""The feedback service on a real database: validation, one answer per
person, the anonymous release at 3, expiry, deletion and reminder slots."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from peerbot.services import feedback
from peerbot.services.feedback import RequestForm
from peerbot.store.models import FeedbackAnswer, FeedbackAsk, FeedbackRequest

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TEAM = "T1"
Q = "What should I start, stop and continue?"


def form(peers=("U2", "U3", "U4"), question=Q, *, anonymous=False, days="", link=""):
    return RequestForm(tuple(peers), question, link, days, anonymous)


def make(db, peers=("U2", "U3", "U4"), *, anonymous=False, days="", key="V1", requester="U1", now=NOW) -> int:
    with db.begin() as session:
        return feedback.create(session, team_id=TEAM, requester_id=requester,
                               form=form(peers, anonymous=anonymous, days=days), source_key=key, now=now).id


@pytest.mark.parametrize("bad, field, words", [
    (form(()), "peers", "at least one"),
    (form(("U1", "U2")), "peers", "yourself"),
    (form(("U2", "U3", "U4", "U5", "U6", "U7")), "peers", "at most 5"),
    (form(question="Thoughts?"), "question", "at least 10"),
    (form(question="x" * 301), "question", "300 characters"),
    (form(("U2", "U3"), anonymous=True), "anonymous", "at least 3"),
    (form(days="31"), "expiry", "1 to 30"),
    (form(days="0"), "expiry", "1 to 30"),
    (form(link="javascript:alert(1)"), "link", "https://"),
])
def test_bad_requests_name_the_field(bad, field, words):
    problems = feedback.request_problems(bad, "U1")
    assert words in problems[field]


def test_a_good_request_has_no_problems_and_defaults_to_14_days(db):
    assert feedback.request_problems(form(anonymous=True, link="https://example.com/doc"), "U1") == {}
    request_id = make(db)
    with db.read() as session:
        request = session.get(FeedbackRequest, request_id)
        assert request.expires_at - request.created_at == timedelta(days=14)
        assert [a.user_id for a in feedback.asks_of(session, request_id)] == ["U2", "U3", "U4"]


def test_a_resubmitted_form_creates_nothing_new_and_the_week_is_counted(db):
    make(db, key="V1")
    with db.begin() as session:
        assert feedback.create(session, team_id=TEAM, requester_id="U1", form=form(), source_key="V1", now=NOW) is None
    make(db, key="V2", now=NOW + timedelta(days=2))
    with db.read() as session:
        assert feedback.requests_this_week(session, TEAM, "U1", NOW + timedelta(days=3)) == 2
        assert feedback.requests_this_week(session, TEAM, "U1", NOW + timedelta(days=8)) == 1


def test_one_named_answer_per_person_kept_by_the_database(db):
    request_id = make(db)
    with db.begin() as session:
        assert feedback.answer(session, request_id, "U2", "Start writing agendas.", NOW) is None
    with db.begin() as session:
        assert "already answered" in feedback.answer(session, request_id, "U2", "Again", NOW)
        assert "wasn't sent to you" in feedback.answer(session, request_id, "U9", "Me too", NOW)
    with pytest.raises(IntegrityError):
        with db.begin() as session:
            session.add(FeedbackAnswer(id="f" * 32, team_id=TEAM, request_id=request_id, giver_id="U2", text="dup"))
    with db.read() as session:
        (ask,) = [a for a in feedback.asks_of(session, request_id) if a.user_id == "U2"]
        assert (ask.status, ask.responded_at) == ("answered", NOW)
        assert feedback.release(session, request_id, NOW) == 1


def test_two_simultaneous_anonymous_answers_by_one_person_store_one(db):
    request_id = make(db, anonymous=True)
    results, start = [], threading.Barrier(2)

    def submit(words):
        start.wait()
        with db.begin() as session:
            results.append(feedback.answer(session, request_id, "U2", words, NOW))

    threads = [threading.Thread(target=submit, args=(w,)) for w in ("first try", "second try")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r is None for r in results) == [False, True]
    with db.read() as session:
        assert len(session.scalars(select(FeedbackAnswer)).all()) == 1


def test_anonymous_answers_are_released_at_three_without_givers_or_times(db):
    request_id = make(db, anonymous=True)
    for n, user in enumerate(("U2", "U3"), 1):
        with db.begin() as session:
            assert feedback.answer(session, request_id, user, f"answer {n}", NOW + timedelta(hours=n)) is None
            assert feedback.release(session, request_id, NOW) == 0
    with db.read() as session:
        assert feedback.released_answers(session, request_id) == []
    with db.begin() as session:
        feedback.answer(session, request_id, "U4", "answer 3", NOW + timedelta(hours=3))
        assert feedback.release(session, request_id, NOW + timedelta(hours=3)) == 3
    with db.read() as session:
        released = feedback.released_answers(session, request_id)
        assert sorted(released) == [(None, "answer 1"), (None, "answer 2"), (None, "answer 3")]
        assert {a.responded_at for a in session.scalars(select(FeedbackAsk))} == {None}
        assert {a.released_on for a in session.scalars(select(FeedbackAnswer))} == {"2026-03-02"}


def test_decline_and_expiry_close_answering(db):
    request_id = make(db, anonymous=True, days="2")
    with db.begin() as session:
        assert feedback.decline(session, request_id, "U2", NOW) is None
        assert "declined" in feedback.answer(session, request_id, "U2", "changed my mind", NOW)
        assert feedback.answer(session, request_id, "U3", "sealed answer", NOW) is None
    expiry = NOW + timedelta(days=2)
    with db.begin() as session:
        assert not feedback.expire(session, request_id, expiry - timedelta(seconds=1))
        assert feedback.expire(session, request_id, expiry)
        assert not feedback.expire(session, request_id, expiry)  # once
    with db.begin() as session:
        assert "expired" in feedback.answer(session, request_id, "U4", "too late", expiry)
    with db.read() as session:
        # Fewer than 3 anonymous answers can never be shown: they are gone.
        assert session.scalars(select(FeedbackAnswer)).all() == []


def test_only_the_requester_deletes_and_the_content_goes(db):
    request_id = make(db)
    with db.begin() as session:
        feedback.answer(session, request_id, "U2", "private words", NOW)
    with db.begin() as session:
        assert feedback.delete_request(session, request_id, "U2", NOW) is None
        assert feedback.delete_request(session, request_id, "U1", NOW) is not None
    with db.read() as session:
        request = session.get(FeedbackRequest, request_id)
        assert (request.status, request.question, request.link) == ("deleted", "", None)
        assert session.scalars(select(FeedbackAnswer)).all() == []
        assert feedback.requests_of(session, TEAM, "U1") == []
    with db.begin() as session:
        assert "withdrawn" in feedback.answer(session, request_id, "U3", "hello there", NOW)


@pytest.mark.parametrize("days, expected", [
    (14, [("1", 3), ("2", 13)]),
    (4, [("2", 3)]),  # day 3 and "a day before expiry" coincide: one reminder
    (2, [("2", 1)]),
    (1, []),
])
def test_reminder_slots(days, expected):
    request = FeedbackRequest(created_at=NOW, expires_at=NOW + timedelta(days=days))
    slots = feedback.reminder_slots(request, None, set())
    assert [(step, (due - NOW).days) for step, due in slots] == expected


def test_remind_me_tomorrow_moves_the_next_reminder_and_never_adds_a_third():
    request = FeedbackRequest(created_at=NOW, expires_at=NOW + timedelta(days=14))
    tomorrow = NOW + timedelta(days=1)
    assert feedback.reminder_slots(request, tomorrow, set())[0] == ("1", tomorrow)
    assert feedback.reminder_slots(request, NOW + timedelta(days=5), {"1"}) == [("2", NOW + timedelta(days=5))]
    assert feedback.reminder_slots(request, tomorrow, {"1", "2"}) == []
