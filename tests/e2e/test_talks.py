"""Lunch-and-learn talks end to end (PROGRAMMES.md §6), both transports,
controlled time: propose → accept → card → RSVPs up to capacity → waitlist →
a freed seat held for the next in line → the hold lapses after 4 hours → the
next person gets it; reminders once when the job runs twice; the .ics over
HTTP; cancelling; bad input that changes nothing."""

import dataclasses
import json
import urllib.request
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import func, select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import Talk, TalkRsvp

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # London is on UTC until 29 March
STARTS = datetime(2026, 3, 5, 12, 30, tzinfo=timezone.utc)  # Thursday lunchtime


def shown(message) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


def at(world, clock, moment) -> str:
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


@pytest.fixture
def talks_on(world):
    class Clock:
        now = MONDAY

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    people = {name: slack.add_user(name) for name in ("dana", "eve", "finn", "gus")}
    people["nora"] = slack.add_user("nora", tz="America/New_York")
    hub = slack.add_channel("lunch-and-learn", members=[world.alice, world.bob, world.carol, *people.values()])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "talks on")
    return Clock, people, hub


def open_form(world, user, hub):
    slack = world.slack
    assert slack.command(user, hub, "/talks", "propose").acked
    world.settle()
    view = slack.wait_for(lambda: slack.modal(user))
    assert view["callback_id"] == ids.TALK_PROPOSE_MODAL
    return view


def propose(world, user, hub, *, starts=STARTS, minutes=None, capacity="2", title="Window functions in SQL"):
    view = open_form(world, user, hub)
    values = {ids.TALK_TITLE: {ids.TALK_TITLE: title},
              ids.TALK_ABSTRACT: {ids.TALK_ABSTRACT: "Ranking & running totals <without> tears."},
              ids.TALK_FORMAT: {ids.TALK_FORMAT: "short"},
              ids.TALK_START: {ids.TALK_START: int(starts.timestamp())},
              ids.TALK_PLACE: {ids.TALK_PLACE: "https://meet.example.com/sql-talk"}}
    if minutes is not None:
        values[ids.TALK_MINUTES] = {ids.TALK_MINUTES: str(minutes)}
    if capacity is not None:
        values[ids.TALK_CAPACITY] = {ids.TALK_CAPACITY: capacity}
    delivery = world.slack.submit_view(user, view["id"], values)
    world.settle()
    return delivery.outcome, (world.slack.modal(user) or {}).get("errors") or {}


def click(world, user, action_id, channel, message):
    delivery = world.slack.click(user, action_id, channel=channel, ts=message["ts"])
    world.settle()
    return delivery


def last_ephemeral(world, user) -> str:
    return world.slack.ephemerals(user=user)[-1]["text"]


def accepted_talk(world, hub, **kwargs):
    """Alice proposes, Carol (who switched talks on) accepts from her DM; returns the card."""
    assert propose(world, world.alice, hub, **kwargs) == ("closed", {})
    decide, = with_block(world.slack.dms(world.carol), "peerbot-talk-decide-")
    click(world, world.carol, ids.TALK_ACCEPT, world.slack.dm_channel(world.carol), decide)
    card, = with_block(world.slack.messages(hub), "peerbot-talk-card-")
    return card


def card_now(world, hub):
    card, = with_block(world.slack.messages(hub), "peerbot-talk-card-")
    return shown(card)


def rsvp(world, user, action_id, hub, card) -> str:
    click(world, user, action_id, hub, card)
    return last_ephemeral(world, user)


