"""Onboarding buddies end to end, after the match (PROGRAMMES.md §2-3):
three unanswered check-ins pause the person and ask stay / pause / leave;
ratings and comments; the day-1 "first chat" button, which only the hire and
buddy may press; the day-90 wrap-up with its public thanks and invitation."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import BuddyPairing, CheckIn, ProgrammeMember

ENROLLED = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # Monday
START = "2026-03-16"  # Monday; London moves to BST on 29 March
SUGGESTED = datetime(2026, 3, 9, 9, 15, tzinfo=timezone.utc)


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


def at(world, clock, moment) -> str:
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


def morning(day: str) -> datetime:
    """10:15 in London on that day (after the 10:00 check-in time, BST or not)."""
    moment = datetime.fromisoformat(day).replace(hour=10, minute=15, tzinfo=timezone.utc)
    return moment - timedelta(hours=1) if moment.month in (4, 5, 6, 7, 8, 9) else moment


@pytest.fixture
def paired(world):
    """hana starts on 16 March with mo as manager; mo picks the top volunteer."""
    class Clock:
        now = ENROLLED

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    p = {name: slack.add_user(name) for name in ("hana", "vic", "val", "mo")}
    hub = slack.add_channel("onboarding", members=[world.carol, *p.values()])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "buddies on")
    for name in ("vic", "val"):
        assert "buddy pool" in world.say(p[name], hub, "/buddy", "volunteer")
    assert "is enrolled" in world.say(world.carol, hub, "/buddy", f"@hana start:{START} manager:@mo")
    at(world, Clock, SUGGESTED)
    suggestion = with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")[0]
    slack.click(p["mo"], ids.BUDDY_PICK, channel=slack.dm_channel(p["mo"]), ts=suggestion["ts"])
    world.settle()
    with world.deps.db.read() as session:
        pairing = session.scalars(select(BuddyPairing)).one()
    p["buddy"] = pairing.buddy_id
    return Clock, p, hub, pairing.id


def set_checkin_days(world, hub, days: str) -> None:
    slack = world.slack
    assert slack.command(world.carol, hub, "/peerbot", "buddies settings").acked
    world.settle()
    modal = slack.modal(world.carol)
    assert slack.submit_view(world.carol, modal["id"], {"checkin_days": {"checkin_days": days}}).outcome == "closed"
    world.settle()


def status_of(world, user, role="hire") -> str:
    with world.deps.db.read() as session:
        return session.scalars(select(ProgrammeMember.status).where(ProgrammeMember.user_id == user,
                                                                    ProgrammeMember.role == role)).one()


@pytest.mark.parametrize("choice", ["stay", "pause", "leave"])
def test_three_unanswered_checkins_pause_and_ask(world, paired, choice):
    clock, p, hub, pairing_id = paired
    slack = world.slack
    set_checkin_days(world, hub, "7, 14, 21, 30, 45")
    hana_dm = slack.dm_channel(p["hana"])
    # hana leaves the day 7, 14 and 21 check-ins unanswered; her buddy answers.
    for day, step in (("2026-03-23", "d7"), ("2026-03-30", "d14"), ("2026-04-06", "d21")):
        assert "checked in" in at(world, clock, morning(day))
        theirs = with_block(slack.dms(p["buddy"]), f"peerbot-checkin-b{pairing_id}-{step}")
        slack.click(p["buddy"], ids.CHECKIN_MET, channel=slack.dm_channel(p["buddy"]), ts=theirs[0]["ts"])
        world.settle()
    assert len(with_block(slack.dms(p["hana"]), "peerbot-checkin-")) == 3
    # Day 30: instead of a fourth check-in she is paused and asked, once; her buddy is asked as usual.
    assert "paused" in at(world, clock, morning("2026-04-15"))
    assert "paused" not in at(world, clock, morning("2026-04-15") + timedelta(minutes=15))
    assert not with_block(slack.dms(p["hana"]), f"peerbot-checkin-b{pairing_id}-d30")
    assert with_block(slack.dms(p["buddy"]), f"peerbot-checkin-b{pairing_id}-d30")
    question, = with_block(slack.dms(p["hana"]), "peerbot-checkin-pause-")
    assert "last three" in shown(question) and status_of(world, p["hana"]) == "paused"
    action = {"stay": ids.CHECKIN_STAY, "pause": ids.CHECKIN_PAUSE, "leave": ids.CHECKIN_LEAVE}[choice]
    slack.click(p["hana"], action, channel=hana_dm, ts=question["ts"])
    world.settle()
    answered = shown(slack.message(hana_dm, question["ts"]))
    assert {"stay": "staying", "pause": "Press Resume", "leave": "left the programme"}[choice] in answered
    assert ids.CHECKIN_LEAVE not in answered  # the choice is made
    assert (ids.CHECKIN_STAY in answered) == (choice == "pause")  # a paused person can come back
    assert status_of(world, p["hana"]) == {"stay": "active", "pause": "paused", "leave": "left"}[choice]
    # Day 45: the check-in reaches her only if she stayed; her buddy either way.
    at(world, clock, morning("2026-04-30"))
    assert bool(with_block(slack.dms(p["hana"]), f"peerbot-checkin-b{pairing_id}-d45")) == (choice == "stay")
    assert with_block(slack.dms(p["buddy"]), f"peerbot-checkin-b{pairing_id}-d45")
    if choice == "pause":
        slack.click(p["hana"], ids.CHECKIN_STAY, channel=hana_dm, ts=question["ts"])
        world.settle()
        assert status_of(world, p["hana"]) == "active" and "staying" in shown(slack.message(hana_dm, question["ts"]))


def test_first_chat_ratings_comment_and_the_day_90_wrap_up(world, paired):
    clock, p, hub, pairing_id = paired
    slack = world.slack
    # Day 1: the group DM has a "first chat" button for the hire and buddy only.
    assert "introduced" in at(world, clock, datetime(2026, 3, 16, 9, 45, tzinfo=timezone.utc))
    (group, messages), = slack.group_dms(p["hana"]).items()
    intro = with_block(messages, "peerbot-buddy-intro-")[0]
    before = len(slack.ephemerals(user=p["mo"]))
    slack.click(p["mo"], ids.BUDDY_MET, channel=group, ts=intro["ts"])  # the manager is in the group DM too
    world.settle()
    refusal = slack.ephemerals(user=p["mo"])[before:]
    assert len(refusal) == 1 and "only they can press it" in refusal[0]["text"]
    with world.deps.db.read() as session:
        assert session.scalars(select(CheckIn)).all() == []
    for _ in range(2):  # a double click is noted once
        slack.click(p["hana"], ids.BUDDY_MET, channel=group, ts=intro["ts"])
        world.settle()
    assert len([m for m in slack.messages(group) if "first chat" in m["text"]]) == 1
    assert "Already noted" in slack.ephemerals(user=p["hana"])[-1]["text"]
    with world.deps.db.read() as session:
        first, = session.scalars(select(CheckIn)).all()
        assert (first.user_id, first.answer, first.met_at is not None) == (p["hana"], "met", True)

    # Day 7: Met, then 4 out of 5 and a comment; only she sees her rating.
    at(world, clock, morning("2026-03-23"))
    hana_dm = slack.dm_channel(p["hana"])
    checkin = with_block(slack.dms(p["hana"]), f"peerbot-checkin-b{pairing_id}-d7")[0]
    slack.click(p["hana"], ids.CHECKIN_MET, channel=hana_dm, ts=checkin["ts"])
    world.settle()
    slack.click(p["hana"], f"{ids.CHECKIN_RATE}_4", channel=hana_dm, ts=checkin["ts"])
    world.settle()
    assert "useful: 4/5" in shown(slack.message(hana_dm, checkin["ts"]))
    slack.click(p["hana"], ids.CHECKIN_COMMENT, channel=hana_dm, ts=checkin["ts"])
    world.settle()
    modal = slack.modal(p["hana"])
    slack.submit_view(p["hana"], modal["id"], {ids.CHECKIN_COMMENT_INPUT: {ids.CHECKIN_COMMENT_INPUT:
                                                                           "Lunch together <3, very helpful"}})
    world.settle()
    with world.deps.db.read() as session:
        row = session.scalars(select(CheckIn).where(CheckIn.user_id == p["hana"], CheckIn.step == "d7")).one()
        assert (row.answer, row.rating, row.comment) == ("met", 4, "Lunch together <3, very helpful")
    # Admins never see ratings or comments per person.
    slack.open_home(world.carol)
    world.settle()
    assert "helpful" not in shown(slack.home(world.carol)) and "4/5" not in shown(slack.home(world.carol))

    # Day 90 (14 June is a Sunday, so Monday 15 June): a wrap-up to both, once; the pairing ends.
    assert "wrapped up" in at(world, clock, morning("2026-06-15"))
    assert "wrapped up" not in at(world, clock, morning("2026-06-15") + timedelta(minutes=15))
    hana_wrap, = with_block(slack.dms(p["hana"]), "peerbot-buddy-wrapup-")
    assert len(with_block(slack.dms(p["buddy"]), "peerbot-buddy-wrapup-")) == 1
    with world.deps.db.read() as session:
        assert session.get(BuddyPairing, pairing_id).status == "ended"
    assert not [m for m in slack.messages(hub) if m.get("bot_id")]  # nothing public unless she chooses
    # She thanks her buddy publicly (twice: posted once) and becomes a buddy herself.
    for _ in range(2):
        slack.click(p["hana"], ids.BUDDY_THANKS, channel=hana_dm, ts=hana_wrap["ts"])
        world.settle()
    thanks = [m for m in slack.messages(hub) if m.get("bot_id")]
    assert len(thanks) == 1 and f"<@{p['hana']}> thanks <@{p['buddy']}>" in shown(thanks[0])
    slack.click(p["hana"], ids.BUDDY_VOLUNTEER, channel=hana_dm, ts=hana_wrap["ts"])
    world.settle()
    assert status_of(world, p["hana"], role="buddy") == "active"
    assert "buddy pool" in slack.ephemerals(user=p["hana"])[-1]["text"]
