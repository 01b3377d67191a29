"""Onboarding buddies end to end (PROGRAMMES.md §3) with controlled time:
enrolment, suggestions, the automatic pick, heads-up, the day-1 group DM
(once), check-ins, needs attention; and bad input that changes nothing."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import BuddyPairing, CheckIn

ENROLLED = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # Monday; London is UTC until 29 March
START = "2026-03-16"  # Monday


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def at(world, clock, moment):
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


@pytest.fixture
def programme(world):
    class Clock:
        now = ENROLLED

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    people = {name: slack.add_user(name) for name in ("hana", "ivan", "vic", "val", "vera", "mo")}
    hub = slack.add_channel("onboarding", members=[world.carol, *people.values()])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "buddies on")
    for name in ("vic", "val", "vera"):
        assert "buddy pool" in world.say(people[name], hub, "/buddy", "volunteer")
    return Clock, people, hub


def test_a_new_hire_gets_a_buddy_meets_and_is_checked_in_on(world, programme):
    clock, p, hub = programme
    slack = world.slack
    assert "is enrolled" in world.say(world.carol, hub, "/buddy", f"@hana start:{START} manager:@mo")
    # Nothing before the assignment day (5 business days before the start).
    assert "nothing due" in at(world, clock, ENROLLED + timedelta(days=6))
    assert "suggested" in at(world, clock, datetime(2026, 3, 9, 9, 15, tzinfo=timezone.utc))
    suggestions = with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")
    assert len(suggestions) == 1
    picks = [b for b in suggestions[0]["blocks"] if b.get("accessory", {}).get("action_id") == ids.BUDDY_PICK]
    assert len(picks) == 3
    top = picks[0]["accessory"]["value"].split(":")[1]
    # Nobody picks: after 2 business days the top suggestion is taken; the heads-up follows.
    assert "auto-picked" not in at(world, clock, datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc))
    result = at(world, clock, datetime(2026, 3, 11, 9, 30, tzinfo=timezone.utc))
    assert "auto-picked" in result and "heads-up" in result
    with world.deps.db.read() as session:
        pairing = session.scalars(select(BuddyPairing)).one()
        assert (pairing.buddy_id, pairing.assigned_how) == (top, "auto")
    assert with_block(slack.dms(top), "peerbot-buddy-headsup-")
    assert with_block(slack.dms(world.carol), "peerbot-buddy-autopick-")
    # Day 1, 09:30 local: one group DM with the hire, buddy and manager, even when the job runs twice.
    day1 = datetime(2026, 3, 16, 9, 45, tzinfo=timezone.utc)
    assert "introduced" in at(world, clock, day1)
    assert "introduced" not in at(world, clock, day1)
    groups = slack.group_dms(p["hana"])
    assert len(groups) == 1
    (group_id, messages), = groups.items()
    assert len(with_block(messages, "peerbot-buddy-intro-")) == 1
    info = slack.ws.conversation(group_id)
    assert info.kind == "mpim" and info.members == {p["hana"], top, p["mo"], slack.bot_user_id}
    # Check-ins on day 7 and day 30, to both; the hire answers Met.
    for moment, step in ((datetime(2026, 3, 23, 10, 15, tzinfo=timezone.utc), "d7"),
                         (datetime(2026, 4, 15, 9, 15, tzinfo=timezone.utc), "d30")):  # 10:15 BST
        assert "checked in" in at(world, clock, moment)
        assert "checked in" not in at(world, clock, moment + timedelta(minutes=15))
        mine = with_block(slack.dms(p["hana"]), f"peerbot-checkin-b{pairing.id}-{step}")
        assert len(mine) == 1 and len(with_block(slack.dms(top), f"peerbot-checkin-b{pairing.id}-{step}")) == 1
        slack.click(p["hana"], ids.CHECKIN_MET, channel=slack.dm_channel(p["hana"]), ts=mine[0]["ts"])
        world.settle()
    with world.deps.db.read() as session:
        answers = {(c.user_id, c.step): c.answer for c in session.scalars(select(CheckIn))}
    assert answers[(p["hana"], "d7")] == answers[(p["hana"], "d30")] == "met"
    assert answers[(top, "d7")] is None
    # Nothing of this ever reached a channel.
    for channel in (world.general, hub):
        assert not [m for m in slack.messages(channel) if m.get("bot_id")]


def test_not_yet_shows_in_needs_attention_until_a_meeting_is_reported(world, programme):
    clock, p, hub = programme
    slack = world.slack
    world.say(world.carol, hub, "/buddy", f"@ivan start:{START} manager:@mo")
    at(world, clock, datetime(2026, 3, 9, 9, 15, tzinfo=timezone.utc))
    suggestion = with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")[0]
    slack.click(p["mo"], ids.BUDDY_PICK, channel=slack.dm_channel(p["mo"]), ts=suggestion["ts"])
    world.settle()
    with world.deps.db.read() as session:
        pairing = session.scalars(select(BuddyPairing)).one()
    assert pairing.assigned_how == "picked"
    at(world, clock, datetime(2026, 3, 23, 10, 15, tzinfo=timezone.utc))
    checkin = with_block(slack.dms(p["ivan"]), "peerbot-checkin-")[0]
    slack.click(p["ivan"], ids.CHECKIN_NOT_YET, channel=slack.dm_channel(p["ivan"]), ts=checkin["ts"])
    world.settle()

    def attention():
        slack.open_home(world.carol)
        world.settle()
        return shown(slack.home(world.carol))

    clock.now = datetime(2026, 3, 30, 12, 0, tzinfo=timezone.utc)  # day 14
    assert f"<@{p['ivan']}>" in attention() and "no meeting reported" in attention()
    answered = slack.message(slack.dm_channel(p["ivan"]), checkin["ts"])
    assert "We met" in shown(answered)
    slack.click(p["ivan"], ids.CHECKIN_MET, channel=slack.dm_channel(p["ivan"]), ts=checkin["ts"])
    world.settle()
    assert "no meeting reported" not in attention()


def test_bad_input_gets_a_clear_answer_and_changes_nothing(world, programme):
    clock, p, hub = programme
    slack = world.slack
    robot = slack.add_user("robot", is_bot=True)
    gone = slack.add_user("gone")
    slack.deactivate(gone)
    with slack.ws.lock:
        slack.ws.conversation(hub).members.update({robot, gone})
    assert "is a bot" in world.say(world.carol, hub, "/buddy", f"@robot start:{START}")
    assert "deactivated" in world.say(world.carol, hub, "/buddy", f"@gone start:{START}")
    assert "own manager" in world.say(world.carol, hub, "/buddy", f"@hana start:{START} manager:@hana")
    assert "not a start date" in world.say(world.carol, hub, "/buddy", "@hana start:16/03/2026")
    assert "days ago" in world.say(world.carol, hub, "/buddy", "@hana start:2025-01-01")
    assert "autocomplete" in world.say(world.carol, hub, "/buddy", "@nobody-here start:2026-03-16")
    assert "Only workspace admins" in world.say(world.alice, world.general, "/buddy", f"@hana start:{START}")
    assert "already on here" in world.say(world.carol, hub, "/peerbot", "buddies on")
    assert "Usage" in world.say(world.carol, hub, "/peerbot", "circles")
    with world.deps.db.read() as session:
        assert session.scalars(select(BuddyPairing)).all() == []
