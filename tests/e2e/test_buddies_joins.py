"""Onboarding buddies end to end: who comes in and how (PROGRAMMES.md §1, §3).
A new member (`team_join`) brings the programme's admin Enrol / Ignore once;
Enrol asks for the start date and manager in a modal. The volunteers channel
and `/buddy volunteer until DATE` fill the pool; `/buddy block` keeps two
people apart; an admin can preview a hire's suggestions before publishing."""

import copy
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import BlockedPair, BuddyPairing, MatchRound, ProgrammeMember

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # Monday
START = "2026-03-16"
SUGGEST_DAY = datetime(2026, 3, 9, 9, 15, tzinfo=timezone.utc)


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


def at(world, clock, moment) -> str:
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


@pytest.fixture
def on(world):
    class Clock:
        now = NOW

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    p = {name: slack.add_user(name) for name in ("vic", "val", "mo")}
    hub = slack.add_channel("onboarding", members=[world.carol, *p.values()])
    assert "is on" in world.say(world.carol, hub, "/peerbot", "buddies on")
    return Clock, p, hub


def team_join(world, user_id: str, event_id: str) -> None:
    with world.slack.ws.lock:
        event = {"type": "team_join", "user": copy.deepcopy(world.slack.ws.users[user_id]), "event_ts": "1.000001"}
    assert world.slack.deliver_event(event, event_id=event_id).acked
    world.settle()


def pool(world) -> dict[str, ProgrammeMember]:
    with world.deps.db.read() as session:
        return {m.user_id: m for m in session.scalars(select(ProgrammeMember).where(ProgrammeMember.role == "buddy"))}


def test_a_new_member_brings_the_admin_enrol_or_ignore_once(world, on):
    clock, p, hub = on
    slack = world.slack
    nina, omar = slack.add_user("nina"), slack.add_user("omar")
    robot = slack.add_user("robot", is_bot=True)
    # Slack retries (same event id) and duplicates (a new id): the admin hears once per member.
    for event_id in ("Ev0NINA", "Ev0NINA", "Ev0NINA2"):
        team_join(world, nina, event_id)
    team_join(world, omar, "Ev0OMAR")
    team_join(world, robot, "Ev0ROBOT")
    carol_dm = slack.dm_channel(world.carol)
    notes = with_block(slack.dms(world.carol), "peerbot-buddy-newcomer-")
    assert [n for n in notes if f"<@{nina}>" in n["text"]].__len__() == 1
    assert len(notes) == 2 and not [n for n in notes if f"<@{robot}>" in n["text"]]
    nina_note = next(n for n in notes if f"<@{nina}>" in n["text"])
    omar_note = next(n for n in notes if f"<@{omar}>" in n["text"])

    # Enrol: a modal asks for the start date and manager; bad input keeps it open and changes nothing.
    slack.click(world.carol, ids.BUDDY_NEWCOMER_ENROL, channel=carol_dm, ts=nina_note["ts"])
    world.settle()
    modal = slack.modal(world.carol)
    assert modal["callback_id"] == ids.BUDDY_ENROL_MODAL
    bad = slack.submit_view(world.carol, modal["id"], {
        ids.BUDDY_ENROL_START: {ids.BUDDY_ENROL_START: "2025-01-05"},
        ids.BUDDY_ENROL_MANAGER: {ids.BUDDY_ENROL_MANAGER: nina}})
    assert bad.outcome == "errors"
    errors = slack.modal(world.carol)["errors"]
    assert "days ago" in errors[ids.BUDDY_ENROL_START] and "own manager" in errors[ids.BUDDY_ENROL_MANAGER]
    with world.deps.db.read() as session:
        assert session.scalars(select(BuddyPairing)).all() == []
    good = slack.submit_view(world.carol, modal["id"], {
        ids.BUDDY_ENROL_START: {ids.BUDDY_ENROL_START: START},
        ids.BUDDY_ENROL_MANAGER: {ids.BUDDY_ENROL_MANAGER: p["mo"]}})
    assert good.outcome == "closed"
    world.settle()
    with world.deps.db.read() as session:
        pairing = session.scalars(select(BuddyPairing)).one()
    assert (pairing.hire_id, pairing.manager_id, pairing.start_date, pairing.enrolled_by) == \
        (nina, p["mo"], START, world.carol)
    decided = slack.message(carol_dm, nina_note["ts"])
    assert "is enrolled" in shown(decided) and ids.BUDDY_NEWCOMER_ENROL not in shown(decided)

    # Ignore: the buttons go, nobody is enrolled.
    slack.click(world.carol, ids.BUDDY_NEWCOMER_IGNORE, channel=carol_dm, ts=omar_note["ts"])
    world.settle()
    assert "Ignored" in shown(slack.message(carol_dm, omar_note["ts"]))
    with world.deps.db.read() as session:
        assert [pr.hire_id for pr in session.scalars(select(BuddyPairing))] == [nina]
    # The manager then gets the suggestions as for any hire.
    assert "suggested" in at(world, clock, SUGGEST_DAY)
    assert with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")


