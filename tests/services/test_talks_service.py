"""Talks' seats and waitlist, straight on the database: the last seat taken
by two people at the same moment goes to one of them, never both."""

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from peerbot.services import talks
from peerbot.store.models import TalkSeat

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def a_talk(db, capacity, key="view-1"):
    form = talks.Proposal(title="SQL window functions", abstract="Ranking without tears.", format="short",
                          starts_at=NOW + timedelta(days=7), minutes="", place="Room 4", capacity=str(capacity),
                          recording_allowed=True)
    with db.begin() as session:
        talk = talks.propose(session, team_id="T1", speaker_id="USPEAK", form=form, speaker_tz="Europe/London",
                             source_key=key, now=NOW)
        assert talks.decide(session, talk.id, "UORG", True, NOW)
        return talk.id


def going(db, talk_id, user, now=NOW):
    with db.begin() as session:
        return talks.answer(session, talks.get(session, talk_id), user, talks.GOING, now)


def test_two_people_racing_for_the_last_seat_never_both_get_it(db):
    for run in range(25):
        talk_id = a_talk(db, capacity=2, key=f"view-{run}")
        going(db, talk_id, "UFIRST")
        barrier = threading.Barrier(2)
        results = {}

        def click(user):
            barrier.wait()
            results[user] = going(db, talk_id, user).answer

        threads = [threading.Thread(target=click, args=(user,)) for user in ("UALI", "UBEA")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results.values()) == [talks.GOING, talks.WAITLIST], results
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(TalkSeat).where(TalkSeat.talk_id == talk_id)) == 2
            assert talks.counts(session, talks.get(session, talk_id)).going == 2


def test_a_freed_seat_is_held_for_the_next_in_line_then_passed_on(db):
    talk_id = a_talk(db, capacity=1)
    assert going(db, talk_id, "UA").answer == talks.GOING
    assert going(db, talk_id, "UB") == talks.Rsvp(talks.WAITLIST, 1)
    assert going(db, talk_id, "UC") == talks.Rsvp(talks.WAITLIST, 2)
    assert going(db, talk_id, "UB").position == 1  # a second click keeps the place in line
    with db.begin() as session:
        talk = talks.get(session, talk_id)
        assert talks.answer(session, talk, "UA", talks.CANT, NOW).freed
        offered = talks.offer_free_seats(session, talk, NOW)
        assert [(s.user_id, s.offered_until) for s in offered] == [("UB", NOW + talks.OFFER_HOLD)]
        assert talks.answer(session, talk, "UD", talks.GOING, NOW).answer == talks.WAITLIST  # the seat is held
    later = NOW + talks.OFFER_HOLD
    with db.begin() as session:
        talk = talks.get(session, talk_id)
        assert talks.lapse_offers(session, talk, later) == ["UB"]
        assert [s.user_id for s in talks.offer_free_seats(session, talk, later)] == ["UC"]
        assert talks.take_offer(session, talk, "UB", later) is not None  # too late for UB
        assert talks.take_offer(session, talk, "UC", later) is None
        assert talks.counts(session, talk) == talks.Counts(going=1, maybe=0, waitlist=1, capacity=1)


def test_proposals_in_the_past_too_long_or_without_seats_are_refused():
    form = talks.Proposal(title="Git", abstract="", format="long", starts_at=NOW - timedelta(minutes=1),
                          minutes="241", place="https://meet.example.com/x", capacity="0", recording_allowed=False)
    assert set(talks.proposal_problems(form, NOW)) == {"start", "minutes", "capacity"}
    fine = talks.Proposal(title="Git", abstract="", format="long", starts_at=NOW + timedelta(hours=1),
                          minutes="", place="Room 1", capacity="", recording_allowed=False)
    assert talks.proposal_problems(fine, NOW) == {}
    assert talks.minutes_of(fine) == 50 and talks.capacity_of(fine) is None
    assert "capacity" in talks.proposal_problems(talks.Proposal(**{**fine.__dict__, "capacity": "-3"}), NOW)
