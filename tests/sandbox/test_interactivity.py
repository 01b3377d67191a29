"""Clicks, shortcuts, modals, Home and response_urls behave like Slack's."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError

BUTTON_BLOCKS = [{"type": "actions", "block_id": "act", "elements": [
    {"type": "button", "action_id": "vote", "text": {"type": "plain_text", "text": "Vote"}, "value": "v1"},
    {"type": "static_select", "action_id": "pick", "placeholder": {"type": "plain_text", "text": "Pick"},
     "options": [{"text": {"type": "plain_text", "text": "One"}, "value": "1"}]}]}]
MODAL = {"type": "modal", "callback_id": "ask", "private_metadata": "C123",
         "title": {"type": "plain_text", "text": "Ask"}, "submit": {"type": "plain_text", "text": "Send"},
         "blocks": [{"type": "input", "block_id": "q", "label": {"type": "plain_text", "text": "Question"},
                     "element": {"type": "plain_text_input", "action_id": "text"}},
                    {"type": "input", "block_id": "tags", "optional": True,
                     "label": {"type": "plain_text", "text": "Tags"},
                     "element": {"type": "checkboxes", "action_id": "tags", "options": [
                         {"text": {"type": "plain_text", "text": "Python"}, "value": "py"}]}}]}


def reply_json(body: dict):
    return lambda request, index: (200, {"Content-Type": "application/json"}, json.dumps(body).encode())


def trigger_of(delivery) -> str:
    return delivery.payload["trigger_id"]


def test_click_on_a_bot_message(sb, receiver, client, people):
    alice, _, general = people
    ts = client.chat_postMessage(channel=general, text="vote", blocks=BUTTON_BLOCKS)["ts"]
    receiver.wait_for_events(1)
    delivery = sb.click(alice, "vote", channel=general, ts=ts)
    payload = receiver.requests[-1].payload()
    assert receiver.requests[-1].body.startswith(b"payload=")
    assert payload == delivery.payload and payload["type"] == "block_actions"
    assert payload["container"] == {"type": "message", "message_ts": ts, "channel_id": general,
                                    "is_ephemeral": False}
    assert payload["message"]["ts"] == ts and payload["channel"]["id"] == general
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["type"], action["value"]) == ("vote", "act", "button", "v1")
    assert payload["response_url"] and payload["trigger_id"].count(".") == 2
    picked = sb.click(alice, "pick", channel=general, ts=ts, selected_option="1").payload["actions"][0]
    assert picked["selected_option"]["value"] == "1"
    with pytest.raises(ValueError):
        sb.click(alice, "pick", channel=general, ts=ts, selected_option="2")
    with pytest.raises(ValueError):
        sb.click(alice, "missing", channel=general, ts=ts)


def test_click_on_an_ephemeral_and_replace_it_via_response_url(sb, receiver, client, people):
    alice, _, general = people
    client.chat_postEphemeral(channel=general, user=alice, text="vote", blocks=BUTTON_BLOCKS)
    (shown,) = sb.ephemerals(alice)
    payload = sb.click(alice, "vote", ephemeral=shown).payload
    assert "message" not in payload and payload["container"]["is_ephemeral"] is True
    from slack_sdk.webhook import WebhookClient
    response = WebhookClient(payload["response_url"]).send(text="thanks", replace_original=True)
    assert response.status_code == 200
    assert [e["text"] for e in sb.ephemerals(alice)] == ["thanks"]
    WebhookClient(payload["response_url"]).send(text="bye", delete_original=True)
    assert sb.ephemerals(alice) == []


def test_response_url_limits_and_in_channel(sb, receiver, people):
    alice, _, general = people
    url = sb.command(alice, general, "/ask").payload["response_url"]
    from slack_sdk.webhook import WebhookClient
    hook = WebhookClient(url)
    assert hook.send(text="everyone", response_type="in_channel").status_code == 200
    for _ in range(4):
        assert hook.send(text="only you").status_code == 200
    assert hook.send(text="sixth").status_code == 404
    assert [m["text"] for m in sb.messages(general)] == ["everyone"]
    assert len(sb.ephemerals(alice, general)) == 4
    old = sb.command(alice, general, "/ask").payload["response_url"]
    real_clock = sb.clock
    sb.clock = lambda: real_clock() + 31 * 60
    assert WebhookClient(old).send(text="too late").status_code == 404


def test_triggers_are_single_use_short_lived_and_well_formed(sb, receiver, client, people):
    alice, _, general = people
    trigger = trigger_of(sb.command(alice, general, "/ask"))
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "ask" and view["hash"]
    assert sb.modal(alice)["id"] == view["id"]
    errors = []
    for bad in (trigger, "not-a-trigger", "1.2.abc"):
        with pytest.raises(SlackApiError) as info:
            client.views_open(trigger_id=bad, view=MODAL)
        errors.append(info.value.response["error"])
    assert errors == ["exchanged_trigger_id", "invalid_trigger_id", "invalid_trigger_id"]
    stale = trigger_of(sb.command(alice, general, "/ask"))
    real_clock = sb.clock
    sb.clock = lambda: real_clock() + 3.5
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=stale, view=MODAL)
    assert info.value.response["error"] == "expired_trigger_id"


def test_views_are_validated(sb, receiver, client, people):
    alice, _, general = people
    long_title = dict(MODAL, title={"type": "plain_text", "text": "x" * 25})
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=trigger_of(sb.command(alice, general, "/ask")), view=long_title)
    assert info.value.response["error"] == "invalid_arguments"
    assert info.value.response["response_metadata"]["messages"]
    assert sb.modal(alice) is None


def test_submission_with_errors_keeps_the_modal_open(sb, receiver, client, people):
    alice, _, general = people
    view = client.views_open(trigger_id=trigger_of(sb.command(alice, general, "/ask")), view=MODAL)["view"]
    receiver.respond = reply_json({"response_action": "errors", "errors": {"q": "Too short"}})
    delivery = sb.submit_view(alice, view["id"], {"q": {"text": "hi"}})
    submitted = receiver.requests[-1].payload()
    assert submitted["type"] == "view_submission"
    assert submitted["view"]["state"]["values"] == {
        "q": {"text": {"type": "plain_text_input", "value": "hi"}},
        "tags": {"tags": {"type": "checkboxes", "selected_options": []}}}
    assert (submitted["view"]["private_metadata"], submitted["view"]["callback_id"]) == ("C123", "ask")
    assert delivery.outcome == "errors"
    assert sb.modal(alice)["errors"] == {"q": "Too short"}
    receiver.respond = lambda request, index: (200, {}, b"")
    assert sb.submit_view(alice, view["id"], {"q": {"text": "longer"}, "tags": {"tags": ["py"]}}).outcome == "closed"
    assert sb.modal(alice) is None
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=view["id"], view=MODAL)
    assert info.value.response["error"] == "not_found"


def test_submission_refuses_what_a_user_cannot_do(sb, receiver, client, people):
    alice, bob, general = people
    view = client.views_open(trigger_id=trigger_of(sb.command(alice, general, "/ask")), view=MODAL)["view"]
    with pytest.raises(ValueError):
        sb.submit_view(alice, view["id"], {"q": {"nope": "x"}})
    with pytest.raises(ValueError):
        sb.submit_view(alice, view["id"], {})  # required input left empty
    with pytest.raises(ValueError):
        sb.submit_view(bob, view["id"], {"q": {"text": "not my modal"}})


def test_push_update_and_stack_limit(sb, receiver, client, people):
    alice, _, general = people
    first = client.views_open(trigger_id=trigger_of(sb.command(alice, general, "/ask")), view=MODAL)["view"]
    for _ in range(2):
        trigger = trigger_of(sb.click(alice, "tags", view_id=sb.modal(alice)["id"], selected_option=["py"]))
        client.views_push(trigger_id=trigger, view=MODAL)
    assert len(sb.modals(alice)) == 3 and sb.modals(alice)[0]["id"] == first["id"]
    trigger = trigger_of(sb.click(alice, "tags", view_id=sb.modal(alice)["id"], selected_option=["py"]))
    with pytest.raises(SlackApiError) as info:
        client.views_push(trigger_id=trigger, view=MODAL)
    assert info.value.response["error"] == "push_limit_reached"
    top = sb.modal(alice)
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=top["id"], hash="stale", view=MODAL)
    assert info.value.response["error"] == "hash_conflict"
    updated = client.views_update(view_id=top["id"], hash=top["hash"], view=dict(MODAL, callback_id="v2"))["view"]
    assert updated["id"] == top["id"] and updated["hash"] != top["hash"] and updated["callback_id"] == "v2"
    receiver.respond = reply_json({"response_action": "clear"})
    assert sb.submit_view(alice, top["id"], {"q": {"text": "x"}}).outcome == "cleared"
    assert sb.modals(alice) == []


def test_click_in_a_view_carries_the_view_not_a_channel(sb, receiver, client, people):
    alice, _, general = people
    view = client.views_open(trigger_id=trigger_of(sb.command(alice, general, "/ask")), view=MODAL)["view"]
    payload = sb.click(alice, "tags", view_id=view["id"], selected_option=["py"]).payload
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert "channel" not in payload and "response_url" not in payload
    assert payload["view"]["state"]["values"]["tags"]["tags"]["selected_options"][0]["value"] == "py"


def test_home_publish_and_open(sb, receiver, client, people):
    alice = people[0]
    home = {"type": "home", "blocks": BUTTON_BLOCKS}
    with pytest.raises(SlackApiError):
        client.views_publish(user_id=alice, view=dict(MODAL))  # a modal is not a Home view
    published = client.views_publish(user_id=alice, view=home)["view"]
    assert sb.home(alice)["id"] == published["id"]
    event = sb.open_home(alice).payload["event"]
    assert (event["type"], event["tab"], event["channel"]) == ("app_home_opened", "home", sb.dm_channel(alice))
    assert event["view"]["id"] == published["id"]
    assert sb.click(alice, "vote", view_id=published["id"]).payload["view"]["type"] == "home"


def test_shortcuts(sb, receiver, people):
    alice, bob, general = people
    parent = sb.post(alice, general, "q")
    reply = sb.post(bob, general, "a", thread_ts=parent)
    action = sb.message_shortcut(alice, general, reply, "save").payload
    assert (action["type"], action["callback_id"], action["message_ts"]) == ("message_action", "save", reply)
    assert action["message"]["thread_ts"] == parent and action["response_url"] and action["trigger_id"]
    shortcut = sb.global_shortcut(alice, "ask").payload
    assert shortcut["type"] == "shortcut" and shortcut["trigger_id"]
    assert "channel" not in shortcut and "response_url" not in shortcut


def test_a_bolt_app_accepts_what_the_sandbox_sends(sb, receiver, people):
    from slack_bolt import App
    from slack_bolt.request import BoltRequest
    from slack_sdk import WebClient

    alice, _, general = people
    app = App(signing_secret=sb.deliverer.signing_secret,
              client=WebClient(token=sb.bot_token, base_url=sb.api_url))
    seen = []

    @app.command("/ask")
    def ask(ack, command):
        seen.append(("command", command["text"]))
        ack("got it")

    @app.shortcut("ask")
    def shortcut(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("ask")
    def submitted(ack, view):
        seen.append(("view", view["state"]["values"]["q"]["text"]["value"]))
        ack(response_action="errors", errors={"q": "again"})

    def dispatch(request, index):
        response = app.dispatch(BoltRequest(body=request.body.decode(), headers=request.headers))
        return response.status, {k: v[0] for k, v in response.headers.items()}, response.body.encode()

    receiver.respond = dispatch
    assert sb.command(alice, general, "/ask", "a & b").acked
    assert sb.global_shortcut(alice, "ask").acked
    view = sb.wait_for(lambda: sb.modal(alice))  # Bolt opens the modal after acking
    assert sb.submit_view(alice, view["id"], {"q": {"text": "why?"}}).outcome == "errors"
    assert seen == [("command", "a &amp; b"), ("view", "why?")]
    assert [e["text"] for e in sb.ephemerals(alice)] == ["got it"]
    assert sb.deliver_raw(b"command=%2Fask", "application/x-www-form-urlencoded",
                          signature="tampered").status == 401
