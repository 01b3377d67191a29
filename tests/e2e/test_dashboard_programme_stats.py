"""`/peerbot stats programmes` through the sandbox: the same figures as the dashboard's Programmes
page (one metrics service), small groups as "<5", and the helpers in two roles for admins only.

Six hires start on the Mondays 2 Feb to 9 Mar 2026 (NOW is Wed 11 Mar), each with a buddy given on
26 Jan; the first buddy also mentors. Nobody reported a meeting yet."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from peerbot.services import conversations
from peerbot.store.models import BuddyPairing, ProgrammeMember

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)


def seed(world) -> list[str]:
    slack, team = world.slack, world.slack.team_id
    hires = [slack.add_user(f"hire{n}") for n in range(6)]
    buddies = [slack.add_user(f"buddy{n}") for n in range(6)]
    with world.deps.db.begin() as s:
        conversations.ensure_workspace(s, team, NOW)
        for n, (hire, buddy) in enumerate(zip(hires, buddies)):
            s.add(BuddyPairing(team_id=team, hire_id=hire, enrolled_by=world.carol, tz="UTC",
                               start_date=(date(2026, 2, 2) + timedelta(weeks=n)).isoformat(), buddy_id=buddy,
                               status="open", suggestions="[]", created_at=datetime(2026, 1, 20, tzinfo=timezone.utc),
                               assigned_at=datetime(2026, 1, 26, 10, tzinfo=timezone.utc), assigned_how="picked"))
            s.add(ProgrammeMember(team_id=team, kind="buddies", user_id=buddy, role="buddy", status="active",
                                  joined_at=NOW - timedelta(days=60)))
        s.add(ProgrammeMember(team_id=team, kind="mentoring", user_id=buddies[0], role="mentor", status="active",
                              joined_at=NOW - timedelta(days=5)))
    return buddies


def said(world, user: str, text: str) -> str:
    """The reply as read: the blocks' JSON escapes non-ASCII characters (→, ÷)."""
    return world.say(user, world.general, "/peerbot", text).encode().decode("unicode_escape")


def test_programme_stats_in_slack(world):
    world.deps.clock = lambda: NOW
    buddies = seed(world)
    reply = said(world, world.carol, "stats programmes")
    assert "Programmes, last 90 days" in reply
    assert "hires started *6* → buddy by day 1 *6* → met within 7 days *0*" in reply
    assert "Coverage (buddy by the first day ÷ hires started): *100%*" in reply
    assert "First meeting within 7 days (÷ hires with a buddy, 7 days in): *0%*" in reply
    assert "no meeting reported by day 14: *4*" in reply  # the hires of 2 to 23 Feb
    assert f"<@{buddies[0]}>: buddy, mentor" in reply  # carol is an admin

    # Alice is not an admin: the same figures, without the watch list.
    theirs = said(world, world.alice, "stats programmes")
    assert "hires started *6*" in theirs and "two or more roles" not in theirs
    # Two weeks: the hires of 2 and 9 Mar only, fewer than five.
    short = said(world, world.carol, "stats programmes 14d")
    assert "hires started *&lt;5*" in short and "last 14 days" in short


def test_no_programme_yet_and_bad_input(world):
    world.deps.clock = lambda: NOW
    assert "No programme is running yet" in world.say(world.carol, world.general, "/peerbot", "stats programmes")
    for text in ("stats programmes workspace", "stats programmes programmes", "stats programmes 7d 30d"):
        assert "Usage: `/peerbot stats" in world.say(world.carol, world.general, "/peerbot", text)
