"""Deliveries: signed exactly, shaped like Slack's, acked within the deadline, events retried."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from peerbot.sandbox import Sandbox

SLOW = 3.5  # longer than Slack's 3 s ack deadline


def verifies(sb, request) -> bool:
    verifier = SignatureVerifier(sb.deliverer.signing_secret)
    return verifier.is_valid_request(request.body, request.headers)


def test_every_delivery_is_signed_over_the_exact_bytes(sb, receiver, people):
    alice, _, general = people
    sb.post(alice, general, "hello")
    sb.command(alice, general, "/ask", "what is a payload? 100% sure")
    assert len(receiver.requests) == 2
    assert all(verifies(sb, r) for r in receiver.requests)
    assert b"what+is+a+payload%3F+100%25+sure" in receiver.requests[1].body  # spaces as "+"


def test_tampered_stale_and_unsigned_variants_do_not_verify(sb, receiver):
    body = b'{"type":"event_callback"}'
    sb.deliver_raw(body, "application/json", signature="tampered")
    sb.deliver_raw(body, "application/json", timestamp=time.time() - 301)
    sb.deliver_raw(body, "application/json", signature="none")
    sb.deliver_raw(body, "application/json", timestamp=time.time() - 299)
    assert [verifies(sb, r) for r in receiver.requests] == [False, False, False, True]
    assert "x-slack-signature" not in receiver.requests[2].headers


def test_command_form_has_slacks_fields_in_order(sb, receiver, people):
    alice, _, general = people
    delivery = sb.command(alice, general, "/ask", "<!channel> & co")
    fields = parse_qsl(receiver.requests[0].body.decode(), keep_blank_values=True)
    assert [k for k, _ in fields] == ["token", "team_id", "team_domain", "channel_id", "channel_name",
                                      "user_id", "user_name", "command", "text", "api_app_id",
                                      "is_enterprise_install", "response_url", "trigger_id"]
    form = dict(fields)
    assert form["text"] == "&lt;!channel&gt; &amp; co"  # typed text arrives escaped
    assert (form["channel_name"], form["is_enterprise_install"]) == ("general", "false")
    assert form["response_url"].startswith(sb.base_url + "response/")
    assert delivery.kind == "command" and delivery.acked
    dm_command = sb.command(alice, sb.dm_channel(alice), "/ask")
    assert dm_command.payload["channel_name"] == "directmessage"


def test_typed_message_text_arrives_escaped(sb, receiver, people):
    alice, _, general = people
    ts = sb.post(alice, general, "<!channel> & co")
    event = receiver.events("message")[0]
    assert event["text"] == "&lt;!channel&gt; &amp; co" == sb.message(general, ts)["text"]
    assert (event["channel_type"], event["user"], event["ts"]) == ("channel", alice, ts)


def test_event_envelope_shape(sb, receiver, people):
    alice, _, general = people
    sb.post(alice, general, "hi")
    body = receiver.requests[0].json()
    assert body["type"] == "event_callback" and body["event_id"].startswith("Ev")
    assert body["authorizations"] == [{"enterprise_id": None, "team_id": sb.team_id,
                                       "user_id": sb.bot_user_id, "is_bot": True,
                                       "is_enterprise_install": False}]
    assert {"token", "team_id", "api_app_id", "event_time", "event_context",
            "is_ext_shared_channel"} <= set(body)
    assert isinstance(body["event"]["event_ts"], str)


def test_slow_event_is_retried_and_slow_command_is_not(sb, receiver, people):
    alice, _, general = people

    def slow_first(request, index):
        if index == 0:
            time.sleep(SLOW)
        return 200, {}, b""

    receiver.respond = slow_first
    event = sb.deliver_event({"type": "reaction_added", "user": alice, "reaction": "eyes",
                              "item": {"type": "message", "channel": general, "ts": "1.000001"}})
    event.wait_retries(5)
    assert not event.acked and event.attempts[0].late and event.status == 200
    assert len(event.attempts) == 2 and event.attempts[1].ok
    first, retry = receiver.requests[0], receiver.requests[1]
    assert "x-slack-retry-num" not in first.headers
    assert (retry.headers["x-slack-retry-num"], retry.headers["x-slack-retry-reason"]) == ("1", "http_timeout")
    assert retry.json()["event_id"] == first.json()["event_id"] == event.event_id
    assert verifies(sb, retry)

    receiver.requests.clear()
    receiver.respond = lambda request, index: (time.sleep(SLOW) or (200, {}, b'{"text": "late"}'))
    command = sb.command(alice, general, "/ask", "slow")
    assert not command.acked and len(command.attempts) == 1 and len(receiver.requests) == 1
    notice = sb.ephemerals(alice, general)
    assert [(e["source"], e["text"]) for e in notice] == [
        ("slackbot", '/ask failed with the error "operation_timeout"')]


def test_errors_are_retried_until_no_retry_header(sb, receiver):
    receiver.respond = lambda request, index: (500, {}, b"")
    failing = sb.deliver_event({"type": "app_uninstalled"}).wait_retries(5)
    assert [a.retry_num for a in failing.attempts] == [0, 1, 2, 3]
    assert {a.headers_sent.get("X-Slack-Retry-Reason") for a in failing.attempts[1:]} == {"http_error"}
    receiver.respond = lambda request, index: (500, {"X-Slack-No-Retry": "1"}, b"")
    refused = sb.deliver_event({"type": "app_uninstalled"}).wait_retries(5)
    assert len(refused.attempts) == 1


def test_bots_own_posts_come_back_as_events(sb, receiver, client, people):
    general = people[2]
    ts = client.chat_postMessage(channel=general, text="from the bot")["ts"]
    (event,) = receiver.wait_for_events(1, "message")
    assert (event["bot_id"], event["ts"], event["channel"]) == ("B0PEERBOT", ts, general)
    client.chat_update(channel=general, ts=ts, text="changed")
    changed = receiver.wait_for_events(2, "message")[1]
    assert (changed["subtype"], changed["hidden"], changed["message"]["text"]) == ("message_changed", True, "changed")
    assert changed["previous_message"]["text"] == "from the bot"


def test_events_only_when_subscribed_and_a_member(receiver):
    with Sandbox(signing_secret="s", events={"message.channels", "reaction_added"}) as sb:
        sb.request_url = receiver.url
        alice = sb.add_user("alice")
        general = sb.add_channel("general", members=[alice])
        outside = sb.add_channel("outside", members=[alice], bot_member=False)
        secret = sb.add_channel("secret", private=True, members=[alice])
        ts = sb.post(alice, general, "in")
        sb.post(alice, outside, "not a member")
        sb.post(alice, secret, "message.groups is not subscribed")
        sb.react(alice, general, ts, "eyes")
        sb.post(alice, sb.dm_channel(alice), "message.im is not subscribed")
        assert [(e["type"], e.get("text")) for e in receiver.events()] == [
            ("message", "in"), ("reaction_added", None)]
        reaction = receiver.events("reaction_added")[0]
        assert reaction["item"] == {"type": "message", "channel": general, "ts": ts}
        assert reaction["item_user"] == alice


def test_thread_reply_edit_and_delete_events(sb, receiver, people):
    alice, bob, general = people
    parent = sb.post(alice, general, "q")
    reply = sb.post(bob, general, "a", thread_ts=parent)
    sb.edit(bob, general, reply, "a!")
    sb.delete(bob, general, reply)
    new, replied, edited, deleted = receiver.events("message")
    assert "subtype" not in replied and replied["thread_ts"] == parent and replied["parent_user_id"] == alice
    assert edited["subtype"] == "message_changed" and edited["message"]["ts"] == reply
    assert edited["message"]["edited"]["user"] == bob
    assert (deleted["subtype"], deleted["deleted_ts"], deleted["hidden"]) == ("message_deleted", reply, True)
    assert sb.replies(general, parent)[0]["reply_count"] == 0


def test_mention_becomes_app_mention(sb, receiver, people):
    alice, _, general = people
    sb.post(alice, general, "hey @peerbot help")
    mention = receiver.events("app_mention")[0]
    assert mention["text"] == f"hey <@{sb.bot_user_id}> help"


def test_command_ack_bodies(sb, receiver, people):
    alice, bob, general = people
    receiver.respond = lambda request, index: (200, {}, b"just for you")
    assert sb.command(alice, general, "/ask").outcome == "ephemeral"
    receiver.respond = lambda request, index: (200, {"Content-Type": "application/json"},
                                               json.dumps({"response_type": "in_channel", "text": "all"}).encode())
    assert sb.command(alice, general, "/ask").outcome == "in_channel"
    receiver.respond = lambda request, index: (404, {}, b"")
    assert sb.command(alice, general, "/ask").outcome == "failed: http_service_error"
    assert [e["text"] for e in sb.ephemerals(alice)] == [
        "just for you", '/ask failed with the error "http_service_error"']
    assert [m["text"] for m in sb.messages(general)] == ["all"]
    assert sb.ephemerals(bob) == []
