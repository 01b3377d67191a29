"""Socket Mode in the sandbox: apps.connections.open, tickets, hello, envelopes, acks, retries,
refreshes and the connection cap, checked with a plain WebSocket client as the app."""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Callable

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from peerbot.sandbox import Sandbox

SECRET = "sandbox-signing-secret"
TOKEN = "xoxb-sandbox-token"

APP_TOKEN = "xapp-1-A0PEERBOT-1-sandbox"
ACK_TIMEOUT = 0.5


class SocketApp:
    """A minimal Socket Mode app: records every frame; ``respond(envelope)`` returns the ack to send
    (a dict) or None to stay silent. Default: ack with no payload."""

    def __init__(self, sb: Sandbox):
        self.sb = sb
        self.frames: list[dict] = []
        self.respond: Callable[[dict], dict | None] = lambda env: {"envelope_id": env["envelope_id"]}
        self.url = WebClient(token=APP_TOKEN, base_url=sb.api_url).apps_connections_open(app_token=APP_TOKEN)["url"]
        self.ws = connect(self.url).__enter__()  # websockets wants a context manager
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for message in self.ws:
                frame = json.loads(message)
                self.frames.append(frame)
                if "envelope_id" in frame:
                    ack = self.respond(frame)
                    if ack is not None:
                        self.ws.send(json.dumps(ack))
        except ConnectionClosed:
            pass

    def envelopes(self, type_: str | None = None) -> list[dict]:
        return [f for f in self.frames if "envelope_id" in f and type_ in (None, f["type"])]

    def wait(self, predicate: Callable[[], object], timeout: float = 5.0):
        return self.sb.wait_for(predicate, timeout=timeout)

    def closed(self) -> bool:
        return not self._reader.is_alive()

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def ssb(receiver):
    sandbox = Sandbox(signing_secret=SECRET, bot_token=TOKEN, app_token=APP_TOKEN, transport="socket",
                      ack_timeout=ACK_TIMEOUT, retry_delays=(0.05, 0.05, 0.05)).start()
    sandbox.request_url = receiver.url  # set, but Socket Mode must never use it
    yield sandbox
    sandbox.stop()


@pytest.fixture
def app(ssb):
    a = SocketApp(ssb)
    a.wait(lambda: a.frames)
    yield a
    a.close()


@pytest.fixture
def room(ssb):
    alice, bob = ssb.add_user("alice"), ssb.add_user("bob")
    return alice, bob, ssb.add_channel("general", members=[alice, bob])


