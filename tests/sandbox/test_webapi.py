"""The Web API answers like Slack, errors included."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler


def error_of(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value.response["error"]


def raw_call(sb, method: str, data: dict | None = None, token: str | None = "default") -> tuple[int, dict]:
    token = sb.bot_token if token == "default" else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(sb.api_url + method, data=json.dumps(data or {}).encode(),
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_auth_errors_and_unknown_method(sb, client):
    assert client.auth_test()["user_id"] == sb.bot_user_id
    assert raw_call(sb, "auth.test", token=None) == (200, {"ok": False, "error": "not_authed"})
    assert raw_call(sb, "auth.test", token="xoxb-wrong")[1]["error"] == "invalid_auth"
    status, body = raw_call(sb, "chat.postMessagee", {"channel": "C1", "text": "x"})
    assert (status, body["ok"], body["error"]) == (404, False, "unknown_method")


def test_token_may_come_as_an_argument(sb):
    with urllib.request.urlopen(sb.api_url + f"auth.test?token={sb.bot_token}") as response:
        assert json.loads(response.read())["ok"] is True


def test_missing_required_argument(sb, client, people):
    assert error_of(client.api_call, api_method="chat.postMessage", json={"text": "hi"}) == "invalid_arguments"
    assert sb.calls_to("chat.postMessage")[-1].response["response_metadata"]["messages"]


def test_membership_errors(sb, client):
    alice = sb.add_user("alice")
    outside = sb.add_channel("random", members=[alice], bot_member=False)
    secret = sb.add_channel("secret", private=True, members=[alice], bot_member=False)
    human_dm = sb.add_im(alice, sb.add_user("bob"))
    assert secret.startswith("C")  # private channels have C ids too
    assert error_of(client.chat_postMessage, channel=outside, text="x") == "not_in_channel"
    assert error_of(client.conversations_history, channel=outside) == "not_in_channel"
    assert error_of(client.chat_postMessage, channel=secret, text="x") == "channel_not_found"
    assert error_of(client.conversations_info, channel=secret) == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=human_dm, text="x") == "channel_not_found"
    assert error_of(client.chat_postMessage, channel="C404", text="x") == "channel_not_found"
    assert client.conversations_info(channel=outside)["channel"]["is_member"] is False
    archived = sb.add_channel("old", members=[alice], archived=True)
    assert error_of(client.chat_postMessage, channel=archived, text="x") == "is_archived"
    assert sb.messages(outside) == [] and sb.messages(archived) == []


def test_private_channel_info_says_private(sb, client):
    secret = sb.add_channel("secret", private=True)
    info = client.conversations_info(channel=secret)["channel"]
    assert (info["is_private"], info["is_im"], info["is_member"]) == (True, False, True)


def test_post_ephemeral_needs_a_member(sb, client, people):
    alice, _, general = people
    stranger = sb.add_user("stranger")
    assert error_of(client.chat_postEphemeral, channel=general, user=stranger, text="x") == "user_not_in_channel"
    client.chat_postEphemeral(channel=general, user=alice, text="psst")
    assert [(e["text"], e["source"]) for e in sb.ephemerals(alice)] == [("psst", "chat.postEphemeral")]


def test_ownership(sb, client, people):
    alice, _, general = people
    ts = sb.post(alice, general, "mine")
    assert error_of(client.chat_update, channel=general, ts=ts, text="x") == "cant_update_message"
    assert error_of(client.chat_delete, channel=general, ts=ts) == "cant_delete_message"
    assert error_of(client.chat_update, channel=general, ts="1.000001", text="x") == "message_not_found"
    own = client.chat_postMessage(channel=general, text="bot")["ts"]
    assert error_of(client.chat_update, channel=general, ts=own, text="x" * 4001) == "msg_too_long"
    client.chat_update(channel=general, ts=own, text="edited")
    assert sb.message(general, own)["text"] == "edited" and "edited" in sb.message(general, own)
    client.chat_delete(channel=general, ts=own)
    assert sb.message(general, own) is None


def test_history_leaves_replies_out_and_replies_start_with_the_parent(sb, client, people):
    alice, bob, general = people
    parent = sb.post(alice, general, "question")
    reply = client.chat_postMessage(channel=general, text="answer", thread_ts=parent)["ts"]
    sb.post(bob, general, "thanks", thread_ts=parent)
    later = sb.post(bob, general, "later")
    history = client.conversations_history(channel=general)["messages"]
    assert [m["ts"] for m in history] == [later, parent]  # newest first, no replies
    thread = client.conversations_replies(channel=general, ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["question", "answer", "thanks"]
    assert thread[0]["reply_count"] == 2 and set(thread[0]["reply_users"]) == {sb.bot_user_id, bob}
    assert thread[1]["parent_user_id"] == alice
    only = client.conversations_replies(channel=general, ts=reply)["messages"]
    assert [m["ts"] for m in only] == [reply]
    assert error_of(client.conversations_replies, channel=general, ts="1.000001") == "thread_not_found"


def test_history_pages_with_a_cursor(sb, client, people):
    alice, _, general = people
    posted = [sb.post(alice, general, f"m{i}") for i in range(5)]
    first = client.conversations_history(channel=general, limit=3)
    assert first["has_more"] is True and [m["ts"] for m in first["messages"]] == posted[::-1][:3]
    rest = client.conversations_history(channel=general, limit=3,
                                        cursor=first["response_metadata"]["next_cursor"])
    assert rest["has_more"] is False and [m["ts"] for m in rest["messages"]] == posted[::-1][3:]


def test_ts_strings_increase_with_six_decimals(sb, client, people):
    alice, _, general = people
    stamps = [sb.post(alice, general, "a"), client.chat_postMessage(channel=general, text="b")["ts"],
              sb.post(alice, general, "c")]
    assert all(isinstance(t, str) and len(t.split(".")[1]) == 6 for t in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_block_kit_limits(sb, client, people):
    general = people[2]
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert error_of(client.chat_postMessage, channel=general, text="x", blocks=[section] * 51) == "invalid_blocks"
    assert sb.calls_to("chat.postMessage")[-1].response["response_metadata"]["messages"]
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert error_of(client.chat_postMessage, channel=general, text="x", blocks=[long_section]) == "invalid_blocks"
    empty_text = {"type": "section", "text": {"type": "mrkdwn", "text": ""}}
    assert error_of(client.chat_postMessage, channel=general, text="x", blocks=[empty_text]) == "invalid_blocks"
    twins = [dict(section, block_id="same"), dict(section, block_id="same")]
    assert error_of(client.chat_postMessage, channel=general, text="x", blocks=twins) == "invalid_blocks"
    assert error_of(client.chat_postMessage, channel=general, text="x" * 40_001) == "msg_too_long"
    assert error_of(client.chat_postMessage, channel=general) == "no_text"
    client.chat_postMessage(channel=general, text="x", blocks=[section] * 50)
    assert len(sb.messages(general)) == 1


def test_per_channel_burst_then_429(sb, client, people):
    sb.channel_burst = 3
    general = people[2]
    for _ in range(3):
        client.chat_postMessage(channel=general, text="x")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=general, text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    assert info.value.response["error"] == "ratelimited"


def test_injected_429_is_retried_by_the_sdk_and_posts_once(sb, people):
    general = people[2]
    sb.fail_next("chat.postMessage", status=429, retry_after=1)
    client = WebClient(token=sb.bot_token, base_url=sb.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    client.chat_postMessage(channel=general, text="once")
    assert [c.status for c in sb.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in sb.messages(general)] == ["once"]


def test_injected_errors_500_and_hangs(sb, client, people):
    general = people[2]
    sb.fail_next("chat.postMessage", error="fatal_error")
    assert error_of(client.chat_postMessage, channel=general, text="x") == "fatal_error"
    sb.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=general, text="x")
    assert info.value.response.status_code == 500
    sb.fail_next("auth.test", timeout=True, hang=0.5)
    impatient = WebClient(token=sb.bot_token, base_url=sb.api_url, timeout=0.2, retry_handlers=[])
    with pytest.raises(Exception):
        impatient.auth_test()
    assert sb.messages(general) == []


def test_users_and_team(sb, client):
    alice = sb.add_user("alice", real_name="Alice A", is_admin=True, tz="Europe/Paris")
    user = client.users_info(user=alice)["user"]
    assert (user["name"], user["real_name"], user["is_admin"], user["tz"]) == ("alice", "Alice A", True, "Europe/Paris")
    assert user["profile"]["display_name"] == "alice" and user["team_id"] == sb.team_id
    assert error_of(client.users_info, user="U404") == "user_not_found"
    assert alice in [m["id"] for m in client.users_list()["members"]]
    assert client.team_info()["team"]["domain"] == "sandbox"


def test_permalink_open_join_members_reactions(sb, client, people):
    alice, _, general = people
    parent = sb.post(alice, general, "q")
    reply = sb.post(alice, general, "r", thread_ts=parent)
    link = client.chat_getPermalink(channel=general, message_ts=reply)["permalink"]
    assert link == (f"https://sandbox.slack.com/archives/{general}/p{reply.replace('.', '')}"
                    f"?thread_ts={parent}&cid={general}")
    dm = client.conversations_open(users=alice)["channel"]["id"]
    assert dm == sb.dm_channel(alice) and dm.startswith("D")
    outside = sb.add_channel("random", members=[alice], bot_member=False)
    client.conversations_join(channel=outside)
    assert sb.bot_user_id in client.conversations_members(channel=outside)["members"]
    client.reactions_add(channel=general, timestamp=parent, name="eyes")
    assert error_of(client.reactions_add, channel=general, timestamp=parent, name="eyes") == "already_reacted"
    message = client.reactions_get(channel=general, timestamp=parent)["message"]
    assert message["reactions"] == [{"name": "eyes", "users": [sb.bot_user_id], "count": 1}]


def test_every_call_is_recorded(sb, client):
    client.auth_test()
    call = sb.calls[-1]
    assert (call.method, call.token, call.status, call.response["ok"]) == ("auth.test", sb.bot_token, 200, True)