def test_the_volunteers_channel_and_volunteer_until(world, on):
    clock, p, hub = on
    slack = world.slack
    lee, kim, bot = slack.add_user("lee"), slack.add_user("kim"), slack.add_user("helperbot", is_bot=True)
    volunteers = slack.add_channel("buddy-volunteers", members=[lee, bot])
    # The volunteers channel is a setting; everyone already in it joins the pool, bots excepted.
    assert slack.command(world.carol, hub, "/peerbot", "buddies settings").acked
    world.settle()
    modal = slack.modal(world.carol)
    assert slack.submit_view(world.carol, modal["id"], {
        "volunteers_channel": {"volunteers_channel": volunteers}}).outcome == "closed"
    world.settle()
    assert set(pool(world)) == {lee}
    slack.join_channel(kim, volunteers)
    world.settle()
    assert set(pool(world)) == {lee, kim}
    slack.leave_channel(lee, volunteers)
    world.settle()
    assert pool(world)[lee].status == "left"
    slack.join_channel(lee, volunteers)
    world.settle()
    assert pool(world)[lee].status == "active"
    # A volunteer until a date is in the pool through that day, then no longer suggested.
    reply = world.say(p["vic"], hub, "/buddy", "volunteer until 2026-03-06")
    assert "leave the pool after 2026-03-06" in reply
    assert pool(world)[p["vic"]].until == datetime(2026, 3, 7, 0, 0, tzinfo=timezone.utc)
    assert "in the past" in world.say(p["val"], hub, "/buddy", "volunteer until 2026-03-01")
    assert p["val"] not in pool(world)
    world.say(world.carol, hub, "/buddy", f"@mo start:{START}")
    at(world, clock, SUGGEST_DAY)
    suggestion, = with_block(slack.dms(world.carol), "peerbot-buddy-suggest-")
    assert f"<@{lee}>" in shown(suggestion) and f"<@{kim}>" in shown(suggestion)
    assert f"<@{p['vic']}>" not in shown(suggestion)


def test_blocking_a_pairing(world, on):
    clock, p, hub = on
    slack = world.slack
    hana = slack.add_user("hana")
    with slack.ws.lock:
        slack.ws.conversation(hub).members.add(hana)
    for name in ("vic", "val"):
        world.say(p[name], hub, "/buddy", "volunteer")
    world.say(world.carol, hub, "/buddy", f"@hana start:{START} manager:@mo")
    # hana says "not vic"; a second block of the same pair changes nothing.
    assert "will never be paired" in world.say(hana, hub, "/buddy", "block @vic")
    assert "already blocked" in world.say(p["vic"], hub, "/buddy", "block @hana")
    # Blocking the last possible buddy is refused, and nothing changes.
    reply = world.say(p["mo"], hub, "/buddy", "block @hana @val")
    assert "only possible buddy left" in reply
    # Someone who is neither admin nor their manager can't block two other people.
    assert "Only workspace admins" in world.say(p["val"], hub, "/buddy", "block @hana @vic")
    assert "autocomplete" in world.say(hana, hub, "/buddy", "block @nobody-here")
    with world.deps.db.read() as session:
        pairs = [(b.user_a, b.user_b, b.blocked_by) for b in session.scalars(select(BlockedPair))]
    assert pairs == [(min(hana, p["vic"]), max(hana, p["vic"]), hana)]
    at(world, clock, SUGGEST_DAY)
    suggestion, = with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")
    assert f"<@{p['vic']}>" not in shown(suggestion) and f"<@{p['val']}>" in shown(suggestion)
    # The manager's free picker refuses the blocked person too.
    before = len(slack.ephemerals(user=p["mo"]))
    slack.click(p["mo"], ids.BUDDY_PICK_OTHER, channel=slack.dm_channel(p["mo"]), ts=suggestion["ts"],
                value=p["vic"])
    world.settle()
    assert "asked not to be" in slack.ephemerals(user=p["mo"])[before]["text"]
    with world.deps.db.read() as session:
        assert session.scalars(select(BuddyPairing)).one().buddy_id is None
    assert "may be paired again" in world.say(hana, hub, "/buddy", "unblock @vic")


def test_an_admin_previews_a_hires_suggestions_before_the_manager_sees_them(world, on):
    clock, p, hub = on
    slack = world.slack
    for name in ("vic", "val"):
        world.say(p[name], hub, "/buddy", "volunteer")
    assert slack.command(world.carol, hub, "/peerbot", "buddies settings").acked
    world.settle()
    modal = slack.modal(world.carol)
    assert slack.submit_view(world.carol, modal["id"], {"preview": {"preview": ["yes"]}}).outcome == "closed"
    world.settle()
    hana = slack.add_user("hana")
    with slack.ws.lock:
        slack.ws.conversation(hub).members.add(hana)
    world.say(world.carol, hub, "/buddy", f"@hana start:{START} manager:@mo")
    # The assignment day: the admin gets the preview (once); the manager nothing yet.
    assert "previewed" in at(world, clock, SUGGEST_DAY)
    assert "previewed" not in at(world, clock, SUGGEST_DAY.replace(minute=30))
    preview, = with_block(slack.dms(world.carol), "peerbot-round-preview-")
    assert f"<@{p['vic']}>" in shown(preview) and f"<@{p['val']}>" in shown(preview)
    assert not with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")
    slack.open_home(world.carol)
    world.settle()
    assert "round waits for your preview" in shown(slack.home(world.carol))
    # Publish: the manager gets the suggestions at once, in the previewed order.
    carol_dm = slack.dm_channel(world.carol)
    slack.click(world.carol, ids.ROUND_PUBLISH, channel=carol_dm, ts=preview["ts"])
    world.settle()
    published = shown(slack.message(carol_dm, preview["ts"]))
    assert "Published" in published and ids.ROUND_PUBLISH not in published
    suggestion, = with_block(slack.dms(p["mo"]), "peerbot-buddy-suggest-")
    with world.deps.db.read() as session:
        round_ = session.scalars(select(MatchRound)).one()
        pairing = session.scalars(select(BuddyPairing)).one()
    groups = json.loads(round_.proposal)["groups"]
    assert json.loads(pairing.suggestions) == [g[1] for g in groups]
    assert (round_.status, round_.published_by) == ("published", world.carol)