def test_propose_accept_rsvp_waitlist_and_a_lapsing_seat_offer(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    open_form(world, world.alice, hub)
    assert "In your time zone (Europe/London)" in json.dumps(slack.modal(world.alice))
    slack.views_api.close_all(world.alice)
    assert propose(world, world.alice, hub) == ("closed", {})
    assert "went to the organisers" in shown(slack.dms(world.alice)[-1])
    decide, = with_block(slack.dms(world.carol), "peerbot-talk-decide-")
    assert "Window functions in SQL" in shown(decide) and "Europe/London" in shown(decide)
    assert "&lt;without&gt;" in shown(decide)  # user text escaped on the way out
    click(world, world.carol, ids.TALK_ACCEPT, slack.dm_channel(world.carol), decide)
    assert "You accepted it" in shown(slack.message(slack.dm_channel(world.carol), decide["ts"]))
    told, = with_block(slack.dms(world.alice), "peerbot-talk-decided-")
    assert "was accepted" in shown(told)

    card, = with_block(slack.messages(hub), "peerbot-talk-card-")
    text = shown(card)
    assert f"<!date^{int(STARTS.timestamp())}^" in text and f"<@{world.alice}>" in text and "Short" in text
    assert all(label in text for label in ("Going", "Maybe", "Can't", "Add to calendar"))
    assert "*0* of 2 going" in text

    assert "You're going" in rsvp(world, p["dana"], ids.TALK_GOING, hub, card)
    assert "You're going" in rsvp(world, p["eve"], ids.TALK_GOING, hub, card)
    assert "#1* on the waitlist" in rsvp(world, p["finn"], ids.TALK_GOING, hub, card)
    assert "#2* on the waitlist" in rsvp(world, p["gus"], ids.TALK_GOING, hub, card)
    assert "maybe" in rsvp(world, world.bob, ids.TALK_MAYBE, hub, card)
    assert "*2* of 2 going · *1* maybe · *2* on the waitlist" in card_now(world, hub)  # updated in place
    assert len(with_block(slack.messages(hub), "peerbot-talk-card-")) == 1
    slack.open_home(p["gus"])
    world.settle()
    assert "*Window functions in SQL*" in shown(slack.home(p["gus"])) and "waitlist" in shown(slack.home(p["gus"]))

    # Dana can't come after all: her seat is held for Finn, first in line, for 4 hours.
    clock.now += timedelta(hours=1)
    assert "Your seat goes to the next person" in rsvp(world, p["dana"], ids.TALK_CANT, hub, card)
    offer, = with_block(slack.dms(p["finn"]), "peerbot-talk-offer-")
    assert "held for you until" in shown(offer)
    assert "*1* of 2 going" in card_now(world, hub) and "*1* on the waitlist" in card_now(world, hub)
    assert not with_block(slack.dms(p["gus"]), "peerbot-talk-offer-")

    # Finn lets it lapse: 4 hours later the job passes the seat to Gus; running it again changes nothing.
    lapse = clock.now + timedelta(hours=4)
    at(world, clock, lapse - timedelta(minutes=1))
    assert not with_block(slack.dms(p["gus"]), "peerbot-talk-offer-")
    result = at(world, clock, lapse)
    assert "1 lapsed offers" in result and "1 seat offers" in result
    at(world, clock, lapse + timedelta(minutes=5))
    gus_offer, = with_block(slack.dms(p["gus"]), "peerbot-talk-offer-")
    click(world, p["finn"], ids.TALK_TAKE_SEAT, slack.dm_channel(p["finn"]), offer)
    assert "no longer held for you" in last_ephemeral(world, p["finn"])
    click(world, p["gus"], ids.TALK_TAKE_SEAT, slack.dm_channel(p["gus"]), gus_offer)
    assert "The seat is yours" in shown(slack.message(slack.dm_channel(p["gus"]), gus_offer["ts"]))
    assert "*2* of 2 going · *1* maybe" in card_now(world, hub) and "waitlist" not in card_now(world, hub)


def test_reminders_go_once_each_at_their_time(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    card = accepted_talk(world, hub, capacity=None)
    rsvp(world, p["dana"], ids.TALK_GOING, hub, card)
    rsvp(world, p["nora"], ids.TALK_GOING, hub, card)  # in New York
    rsvp(world, p["eve"], ids.TALK_MAYBE, hub, card)
    rsvp(world, p["finn"], ids.TALK_CANT, hub, card)

    def got(user, kind):
        return len(with_block(slack.dms(user), f"peerbot-talk-{kind}-"))

    tuesday = STARTS - timedelta(hours=48)
    at(world, clock, tuesday - timedelta(minutes=5))
    assert got(world.alice, "speaker") == 0
    for _ in range(2):
        at(world, clock, tuesday)
    assert got(world.alice, "speaker") == 1
    wednesday_ten = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    at(world, clock, wednesday_ten - timedelta(minutes=1))
    assert got(p["dana"], "daybefore") == 0
    for _ in range(2):
        at(world, clock, wednesday_ten)
    assert (got(p["dana"], "daybefore"), got(p["eve"], "daybefore"), got(p["finn"], "daybefore")) == (1, 1, 0)
    assert got(p["nora"], "daybefore") == 0  # 05:00 in New York
    at(world, clock, wednesday_ten + timedelta(hours=5))  # 10:00 in New York
    assert got(p["nora"], "daybefore") == 1

    clock.now = STARTS - timedelta(hours=2)
    assert "RSVPs closed" in rsvp(world, p["gus"], ids.TALK_GOING, hub, card)
    for _ in range(2):
        at(world, clock, STARTS - timedelta(minutes=15))
    assert (got(p["dana"], "soon"), got(p["nora"], "soon"), got(p["eve"], "soon")) == (1, 1, 0)
    assert not slack.replies(hub, card["ts"])[1:]
    for _ in range(2):
        at(world, clock, STARTS - timedelta(minutes=10))
    joins = [m for m in slack.replies(hub, card["ts"]) if "peerbot-talk-join-" in json.dumps(m.get("blocks"))]
    assert len(joins) == 1 and "https://meet.example.com/sql-talk" in shown(joins[0])
    for _ in range(2):
        click(world, p["dana"], ids.TALK_HERE, hub, joins[0])
    assert "already marked as here" in last_ephemeral(world, p["dana"])
    with world.deps.db.read() as session:
        assert session.scalars(select(TalkRsvp.user_id).where(TalkRsvp.here_at.is_not(None))).all() == [p["dana"]]
    at(world, clock, STARTS + timedelta(minutes=5))  # late: no reminders after the start
    assert got(p["dana"], "soon") == 1
    assert got(p["dana"], "daybefore") == 1 and got(world.alice, "speaker") == 1


def fetch_ics(world, path):
    url = world.health_url.replace("/healthz", path)
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        return icalendar.Calendar.from_ical(response.read())


def test_calendar_file_and_cancelling(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    world.deps.settings = dataclasses.replace(world.deps.settings, public_url="https://peerbot.example.com")
    card = accepted_talk(world, hub, minutes=30, capacity="1")
    rsvp(world, p["dana"], ids.TALK_GOING, hub, card)
    rsvp(world, p["gus"], ids.TALK_GOING, hub, card)  # waitlisted
    rsvp(world, p["eve"], ids.TALK_MAYBE, hub, card)
    links = rsvp(world, p["dana"], ids.TALK_CALENDAR, hub, card)
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in links
    assert "dates=20260305T123000Z%2F20260305T130000Z" in links
    path = links.split("https://peerbot.example.com", 1)[1].split("|", 1)[0]
    assert path.startswith("/talks/") and path.endswith(".ics")

    event, = fetch_ics(world, path).walk("VEVENT")
    assert event.decoded("dtstart") == STARTS and event.decoded("dtend") == STARTS + timedelta(minutes=30)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    uid, = [str(event["uid"])]
    assert int(event["sequence"]) == 0 and str(event["status"]) == "CONFIRMED"
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch_ics(world, "/talks/" + "x" * 32 + ".ics")
    assert missing.value.code == 404

    rsvp(world, p["dana"], ids.TALK_CANT, hub, card)  # her seat is held for Gus
    offer, = with_block(slack.dms(p["gus"]), "peerbot-talk-offer-")

    # The speaker moves it a day later from the acceptance DM: a time in the past is refused in the form.
    told, = with_block(slack.dms(world.alice), "peerbot-talk-decided-")
    click(world, world.alice, ids.TALK_MOVE, slack.dm_channel(world.alice), told)
    view = slack.wait_for(lambda: slack.modal(world.alice))
    past = {ids.TALK_START: {ids.TALK_START: int((clock.now - timedelta(hours=1)).timestamp())}}
    assert slack.submit_view(world.alice, view["id"], past).outcome == "errors"
    moved_to = STARTS + timedelta(days=1)
    later = {ids.TALK_START: {ids.TALK_START: int(moved_to.timestamp())}}
    assert slack.submit_view(world.alice, view["id"], later).outcome == "closed"
    world.settle()
    assert f"<!date^{int(moved_to.timestamp())}^" in card_now(world, hub)
    for user in (p["gus"], p["eve"]):
        assert len(with_block(slack.dms(user), "peerbot-talk-moved-")) == 1
    assert not with_block(slack.dms(p["dana"]), "peerbot-talk-moved-")
    event, = fetch_ics(world, path).walk("VEVENT")
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1 and event.decoded("dtstart") == moved_to

    # Then cancels it: the card says so, Going and Maybe hear once, the event changes again.
    click(world, world.alice, ids.TALK_CANCEL, slack.dm_channel(world.alice), told)
    assert "is cancelled" in last_ephemeral(world, world.alice)
    assert "Cancelled" in card_now(world, hub) and ids.TALK_GOING not in card_now(world, hub)
    for _ in range(2):
        at(world, clock, clock.now + timedelta(hours=1))
    for user in (p["gus"], p["eve"]):
        assert len(with_block(slack.dms(user), "peerbot-talk-cancel-")) == 1
    assert not with_block(slack.dms(p["dana"]), "peerbot-talk-cancel-")  # she said she can't come
    event, = fetch_ics(world, path).walk("VEVENT")
    assert str(event["uid"]) == uid and int(event["sequence"]) == 2 and str(event["status"]) == "CANCELLED"
    click(world, p["gus"], ids.TALK_TAKE_SEAT, slack.dm_channel(p["gus"]), offer)  # an RSVP to a cancelled talk
    assert "was cancelled, so it takes no RSVPs. Nothing changed." in last_ephemeral(world, p["gus"])


def test_bad_proposals_get_errors_in_the_form_and_nothing_is_stored(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    view = open_form(world, world.bob, hub)
    values = {ids.TALK_TITLE: {ids.TALK_TITLE: "Git internals"}, ids.TALK_FORMAT: {ids.TALK_FORMAT: "long"},
              ids.TALK_START: {ids.TALK_START: int((MONDAY - timedelta(hours=1)).timestamp())},
              ids.TALK_MINUTES: {ids.TALK_MINUTES: "300"}, ids.TALK_PLACE: {ids.TALK_PLACE: "Room 4"},
              ids.TALK_CAPACITY: {ids.TALK_CAPACITY: "0"}}
    assert slack.submit_view(world.bob, view["id"], values).outcome == "errors"
    errors = slack.modal(world.bob)["errors"]
    assert set(errors) == {ids.TALK_START, ids.TALK_MINUTES, ids.TALK_CAPACITY}
    assert "in the past" in errors[ids.TALK_START] and "4 hours" in errors[ids.TALK_MINUTES]
    values[ids.TALK_CAPACITY] = {ids.TALK_CAPACITY: "-5"}
    values[ids.TALK_START] = {ids.TALK_START: int(STARTS.timestamp())}
    values[ids.TALK_MINUTES] = {ids.TALK_MINUTES: "45"}
    assert slack.submit_view(world.bob, view["id"], values).outcome == "errors"
    assert set(slack.modal(world.bob)["errors"]) == {ids.TALK_CAPACITY}
    world.settle()
    with world.deps.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Talk)) == 0
    assert not with_block(slack.dms(world.carol), "peerbot-talk-decide-")


def test_organisers_are_reminded_after_two_business_days_without_a_decision(world, talks_on):
    clock, p, hub = talks_on
    assert propose(world, world.alice, hub) == ("closed", {})
    reminders = lambda: with_block(world.slack.dms(world.carol), "peerbot-talk-decide-remind-")  # noqa: E731
    at(world, clock, MONDAY + timedelta(days=1, hours=23))
    assert not reminders()
    for _ in range(2):
        at(world, clock, MONDAY + timedelta(days=2))  # Wednesday 10:00
    reminder, = reminders()
    click(world, world.carol, ids.TALK_DECLINE, world.slack.dm_channel(world.carol), reminder)
    told, = with_block(world.slack.dms(world.alice), "peerbot-talk-decided-")
    assert "declined your talk" in shown(told)
    assert not with_block(world.slack.messages(hub), "peerbot-talk-card-")


def test_ratings_reach_the_speaker_at_three_and_the_recording_becomes_knowledge(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    card = accepted_talk(world, hub, capacity=None)
    for name in ("dana", "eve", "finn", "gus"):
        rsvp(world, p[name], ids.TALK_GOING, hub, card)
    rsvp(world, p["nora"], ids.TALK_MAYBE, hub, card)
    ended = STARTS + timedelta(minutes=25)
    at(world, clock, ended - timedelta(minutes=1))
    assert not with_block(slack.dms(p["dana"]), "peerbot-talk-rate-")
    for _ in range(2):
        at(world, clock, ended)
    asks = {name: with_block(slack.dms(p[name]), "peerbot-talk-rate-") for name in p}
    assert {name: len(found) for name, found in asks.items()} == {"dana": 1, "eve": 1, "finn": 1, "gus": 1, "nora": 0}

    def rate(name, n):
        click(world, p[name], f"{ids.TALK_RATE}_{n}", slack.dm_channel(p[name]), asks[name][0])

    def speaker_saw():
        return with_block(slack.dms(world.alice), "peerbot-talk-ratings-")

    rate("dana", 5)
    rate("eve", 4)
    assert "You rated" in shown(slack.message(slack.dm_channel(p["eve"]), asks["eve"][0]["ts"]))
    click(world, p["eve"], ids.TALK_COMMENT, slack.dm_channel(p["eve"]), asks["eve"][0])
    view = slack.wait_for(lambda: slack.modal(p["eve"]))
    slack.submit_view(p["eve"], view["id"], {ids.TALK_COMMENT: {ids.TALK_COMMENT: "More <examples>, please"}})
    world.settle()
    assert not speaker_saw()  # two ratings: nothing yet
    rate("finn", 3)
    first, = speaker_saw()
    assert "*4.0* of 5 from 3 people" in shown(first) and "More &lt;examples&gt;, please" in shown(first)
    assert not any(f"<@{p[name]}>" in shown(first) for name in ("dana", "eve", "finn"))

    # The speaker adds the recording: it goes in the card's thread and /kb finds the talk.
    ask, = with_block(slack.dms(world.alice), "peerbot-talk-recording-ask-")
    click(world, world.alice, ids.TALK_RECORDING_ADD, slack.dm_channel(world.alice), ask)
    view = slack.wait_for(lambda: slack.modal(world.alice))
    values = {ids.TALK_RECORDING_URL: {ids.TALK_RECORDING_URL: "not a link"},
              ids.TALK_RECORDING_TOPIC: {ids.TALK_RECORDING_TOPIC: "sql"}}
    assert slack.submit_view(world.alice, view["id"], values).outcome == "errors"
    values[ids.TALK_RECORDING_URL] = {ids.TALK_RECORDING_URL: "https://videos.example.com/sql-talk"}
    assert slack.submit_view(world.alice, view["id"], values).outcome == "closed"
    world.settle()
    thread = [m for m in slack.replies(hub, card["ts"]) if "peerbot-talk-recording-" in json.dumps(m.get("blocks"))]
    assert len(thread) == 1 and "https://videos.example.com/sql-talk" in shown(thread[0])
    assert "Talk: Window functions in SQL" in world.say(world.bob, world.general, "/kb", "window functions")

    rate("gus", 1)
    for _ in range(2):
        at(world, clock, ended + timedelta(days=3))
    final = [m for m in speaker_saw() if "Final ratings" in shown(m)]
    assert len(final) == 1 and "*3.2* of 5 from 4 people" in shown(final[0])

    # ... and the next weekly digest names it, in a public channel as well as the talks' home.
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    assert "1 posted" in run_job(world.deps, "digest", datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc))
    digest, = [m for m in slack.messages(world.general) if "Your week in peer learning" in m.get("text", "")]
    assert "*Talk recordings*" in shown(digest)
    assert "Talk: Window functions in SQL" in shown(digest) and "https://videos.example.com/sql-talk" in shown(digest)


def ask(world, user, channel, text):
    slack = world.slack
    before = {m["ts"] for m in slack.messages(channel)}
    assert slack.command(user, channel, "/ask", text).acked
    card = slack.wait_for(lambda: [m for m in slack.messages(channel) if m.get("bot_id") and m["ts"] not in before])
    world.settle()
    return card[0]


def test_five_wishes_invite_the_people_who_answer_most_on_the_topic_once(world, talks_on):
    clock, p, hub = talks_on
    slack = world.slack
    # Gus earns expertise on sql with an accepted answer; Bob's sql question stays unanswered.
    card = ask(world, world.alice, hub, "[sql] How do I rank rows within a group?")
    answer_ts = slack.post(p["gus"], hub, "Use ROW_NUMBER() OVER (PARTITION BY ...).", thread_ts=card["ts"])
    world.settle()
    slack.react(world.alice, hub, answer_ts, "white_check_mark")
    world.settle()
    ask(world, world.bob, hub, "[sql] Why is my join slow?")

    for name in ("dana", "eve", "finn"):
        assert "is counted" in world.say(p[name], hub, "/talks", "wish SQL")
    assert "already wished" in world.say(p["dana"], hub, "/talks", "wish sql")
    listed = world.say(world.alice, hub, "/talks", "list")
    assert "*sql* (3 wishes, 1 with unanswered questions)" in listed
    at(world, clock, MONDAY + timedelta(hours=1))
    assert not with_block(slack.dms(p["gus"]), "peerbot-talk-wish-invite-")  # 4 people so far
    assert "5 people want one" in world.say(p["nora"], hub, "/talks", "wish sql")
    for _ in range(2):
        at(world, clock, MONDAY + timedelta(hours=2))
    invitation, = with_block(slack.dms(p["gus"]), "peerbot-talk-wish-invite-")
    assert "5 people want a talk on *sql*; you answered 1 question on it" in shown(invitation)
    assert not any(with_block(slack.dms(u), "peerbot-talk-wish-invite-")
                   for u in (world.alice, world.bob, world.carol, p["dana"]))
    assert "6 people want one" in world.say(world.carol, hub, "/talks", "wish sql")  # still one invitation
    at(world, clock, MONDAY + timedelta(days=7))
    assert len(with_block(slack.dms(p["gus"]), "peerbot-talk-wish-invite-")) == 1


def test_talks_need_a_home_channel_first(world):
    assert "/peerbot talks on" in world.say(world.alice, world.general, "/talks")
