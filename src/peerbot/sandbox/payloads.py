"""The bodies Slack sends: slash-command forms, Events API envelopes and interaction payloads."""

from __future__ import annotations

import json
import secrets
import string
import time
from typing import Any
from urllib.parse import urlencode

from .blockkit import element_state
from .workspace import Conversation, Workspace

VERIFICATION_TOKEN = "sandboxverificationtoken"  # deprecated by Slack; apps must ignore it


def command_form(ws: Workspace, conv: Conversation, user: str, command: str, text: str,
                 response_url: str, trigger_id: str) -> list[tuple[str, str]]:
    """Fields in the order Slack sends them."""
    return [
        ("token", VERIFICATION_TOKEN), ("team_id", ws.team_id), ("team_domain", ws.team_domain),
        ("channel_id", conv.id), ("channel_name", "directmessage" if conv.kind == "im" else conv.name),
        ("user_id", user), ("user_name", ws.users[user]["name"]), ("command", command),
        ("text", text), ("api_app_id", ws.app_id), ("is_enterprise_install", "false"),
        ("response_url", response_url), ("trigger_id", trigger_id),
    ]


def encode_form(fields: list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()  # quote_plus: spaces become "+", as from Slack


def encode_payload(payload: dict) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def new_event_id() -> str:
    return "Ev" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def envelope(ws: Workspace, event: dict, event_id: str) -> dict:
    event.setdefault("event_ts", event.get("ts") or ws.next_ts())  # a new message's event_ts is its ts
    return {
        "token": VERIFICATION_TOKEN, "team_id": ws.team_id, "api_app_id": ws.app_id,
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": ws.team_id, "user_id": ws.bot_user_id,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(48),
    }


def message_event(conv: Conversation, msg: dict) -> dict:
    event = {k: v for k, v in msg.items()
             if k not in ("reply_count", "reply_users", "reply_users_count", "latest_reply", "reactions")}
    if event.get("thread_ts") == event["ts"]:
        del event["thread_ts"]  # a parent's own thread_ts is not part of its "new message" event
    event.update(channel=conv.id, channel_type=conv.kind)
    return event


def changed_event(ws: Workspace, conv: Conversation, before: dict, after: dict) -> dict:
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": conv.id,
            "channel_type": conv.kind, "ts": ws.next_ts(), "message": after, "previous_message": before}


def deleted_event(ws: Workspace, conv: Conversation, before: dict) -> dict:
    return {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": conv.id,
            "channel_type": conv.kind, "ts": ws.next_ts(), "deleted_ts": before["ts"],
            "previous_message": before}


def reaction_event(kind: str, user: str, conv: Conversation, msg: dict, name: str, ws: Workspace) -> dict:
    event = {"type": kind, "user": user, "reaction": name,
             "item": {"type": "message", "channel": conv.id, "ts": msg["ts"]}, "event_ts": ws.next_ts()}
    if msg.get("user") and not msg.get("bot_id"):
        event["item_user"] = msg["user"]
    return event


# ---- interactivity -------------------------------------------------------------------------

def _base(ws: Workspace, kind: str, user: str, trigger_id: str | None) -> dict:
    u = ws.users[user]
    payload = {"type": kind, "user": {"id": user, "username": u["name"], "name": u["name"],
                                      "team_id": ws.team_id},
               "api_app_id": ws.app_id, "token": VERIFICATION_TOKEN,
               "team": {"id": ws.team_id, "domain": ws.team_domain},
               "enterprise": None, "is_enterprise_install": False}
    if trigger_id:
        payload["trigger_id"] = trigger_id
    return payload


def _channel(conv: Conversation) -> dict:
    return {"id": conv.id, "name": "directmessage" if conv.kind == "im" else conv.name}


def block_action(ws: Workspace, user: str, trigger_id: str, action: dict, *,
                 conv: Conversation | None = None, message: dict | None = None,
                 ephemeral: dict | None = None, view: dict | None = None,
                 response_url: str | None = None) -> dict:
    payload = _base(ws, "block_actions", user, trigger_id)
    if view is not None:
        payload.update(container={"type": "view", "view_id": view["id"]}, view=view)
    else:
        shown = message or ephemeral
        payload.update(container={"type": "message", "message_ts": shown["ts"], "channel_id": conv.id,
                                  "is_ephemeral": message is None},
                       channel=_channel(conv), state={"values": {}}, response_url=response_url)
        if message is not None:
            payload["message"] = message
    payload["actions"] = [action]
    return payload


def view_submission(ws: Workspace, user: str, trigger_id: str, view: dict) -> dict:
    payload = _base(ws, "view_submission", user, trigger_id)
    payload.update(view=view, response_urls=[])
    return payload


def message_action(ws: Workspace, user: str, trigger_id: str, conv: Conversation, msg: dict,
                   callback_id: str, response_url: str) -> dict:
    payload = _base(ws, "message_action", user, trigger_id)
    payload.update(callback_id=callback_id, action_ts=ws.next_ts(), message_ts=msg["ts"],
                   message=msg, channel=_channel(conv), response_url=response_url)
    return payload


def shortcut(ws: Workspace, user: str, trigger_id: str, callback_id: str) -> dict:
    payload = _base(ws, "shortcut", user, trigger_id)
    payload.update(callback_id=callback_id, action_ts=ws.next_ts())
    return payload


def action_for(block: dict, el: dict, action_ts: str, value: Any, selected_option: Any) -> dict:
    """``actions[0]`` for a click on ``el``; value/selection default from the element itself."""
    action = {"action_id": el["action_id"], "block_id": block["block_id"], "type": el["type"],
              "action_ts": action_ts}
    if el["type"] == "button":
        action["text"] = el.get("text")
        chosen = el.get("value") if value is None else value
        if chosen is not None:
            action["value"] = chosen
        if "style" in el:
            action["style"] = el["style"]
        return action
    given = selected_option if selected_option is not None else value
    action.update({k: v for k, v in element_state(el, given, given=given is not None).items() if k != "type"})
    return action
