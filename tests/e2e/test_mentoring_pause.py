"""The shared check-in in mentoring (PROGRAMMES.md §2, §4): a mentee who
leaves three check-ins unanswered in a row (days 14, 42 and 70) is paused
and asked stay / pause / leave once, a week after the third; what each
choice means for the mentorship. Her mentor, who answers, is never asked."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import Mentorship, ProgrammeMember

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # London is UTC until 29 March


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def at(world, clock, moment) -> str:
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


def dm(world, user, fragment):
    """The bot's DMs to `user` whose blocks contain `fragment`, each with its channel."""
    channel = world.slack.dm_channel(user)
    return [{**m, "channel": channel} for m in world.slack.dms(user) if fragment in json.dumps(m.get("blocks"))]


def click(world, user, action_id, message):
    world.slack.click(user, action_id, channel=message["channel"], ts=message["ts"])
    world.settle()


def enrol(world, hub, user, role, topics):
    slack = world.slack
    assert slack.command(user, hub, "/mentor", "enrol").acked
    view = slack.wait_for(lambda: slack.modal(user))
    world.settle()
    values = {"role": {"role": role}, "topics": {"topics": topics}, "capacity": {"capacity": "2"}}
    assert slack.submit_view(user, view["id"], values).outcome == "closed"
    world.settle()


def status_of(world, user, role) -> str:
    with world.deps.db.read() as session:
        return session.scalars(select(ProgrammeMember.status).where(
            ProgrammeMember.kind == "mentoring", ProgrammeMember.user_id == user, ProgrammeMember.role == role)).one()


@pytest.fixture
def pair(world):
    """Mia (mentee) and Max (mentor), matched on Monday 2 March."""
    class Clock:
        now = MONDAY

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    p = {name: slack.add_user(name) for name in ("mia", "max")}
    hub = slack.add_channel("mentoring", members=[world.carol, *p.values()])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "mentoring on")
    enrol(world, hub, p["max"], "mentor", "sql")
    enrol(world, hub, p["mia"], "mentee", "sql")
    click(world, p["mia"], ids.MENTOR_REQUEST, dm(world, p["mia"], ids.MENTOR_REQUEST)[0])
    click(world, p["max"], ids.MENTOR_ACCEPT, dm(world, p["max"], "peerbot-mentor-request-")[0])
    with world.deps.db.read() as session:
        mentorship_id = session.scalars(select(Mentorship.id)).one()
    return Clock, p, hub, mentorship_id


@pytest.mark.parametrize("choice", ["stay", "pause", "leave"])
def test_three_unanswered_mentoring_checkins_pause_and_ask_the_mentee(world, pair, choice):
    clock, p, hub, m = pair
    slack = world.slack
    # Days 14, 42 and 70 at 10:00 London (BST from 29 March): Max answers each, Mia none.
    for day, utc_hour in ((14, 10), (42, 9), (70, 9)):
        result = at(world, clock, MONDAY + timedelta(days=day, hours=utc_hour - 10, minutes=5))
        assert "2 checked in" in result and "paused" not in result  # the third may still be answered
        click(world, p["max"], ids.CHECKIN_MET, dm(world, p["max"], f"peerbot-checkin-m{m}-d{day}")[0])
    # A week after the third she is paused and asked, once however often the job runs; Max is not.
    day_77 = MONDAY + timedelta(days=77, hours=-1, minutes=5)
    assert "1 paused" in at(world, clock, day_77)
    assert "paused" not in at(world, clock, day_77 + timedelta(minutes=15))
    question, = dm(world, p["mia"], "peerbot-checkin-pause-")
    assert "last three mentoring check-ins" in shown(question)
    assert not dm(world, p["max"], "peerbot-checkin-pause-")
    assert (status_of(world, p["mia"], "mentee"), status_of(world, p["max"], "mentor")) == ("paused", "active")

    action = {"stay": ids.CHECKIN_STAY, "pause": ids.CHECKIN_PAUSE, "leave": ids.CHECKIN_LEAVE}[choice]
    click(world, p["mia"], action, question)
    answered = shown(slack.message(question["channel"], question["ts"]))
    assert {"stay": "staying", "pause": "Press Resume", "leave": "left the programme"}[choice] in answered
    assert status_of(world, p["mia"], "mentee") == {"stay": "active", "pause": "paused", "leave": "left"}[choice]
    with world.deps.db.read() as session:
        mentorship = session.get(Mentorship, m)
    if choice == "leave":
        # Leaving ends the mentorship: Max is told who ended it, and nothing more reaches Mia.
        assert (mentorship.status, mentorship.end_reason) == ("ended", "ended_early")
        told, = dm(world, p["max"], "peerbot-mentor-ended-")
        assert f"<@{p['mia']}> ended the mentorship with you early" in shown(told)
        before = len(slack.dms(p["mia"]))
        at(world, clock, mentorship.ends_at + timedelta(minutes=5))
        assert len(slack.dms(p["mia"])) == before
        return
    # Max extends at the end; the day-98 check-in reaches Mia only if she stayed, Max either way.
    assert mentorship.status == "active"
    at(world, clock, mentorship.ends_at + timedelta(minutes=5))
    click(world, p["max"], ids.MENTOR_EXTEND, dm(world, p["max"], "peerbot-mentor-survey-")[0])
    at(world, clock, MONDAY + timedelta(days=98, hours=-1, minutes=5))
    assert bool(dm(world, p["mia"], f"peerbot-checkin-m{m}-d98")) == (choice == "stay")
    assert dm(world, p["max"], f"peerbot-checkin-m{m}-d98")
    if choice == "pause":  # Resume brings her back
        click(world, p["mia"], ids.CHECKIN_STAY, question)
        assert status_of(world, p["mia"], "mentee") == "active"
