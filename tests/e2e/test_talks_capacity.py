"""Changing a talk's capacity end to end, both transports: lowering it keeps
the earliest seats and sends the latest seated to the front of the waitlist,
told once; raising it offers the new seats to the waitlist in order; a bad
capacity is refused in the form and changes nothing; and, on the database,
RSVPs racing a capacity change never overfill the talk."""

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from peerbot.blocks import ids
from peerbot.services import talks
from peerbot.store.models import Talk, TalkRsvp, TalkSeat
from test_talks import accepted_talk, card_now, click, rsvp, shown, talks_on, with_block  # noqa: F401 (fixture)


def capacity_form(world, user, dm_message):
    slack = world.slack
    click(world, user, ids.TALK_CAPACITY_CHANGE, slack.dm_channel(user), dm_message)
    return slack.wait_for(lambda: slack.modal(user))


def submit_capacity(world, user, view, seats: str) -> str:
    delivery = world.slack.submit_view(user, view["id"], {ids.TALK_CAPACITY: {ids.TALK_CAPACITY: seats}})
    world.settle()
    return delivery.outcome


def seated_and_waiting(world) -> tuple[set[str], list[str]]:
    with world.deps.db.read() as session:
        seated = set(session.scalars(select(TalkSeat.user_id).where(TalkSeat.offered_until.is_(None))))
        waiting = list(session.scalars(select(TalkRsvp.user_id).where(TalkRsvp.answer == "waitlist")
                                       .order_by(TalkRsvp.answered_at, TalkRsvp.id)))
    return seated, waiting


