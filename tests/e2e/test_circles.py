"""Peer coaching circles end to end (PROGRAMMES.md §5) with controlled time:
a round's opt-in window (card button and /circle join), 11 opt-ins forming
circles of 4, 4 and 3, the time set by the circle, a facilitator rotation in
which everyone facilitates once before anyone twice, reminders sent once
however often the job runs, attendance by the facilitator only, commitments
followed up at the next session; too few people; bad input."""

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import CheckIn, Circle, CircleAttendance, CircleCommitment

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
CLOSES = MONDAY + timedelta(days=7)
FIRST = datetime(2026, 3, 24, 14, 0, tzinfo=timezone.utc)  # a Tuesday, 14:00 UTC


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


def at(world, clock, moment):
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


@pytest.fixture
def programme(world):
    class Clock:
        now = MONDAY

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    people = [slack.add_user(f"peer{n:02d}") for n in range(11)]
    hub = slack.add_channel("circles", members=[world.carol, world.alice, *people])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "circles on")
    return Clock, people, hub


def group_of(world, user):
    (channel, messages), = world.slack.group_dms(user).items()
    return channel, messages


def test_eleven_opt_ins_form_circles_that_meet_rotate_and_follow_up(world, programme):
    clock, people, hub = programme
    slack = world.slack
    assert "no circle round open" in world.say(people[0], hub, "/circle", "join")
    assert "Only workspace admins" in world.say(world.alice, hub, "/circle", "open")
    assert "round is open until" in world.say(world.carol, hub, "/circle", "open")
    assert "already open" in world.say(world.carol, hub, "/circle", "open")
    card, = [m for m in slack.messages(hub) if m.get("bot_id")]
    assert ids.CIRCLE_JOIN in shown(card)
    for user in people[:6]:  # the card's button
        slack.click(user, ids.CIRCLE_JOIN, channel=hub, ts=card["ts"])
    world.settle()
    for user in people[6:]:
        assert "You're in" in world.say(user, hub, "/circle", "join")
    assert "already joined" in world.say(people[0], hub, "/circle", "join")
    assert "nothing due" in at(world, clock, CLOSES - timedelta(minutes=5)).split("circles:")[1]

    # The window closes: circles of 4, 4 and 3, once, each with its group DM.
    assert "1 round formed" in at(world, clock, CLOSES + timedelta(minutes=5))
    assert "round formed" not in at(world, clock, CLOSES + timedelta(minutes=20))
    with world.deps.db.read() as session:
        formed = session.scalars(select(Circle)).all()
    assert sorted(len(json.loads(c.members)) for c in formed) == [3, 4, 4]
    assert sorted(u for c in formed for u in json.loads(c.members)) == sorted(people)
    circle = next(c for c in formed if len(json.loads(c.members)) == 4)
    members = json.loads(circle.members)
    channel, messages = group_of(world, members[0])
    assert slack.ws.conversation(channel).members == {*members, slack.bot_user_id}
    intro, = with_block(messages, "peerbot-circle-intro-")

    # The first member to set the time sets it; a time in the past is refused in the form.
    slack.click(members[1], ids.CIRCLE_SET_TIME, channel=channel, ts=intro["ts"])
    world.settle()
    modal = slack.modal(members[1])
    past = slack.submit_view(members[1], modal["id"], {"when": {"when": int((CLOSES - timedelta(days=1)).timestamp())}})
    assert past.outcome == "errors"
    slack.submit_view(members[1], modal["id"], {"when": {"when": int(FIRST.timestamp())}})
    world.settle()
    assert f"<@{members[1]}> set the circle's time" in shown(group_of(world, members[0])[1][-1])
    assert "Next: session 1" in world.say(members[2], hub, "/circle")
    slack.open_home(members[2])
    world.settle()
    assert "Coaching circle: session 1" in shown(slack.home(members[2]))

    # Six sessions: announced 3 days ahead, reminded 1 day and 15 minutes before, once each.
    facilitators = []
    for n in range(6):
        starts = FIRST + timedelta(days=14 * n)
        for moment in (starts - timedelta(days=3), starts - timedelta(days=1), starts - timedelta(minutes=15)):
            at(world, clock, moment + timedelta(minutes=1))
            again = at(world, clock, moment + timedelta(minutes=5)).split("circles:")[1]
            assert "announced" not in again and "reminded" not in again
        messages = group_of(world, members[0])[1]
        announced, = with_block(messages, f"peerbot-circle-announce-{circle.id}-{n + 1}")
        facilitators.append(next(m for m in members if f"<@{m}> facilitates" in shown(announced)))
        assert "clarifying questions" in shown(announced)
        assert len(with_block(messages, f"peerbot-circle-remind-1d-{circle.id}-{n + 1}")) == 1
        assert len(with_block(messages, f"peerbot-circle-remind-15m-{circle.id}-{n + 1}")) == 1
        if n == 0:
            _after_first_session(world, clock, circle, members, starts, facilitators[0])
    # Everyone facilitates once before anyone twice.
    assert len(set(facilitators[:4])) == 4 and Counter(facilitators).most_common(1)[0][1] == 2
    assert not [m for m in slack.messages(world.general) if m.get("bot_id")]
    card, = [m for m in slack.messages(hub) if m.get("bot_id")]  # the round card, no more
    assert "11 joined and 3 circles were formed" in shown(card) and ids.CIRCLE_JOIN not in shown(card)


