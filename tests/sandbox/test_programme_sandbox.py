"""What the programmes need from the sandbox, as Slack does it: group DMs
from conversations.open, member_joined_channel and team_join deliveries,
users' time zones, deactivated accounts."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError


def error_of(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value.response["error"]


def test_conversations_open_with_several_users_gives_one_group_dm(sb, client, people):
    alice, bob, _general = people
    carol = sb.add_user("carol")
    first = client.conversations_open(users=f"{alice},{bob},{carol}")
    again = client.conversations_open(users=f"{carol},{alice},{bob}")  # any order: the same set
    assert first["channel"]["id"] == again["channel"]["id"] and again["already_open"] is True
    assert "already_open" not in first.data
    info = client.conversations_info(channel=first["channel"]["id"])["channel"]
    assert info["is_mpim"] is True and info["is_private"] is True
    members = client.conversations_members(channel=first["channel"]["id"])["members"]
    assert set(members) == {alice, bob, carol, sb.bot_user_id}
    other = client.conversations_open(users=f"{alice},{bob}")["channel"]["id"]
    assert other != first["channel"]["id"]
    client.chat_postMessage(channel=other, text="hello both")
    assert [m["text"] for m in sb.group_dms(alice)[other]] == ["hello both"]
    # A single user is the bot's own DM with them, not a group.
    assert client.conversations_open(users=alice)["channel"]["id"] == sb.dm_channel(alice)


def test_conversations_open_refuses_like_slack(sb, client, people):
    alice, bob, _general = people
    robot = sb.add_user("robot", is_bot=True)
    gone = sb.add_user("gone")
    sb.deactivate(gone)
    many = [sb.add_user(f"u{i}") for i in range(9)]
    assert error_of(client.conversations_open, users="") == "users_list_not_supplied"
    assert error_of(client.conversations_open, users=f"{alice},U0NOBODY") == "user_not_found"
    assert error_of(client.conversations_open, users=f"{alice},{robot}") == "cannot_dm_bot"
    assert error_of(client.conversations_open, users=f"{alice},{gone}") == "user_disabled"
    assert error_of(client.conversations_open, users=gone) == "user_disabled"
    assert error_of(client.conversations_open, users=",".join(many)) == "too_many_users"
    assert sb.group_dms(alice) == {}


def test_users_have_time_zones_and_can_be_deactivated(sb, client):
    india = sb.add_user("priya", tz="Asia/Kolkata")
    utc = sb.add_user("uma", tz="UTC")
    user = client.users_info(user=india)["user"]
    assert (user["tz"], user["tz_offset"]) == ("Asia/Kolkata", 19800)
    assert client.users_info(user=utc)["user"]["tz_offset"] == 0
    assert user["deleted"] is False
    sb.deactivate(india)
    assert client.users_info(user=india)["user"]["deleted"] is True
    assert error_of(client.users_info, user="U0NOBODY") == "user_not_found"


def test_member_joined_channel_is_delivered_where_the_bot_is(sb, receiver, people):
    alice, bob, general = people
    outside = sb.add_channel("outside", members=[alice], bot_member=False)
    private = sb.add_channel("private", private=True, members=[alice])
    newbie = sb.add_user("newbie")
    sb.join_channel(newbie, general, inviter=alice)
    sb.join_channel(newbie, private)
    sb.join_channel(newbie, outside)  # the bot is not there: Slack sends it nothing
    joined = receiver.wait_for_events(2, "member_joined_channel")
    assert [(e["user"], e["channel"], e["channel_type"]) for e in joined] == [(newbie, general, "C"),
                                                                              (newbie, private, "G")]
    assert joined[0]["inviter"] == alice and "inviter" not in joined[1]
    assert joined[0]["team"] == sb.team_id
    body = receiver.requests[-1].json()
    assert body["type"] == "event_callback" and body["event_id"].startswith("Ev")
    assert len(receiver.events("member_joined_channel")) == 2
    sb.leave_channel(newbie, general)
    sb.leave_channel(alice, outside)
    left, = receiver.wait_for_events(1, "member_left_channel")
    assert (left["user"], left["channel"], left["channel_type"], left["team"]) == (newbie, general, "C", sb.team_id)
    assert newbie not in sb.ws.conversation(general).members


def test_team_join_carries_the_whole_user(sb, receiver):
    uid = sb.join_workspace("nina", real_name="Nina New", tz="America/New_York")
    event, = receiver.wait_for_events(1, "team_join")
    assert event["user"]["id"] == uid and event["user"]["real_name"] == "Nina New"
    assert event["user"]["tz"] == "America/New_York" and event["user"]["deleted"] is False
    assert isinstance(event["user"]["tz_offset"], int)