def test_lowering_keeps_the_earliest_seats_and_raising_offers_seats_in_order(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    card = accepted_talk(world, hub, capacity="3")
    for name in ("dana", "eve", "finn", "gus"):
        clock.now += timedelta(minutes=1)
        rsvp(world, p[name], ids.TALK_GOING, hub, card)
    assert "*3* of 3 going · *0* maybe · *1* on the waitlist" in card_now(world, hub)
    told, = with_block(slack.dms(world.alice), "peerbot-talk-decided-")

    # A capacity of 0 is refused in the form; nothing changes.
    view = capacity_form(world, world.alice, told)
    assert view["callback_id"] == ids.TALK_CAPACITY_MODAL and "3" in shown(view)
    assert submit_capacity(world, world.alice, view, "0") == "errors"
    assert "at least 1" in slack.modal(world.alice)["errors"][ids.TALK_CAPACITY]
    assert "*3* of 3 going" in card_now(world, hub)
    assert seated_and_waiting(world) == ({p["dana"], p["eve"], p["finn"]}, [p["gus"]])

    # Down to 2: Finn, the latest to take a seat, goes to the front of the waitlist, ahead of Gus, and is told.
    assert submit_capacity(world, world.alice, view, "2") == "closed"
    assert seated_and_waiting(world) == ({p["dana"], p["eve"]}, [p["finn"], p["gus"]])
    assert "*2* of 2 going · *0* maybe · *2* on the waitlist" in card_now(world, hub)
    assert len(with_block(slack.messages(hub), "peerbot-talk-card-")) == 1  # updated in place
    bumped, = with_block(slack.dms(p["finn"]), "peerbot-talk-bumped-")
    assert "front of the waitlist as *#1*" in shown(bumped)
    assert not any(with_block(slack.dms(p[name]), "peerbot-talk-bumped-") for name in ("dana", "eve", "gus"))
    assert "1 person who said Going later" in shown(slack.dms(world.alice)[-1])

    # The same change submitted again (a double submit): nothing moves, nobody hears twice.
    again = capacity_form(world, world.alice, told)
    assert submit_capacity(world, world.alice, again, "2") == "closed"
    assert "already has 2 seats. Nothing changed." in shown(slack.dms(world.alice)[-1])
    assert len(with_block(slack.dms(p["finn"]), "peerbot-talk-bumped-")) == 1
    assert seated_and_waiting(world) == ({p["dana"], p["eve"]}, [p["finn"], p["gus"]])

    # Nora joins the line; raising to 4 holds the two new seats for Finn and Gus, first in line, for 4 hours.
    clock.now += timedelta(minutes=1)
    assert "#3* on the waitlist" in rsvp(world, p["nora"], ids.TALK_GOING, hub, card)
    assert submit_capacity(world, world.alice, capacity_form(world, world.alice, told), "4") == "closed"
    offers = {name: with_block(slack.dms(p[name]), "peerbot-talk-offer-") for name in ("finn", "gus", "nora")}
    assert [len(found) for found in offers.values()] == [1, 1, 0]
    assert "held for you until" in shown(offers["finn"][0])
    assert "*2* of 4 going · *0* maybe · *1* on the waitlist" in card_now(world, hub)
    click(world, p["finn"], ids.TALK_TAKE_SEAT, slack.dm_channel(p["finn"]), offers["finn"][0])
    assert "*3* of 4 going" in card_now(world, hub)

    # Capacity is not in the calendar event: its SEQUENCE stays, so calendars don't re-import an unchanged event.
    with world.deps.db.read() as session:
        talk = session.scalars(select(Talk)).one()
        assert (talk.capacity, talk.sequence) == (4, 0)


def test_an_organiser_caps_a_talk_that_had_no_limit(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    card = accepted_talk(world, hub, capacity=None)
    for name in ("dana", "eve", "finn"):
        clock.now += timedelta(minutes=1)
        rsvp(world, p[name], ids.TALK_GOING, hub, card)
    decided, = with_block(slack.dms(world.carol), "peerbot-talk-decide-")  # Carol's DM, now showing the outcome
    view = capacity_form(world, world.carol, slack.message(slack.dm_channel(world.carol), decided["ts"]))
    assert submit_capacity(world, world.carol, view, "2") == "closed"
    assert seated_and_waiting(world) == ({p["dana"], p["eve"]}, [p["finn"]])
    assert "*2* of 2 going · *0* maybe · *1* on the waitlist" in card_now(world, hub)
    assert len(with_block(slack.dms(p["finn"]), "peerbot-talk-bumped-")) == 1
    # The cap holds: a newcomer waits behind Finn.
    assert "#2* on the waitlist" in rsvp(world, p["gus"], ids.TALK_GOING, hub, card)


def test_rsvps_racing_a_capacity_change_never_overfill_the_talk(db):
    now = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    form = talks.Proposal(title="Git internals", abstract="", format="short", starts_at=now + timedelta(days=7),
                          minutes="", place="Room 4", capacity="3", recording_allowed=False)
    for run in range(20):
        with db.begin() as session:
            talk_id = talks.propose(session, team_id="T1", speaker_id="USPEAK", form=form, speaker_tz=None,
                                    source_key=f"view-{run}", now=now).id
            assert talks.decide(session, talk_id, "UORG", True, now)
        for user in ("UA", "UB"):
            with db.begin() as session:
                assert talks.answer(session, talks.get(session, talk_id), user, talks.GOING, now).answer == "going"
        barrier = threading.Barrier(3)

        def going(user):
            barrier.wait()
            with db.begin() as session:
                talks.answer(session, talks.get(session, talk_id), user, talks.GOING, now + timedelta(minutes=1))

        def lower():
            barrier.wait()
            with db.begin() as session:
                talks.change_capacity(session, talk_id, 2, now + timedelta(minutes=1))

        threads = [threading.Thread(target=going, args=(u,)) for u in ("UC", "UD")] + [threading.Thread(target=lower)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.read() as session:
            seats = session.scalar(select(func.count()).select_from(TalkSeat).where(TalkSeat.talk_id == talk_id))
            top = session.scalar(select(func.max(TalkSeat.seat_no)).where(TalkSeat.talk_id == talk_id))
            going_now = talks.people(session, talk_id, (talks.GOING,))
        assert (seats, top) == (2, 2) and sorted(going_now) == ["UA", "UB"], run