def _after_first_session(world, clock, circle, members, starts, facilitator):
    slack = world.slack
    at(world, clock, starts + timedelta(minutes=65))
    channel, messages = group_of(world, members[0])
    after, = with_block(messages, f"peerbot-circle-after-{circle.id}-1")
    # Each member is asked, by DM with the shared check-in, whether they were there and how useful it was.
    for member in members:
        assert len(with_block(slack.dms(member), f"peerbot-checkin-c{circle.id}-s1")) == 1
    checkin, = with_block(slack.dms(members[0]), f"peerbot-checkin-c{circle.id}-s1")
    slack.click(members[0], ids.CHECKIN_MET, channel=slack.dm_channel(members[0]), ts=checkin["ts"])
    world.settle()
    slack.click(members[0], f"{ids.CHECKIN_RATE}_4", channel=slack.dm_channel(members[0]), ts=checkin["ts"])
    world.settle()
    with world.deps.db.read() as session:
        answer = session.scalars(select(CheckIn).where(CheckIn.user_id == members[0])).one()
    assert (answer.kind, answer.answer, answer.rating) == ("circles", "met", 4)
    # Another member presses the facilitator's button: refused, nothing changes.
    other = next(m for m in members if m != facilitator)
    slack.click(other, ids.CIRCLE_ATTENDANCE, channel=channel, ts=after["ts"])
    world.settle()
    assert "Only this session's facilitator" in shown(slack.ephemerals(user=other)[-1])
    slack.click(facilitator, ids.CIRCLE_ATTENDANCE, channel=channel, ts=after["ts"])
    world.settle()
    modal = slack.modal(facilitator)
    slack.submit_view(facilitator, modal["id"], {"present": {"present": members[:3]}})
    world.settle()
    for member in members[:2]:
        slack.click(member, ids.CIRCLE_COMMIT, channel=channel, ts=after["ts"])
        world.settle()
        modal = slack.modal(member)
        slack.submit_view(member, modal["id"], {"commitment": {"commitment": f"Ask <@{member}> for a review"}})
        world.settle()
    with world.deps.db.read() as session:
        present = {a.user_id: a.present for a in session.scalars(select(CircleAttendance))}
        assert present == {m: m in members[:3] for m in members}
        assert len(session.scalars(select(CircleCommitment)).all()) == 2
    # At the next session's announcement the commitments are listed; only their owner marks them.
    at(world, clock, starts + timedelta(days=11, minutes=1))
    announced, = with_block(group_of(world, members[0])[1], f"peerbot-circle-announce-{circle.id}-2")
    assert "Ask &lt;@" in shown(announced)  # commitments are escaped
    with world.deps.db.read() as session:
        mine = session.scalars(select(CircleCommitment).where(CircleCommitment.user_id == members[0])).one()
    slack.click(members[1], f"{ids.CIRCLE_FOLLOW_UP}_done", channel=channel, ts=announced["ts"],
                block_id=f"cfollow-{mine.id}")
    world.settle()
    assert "only they can say" in shown(slack.ephemerals(user=members[1])[-1])
    slack.click(members[0], f"{ids.CIRCLE_FOLLOW_UP}_partly", channel=channel, ts=announced["ts"],
                block_id=f"cfollow-{mine.id}")
    world.settle()
    assert "*partly*" in shown(slack.message(channel, announced["ts"]))
    with world.deps.db.read() as session:
        assert session.get(CircleCommitment, mine.id).outcome == "partly"


def test_too_few_opt_ins_mean_no_round_and_they_are_told(world, programme):
    clock, people, hub = programme
    world.say(world.carol, hub, "/circle", "open")
    for user in people[:2]:
        world.say(user, hub, "/circle", "join")
    assert "You're in" in world.say(people[2], hub, "/circle", "join")
    assert "left this round" in world.say(people[2], hub, "/circle", "leave")
    assert "six sessions every two weeks" in world.say(world.carol, hub, "/peerbot", "circles settings")
    assert "1 round cancelled" in at(world, clock, CLOSES + timedelta(minutes=5))
    for user in people[:2]:
        told = with_block(world.slack.dms(user), "peerbot-circle-unplaced-")
        assert len(told) == 1 and "Only 2 people joined" in shown(told[0])
    assert not with_block(world.slack.dms(people[2]), "peerbot-circle-unplaced-")
    with world.deps.db.read() as session:
        assert session.scalars(select(Circle)).all() == []
    assert "no circle round open" in world.say(people[0], hub, "/circle", "join")


def test_a_manager_and_two_of_their_reports_land_in_three_different_circles(world, programme):
    """Managers are known where a new hire was enrolled with one (/buddy ... manager:@m)."""
    clock, people, hub = programme
    slack = world.slack
    people = [*people, slack.add_user("peer11")]  # twelve: three circles of four
    with slack.ws.lock:
        slack.ws.conversation(hub).members.add(people[-1])
    onboarding = slack.add_channel("onboarding", members=[world.carol, *people])
    assert "is on" in world.say(world.carol, onboarding, "/peerbot", "buddies on")
    manager, reports = people[0], people[1:3]  # peer00 manages peer01 and peer02
    for report in ("peer01", "peer02"):
        assert "is enrolled" in world.say(world.carol, onboarding, "/buddy",
                                          f"@{report} start:2026-03-16 manager:@peer00")
    world.say(world.carol, hub, "/circle", "open")
    for user in people:
        assert "You're in" in world.say(user, hub, "/circle", "join")
    assert "1 round formed" in at(world, clock, CLOSES + timedelta(minutes=5))
    with world.deps.db.read() as session:
        formed = [json.loads(c.members) for c in session.scalars(select(Circle))]
    assert sorted(map(len, formed)) == [4, 4, 4]
    assert [sum(u in members for u in (manager, *reports)) for members in formed] == [1, 1, 1]