def open_connection(sb: Sandbox, *, method: str = "POST", headers: dict | None = None, body: bytes = b"",
                    query: str = "") -> dict:
    request = urllib.request.Request(f"{sb.api_url}apps.connections.open{query}", data=body or None,
                                     method=method, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


# ---- apps.connections.open and tickets ------------------------------------------------------------

def test_apps_connections_open_accepts_only_the_app_token_in_the_header(ssb):
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    ok = open_connection(ssb, headers=bearer(APP_TOKEN))
    assert ok["ok"] is True
    assert ok["url"].startswith(f"ws://127.0.0.1:{ssb.socket.port}/link/?ticket=")
    assert ok["url"].endswith(f"&app_id={ssb.ws.app_id}")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert open_connection(ssb, headers=bearer(TOKEN))["error"] == "not_allowed_token_type"
    assert open_connection(ssb, headers=bearer("xapp-1-unknown"))["error"] == "invalid_auth"
    assert open_connection(ssb, headers=form, body=f"token={APP_TOKEN}".encode())["error"] == "invalid_auth"
    assert open_connection(ssb, query=f"?token={APP_TOKEN}")["error"] == "invalid_auth"
    assert open_connection(ssb)["error"] == "not_authed"
    assert open_connection(ssb, method="GET", headers=bearer(APP_TOKEN))["error"] == "insecure_request"
    # The app token is no workspace token either.
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(token=APP_TOKEN, base_url=ssb.api_url).auth_test()
    assert [c.method for c in ssb.calls].count("apps.connections.open") == 7


def test_a_ticket_works_once_and_not_after_it_expires(ssb):
    client = WebClient(token=APP_TOKEN, base_url=ssb.api_url)
    url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
    with connect(url) as ws:
        assert json.loads(ws.recv(timeout=2))["type"] == "hello"
    with pytest.raises(InvalidStatus) as reused:
        connect(url)
    assert reused.value.response.status_code == 401
    ssb.socket.ticket_ttl = 0.05
    stale = client.apps_connections_open(app_token=APP_TOKEN)["url"]
    time.sleep(0.1)
    with pytest.raises(InvalidStatus):
        connect(stale)
    with pytest.raises(InvalidStatus):
        connect(url.replace("ticket=", "ticket=x"))


def test_hello_comes_first_and_counts_connections(ssb, app):
    hello = app.frames[0]
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": ssb.ws.app_id}
    assert hello["debug_info"]["approximate_connection_time"] == 18060
    second = SocketApp(ssb)
    second.wait(lambda: second.frames)
    assert second.frames[0]["num_connections"] == 2
    second.close()


def test_the_server_answers_pings(ssb, app):
    pong = app.ws.ping(b"session:123")
    assert pong.wait(2)


# ---- commands, events and interactions ------------------------------------------------------------

def test_a_command_arrives_as_an_envelope_and_its_ack_payload_is_the_reply(ssb, app, room, receiver):
    alice, _, general = room
    app.respond = lambda env: {"envelope_id": env["envelope_id"], "payload": {"text": f"you said {env['payload']['text']}"}}
    delivery = ssb.command(alice, general, "/peerbot", "a & b")
    [envelope] = app.envelopes("slash_commands")
    assert envelope["accepts_response_payload"] is True and "retry_attempt" not in envelope
    assert envelope["payload"]["command"] == "/peerbot" and envelope["payload"]["text"] == "a &amp; b"
    assert delivery.acked and delivery.status == 200 and delivery.elapsed < ACK_TIMEOUT
    assert delivery.outcome == "ephemeral"
    assert [e["text"] for e in ssb.ephemerals(user=alice)] == ["you said a &amp; b"]

    app.respond = lambda env: {"envelope_id": env["envelope_id"],
                               "payload": {"text": "for everyone", "response_type": "in_channel"}}
    assert ssb.command(alice, general, "/peerbot", "x").outcome == "in_channel"
    assert [m["text"] for m in ssb.messages(general)] == ["for everyone"]
    assert receiver.requests == []  # nothing went to the Request URL, nothing was signed


def test_an_unacked_command_fails_for_the_user_and_is_not_retried(ssb, app, room):
    alice, _, general = room
    app.respond = lambda env: None
    delivery = ssb.command(alice, general, "/ask", "hello?")
    time.sleep(0.2)
    assert not delivery.acked and delivery.status is None and delivery.first.error == "timeout"
    assert delivery.outcome == 'failed: operation_timeout'
    assert ssb.ephemerals(user=alice)[0]["text"] == '/ask failed with the error "operation_timeout"'
    assert len(app.envelopes()) == 1 and len(delivery.attempts) == 1


def test_a_late_ack_is_recorded_as_late(ssb, app, room):
    alice, _, general = room

    def slow(env):
        time.sleep(ACK_TIMEOUT + 0.2)
        return {"envelope_id": env["envelope_id"], "payload": {"text": "too late"}}

    app.respond = slow
    delivery = ssb.command(alice, general, "/kb", "vpn")
    app.wait(lambda: delivery.first.status == 200)
    assert delivery.first.late and not delivery.acked
    assert "too late" not in json.dumps(ssb.ephemerals(user=alice))


def test_an_event_is_the_full_wrapper_and_unacked_ones_are_retried_with_the_same_event_id(ssb, app, room):
    alice, _, general = room
    app.respond = lambda env: None if env["retry_attempt"] < 2 else {"envelope_id": env["envelope_id"]}
    ssb.post(alice, general, "hello")
    events = app.wait(lambda: len(app.envelopes("events_api")) >= 3 and app.envelopes("events_api"))
    first, *retries = events
    assert first["payload"]["type"] == "event_callback" and first["payload"]["event"]["text"] == "hello"
    assert first["payload"]["authorizations"][0]["user_id"] == ssb.bot_user_id
    assert (first["retry_attempt"], first["retry_reason"], first["accepts_response_payload"]) == (0, "", False)
    assert [(r["retry_attempt"], r["retry_reason"]) for r in retries] == [(1, "timeout"), (2, "timeout")]
    assert {e["payload"]["event_id"] for e in events} == {first["payload"]["event_id"]}
    assert len({e["envelope_id"] for e in events}) == 3
    delivery = ssb.deliveries[-1].wait_retries()
    assert [a.ok for a in delivery.attempts] == [False, False, True]
    time.sleep(0.2)
    assert len(app.envelopes("events_api")) == 3  # acked: no more


def test_a_lost_ack_makes_slack_retry_the_event(ssb, app, room):
    alice, _, general = room
    ssb.socket.lose_next_acks(1)
    ssb.post(alice, general, "hello")
    delivery = ssb.deliveries[-1].wait_retries()
    assert [(a.envelope["retry_attempt"], a.ok) for a in delivery.attempts] == [(0, False), (1, True)]


def test_a_view_submission_ack_decides_the_modal_outcome(ssb, app, room):
    alice, _, general = room
    ssb.command(alice, general, "/ask")
    trigger = app.envelopes("slash_commands")[0]["payload"]["trigger_id"]
    view = {"type": "modal", "callback_id": "ask", "title": {"type": "plain_text", "text": "Ask"},
            "submit": {"type": "plain_text", "text": "Ask"},
            "blocks": [{"type": "input", "block_id": "q", "label": {"type": "plain_text", "text": "Q"},
                        "element": {"type": "plain_text_input", "action_id": "q"}}]}
    opened = WebClient(token=TOKEN, base_url=ssb.api_url).views_open(trigger_id=trigger, view=view)["view"]
    app.respond = lambda env: {"envelope_id": env["envelope_id"],
                               "payload": {"response_action": "errors", "errors": {"q": "Too short"}}}
    delivery = ssb.submit_view(alice, opened["id"], {"q": {"q": "?"}})
    envelope = app.envelopes("interactive")[-1]
    assert envelope["payload"]["type"] == "view_submission" and envelope["accepts_response_payload"] is True
    assert delivery.outcome == "errors" and ssb.modal(alice)["id"] == opened["id"]
    app.respond = lambda env: {"envelope_id": env["envelope_id"]}
    assert ssb.submit_view(alice, opened["id"], {"q": {"q": "a real question"}}).outcome == "closed"
    assert ssb.modal(alice) is None


def test_each_envelope_goes_to_one_connection_chosen_at_random(ssb, app, room):
    alice, _, general = room
    other = SocketApp(ssb)
    other.wait(lambda: other.frames)
    ssb.socket.rng = random.Random(7)
    for n in range(20):
        ssb.command(alice, general, "/kb", str(n))
    mine, theirs = len(app.envelopes()), len(other.envelopes())
    assert mine + theirs == 20 and mine > 0 and theirs > 0
    other.close()


def test_an_ack_may_come_back_on_another_connection(ssb, app, room):
    alice, _, general = room
    other = SocketApp(ssb)
    other.wait(lambda: other.frames)
    ssb.socket.rng = random.Random(3)
    app.respond = lambda env: other.ws.send(json.dumps({"envelope_id": env["envelope_id"]}))
    other.respond = lambda env: app.ws.send(json.dumps({"envelope_id": env["envelope_id"]}))
    assert all(ssb.command(alice, general, "/kb", str(n)).acked for n in range(4))
    other.close()


# ---- connection life ------------------------------------------------------------------------------

def test_refresh_sends_disconnect_keeps_the_old_socket_briefly_then_delivers_on_the_new_one(ssb, app, room):
    alice, _, general = room
    ssb.socket.refresh_grace, ssb.socket.warning_lead = 0.3, 0.05
    assert ssb.request_refresh(warning=True) == 1
    reasons = lambda: [f["reason"] for f in app.frames if f["type"] == "disconnect"]  # noqa: E731
    app.wait(lambda: len(reasons()) == 2)
    assert reasons() == ["warning", "refresh_requested"]
    assert not app.closed()  # still open during the grace period
    fresh = SocketApp(ssb)
    fresh.wait(lambda: fresh.frames)
    assert ssb.command(alice, general, "/kb", "after refresh").acked
    assert len(fresh.envelopes()) == 1 and app.envelopes() == []
    app.wait(app.closed)
    assert len(ssb.socket.open_links()) == 1


def test_with_no_connection_events_wait_and_commands_fail_at_once(ssb, room):
    alice, _, general = room
    command = ssb.command(alice, general, "/ask", "anyone?")
    assert command.first.error == "no_connection" and command.outcome == "failed: dispatch_failed"
    ssb.post(alice, general, "while nobody listens")
    event = ssb.deliveries[-1]
    assert event.first.error == "no_connection"
    late_app = SocketApp(ssb)
    envelope = late_app.wait(lambda: late_app.envelopes("events_api"))[0]
    assert (envelope["retry_attempt"], envelope["retry_reason"]) == (1, "timeout")
    assert envelope["payload"]["event"]["text"] == "while nobody listens"
    assert event.wait_retries().attempts[-1].ok
    late_app.close()


def test_the_eleventh_connection_is_told_too_many_websockets_and_closed(ssb):
    apps = []
    for _ in range(10):
        apps.append(SocketApp(ssb))
        apps[-1].wait(lambda: apps[-1].frames)  # hello: the sandbox counts it now
    assert apps[-1].frames[0]["num_connections"] == 10
    extra = SocketApp(ssb)
    extra.wait(extra.closed)
    assert extra.frames == [{"type": "disconnect", "reason": "too_many_websockets",
                             "debug_info": {"host": extra.frames[0]["debug_info"]["host"]}}]
    assert len(ssb.socket.open_links()) == 10
    for a in apps:
        a.close()


def test_link_disabled_closes_connections_and_refuses_new_ones(ssb, app):
    ssb.socket.disable()
    app.wait(app.closed)
    assert app.frames[-1]["reason"] == "link_disabled"
    assert open_connection(ssb, headers={"Authorization": f"Bearer {APP_TOKEN}"})["ok"] is False


def test_raw_signed_bodies_are_http_only(ssb, app):
    with pytest.raises(RuntimeError, match="only over HTTP"):
        ssb.deliver_raw(b"x=1", "application/x-www-form-urlencoded")


def test_the_slack_sdk_client_connects_acks_and_survives_a_refresh(ssb, room):
    from slack_sdk.socket_mode.builtin import SocketModeClient
    from slack_sdk.socket_mode.response import SocketModeResponse

    alice, _, general = room
    client = SocketModeClient(app_token=APP_TOKEN, web_client=WebClient(token=TOKEN, base_url=ssb.api_url))
    seen: list[dict] = []

    def listener(c, req):
        seen.append(req.payload)
        c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "ok"}))

    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        ssb.wait_for(lambda: ssb.socket.open_links())
        assert ssb.command(alice, general, "/kb", "one").outcome == "ephemeral"
        ssb.socket.refresh_grace = 0.2
        ssb.request_refresh()
        ssb.wait_for(lambda: [link for link in ssb.socket.open_links() if not link.draining])
        assert ssb.command(alice, general, "/kb", "two").outcome == "ephemeral"
        assert [p["text"] for p in seen] == ["one", "two"]
        assert [c.method for c in ssb.calls].count("apps.connections.open") == 2
    finally:
        threading.Thread(target=client.close, daemon=True).start()  # its reader polls for up to 3 s
        ssb.wait_for(lambda: client.closed)
