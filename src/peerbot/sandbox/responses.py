"""What the user sees from replies that do not go through chat.*: acks and response_urls."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from . import blockkit, payloads
from .delivery import Delivery
from .webapi import SlackError, json_arg
from .workspace import Conversation

if TYPE_CHECKING:
    from .sandbox import Sandbox

RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60


def _message(body: dict) -> tuple[str, list | None]:
    """Text and blocks of a message body; raises like Slack for empty or invalid content."""
    text = body.get("text") or ""
    blocks = json_arg(body, "blocks", "invalid_blocks_format")
    if not text and not blocks:
        raise SlackError("no_text", status=400)
    if blocks is not None:
        problems = blockkit.validate_blocks(blocks, "message")
        if problems:
            raise SlackError("invalid_blocks", status=400, response_metadata={"messages": problems})
        blockkit.with_ids(blocks)
    return text, blocks


def _flag(body: dict, key: str) -> bool:
    return str(body.get(key, "")).lower() in ("1", "true")


def failure_reason(delivery: Delivery) -> str | None:
    """The error Slack shows the user when the app did not ack in time, or None if it did."""
    first = delivery.first
    if first.ok:
        return None
    if first.late or first.error in ("http_timeout", "timeout"):
        return "operation_timeout"
    return "dispatch_failed" if first.error else "http_service_error"


class Responses:
    def __init__(self, sb: "Sandbox"):
        self.sb, self.ws = sb, sb.ws

    def _post_in_channel(self, conv: Conversation, text: str, blocks: list | None,
                         thread_ts: str | None = None) -> dict:
        # Works where the bot is not a member: Slack posts on the app's behalf.
        msg = self.ws.add_message(conv, self.ws.bot_message(text, blocks), thread_ts=thread_ts)
        self.sb.emit(payloads.message_event(conv, copy.deepcopy(msg)))
        return msg

    def show(self, body: dict, user: str, conv: Conversation, source: str) -> None:
        """Show a message body as Slack does: ephemeral unless ``response_type`` is in_channel."""
        text, blocks = _message(body)
        if body.get("response_type") == "in_channel":
            self._post_in_channel(conv, text, blocks, body.get("thread_ts"))
        else:
            self.ws.add_ephemeral(user, conv.id, text, blocks, source, thread_ts=body.get("thread_ts"))

    # ---- slash command acks ----------------------------------------------------------------

    def apply_command_ack(self, delivery: Delivery, user: str, conv: Conversation, command: str) -> None:
        reason = failure_reason(delivery)
        with self.ws.lock:
            if reason is None:
                reason = self._show_ack(delivery, user, conv)
            if reason is not None:
                delivery.outcome = f"failed: {reason}"
                self.ws.add_ephemeral(user, conv.id, f'{command} failed with the error "{reason}"',
                                      None, "slackbot")

    def _show_ack(self, delivery: Delivery, user: str, conv: Conversation) -> str | None:
        body = delivery.body.strip()
        if not body:
            delivery.outcome = "nothing"
            return None
        try:
            message: Any = json.loads(body)
        except ValueError:
            message = {"text": body}
        if not isinstance(message, dict):
            message = {"text": body}
        try:
            self.show(message, user, conv, "ack")
        except SlackError as e:
            return e.error
        delivery.outcome = message.get("response_type") or "ephemeral"
        return None

    # ---- response_url ----------------------------------------------------------------------

    def post(self, token: str, body: dict) -> tuple[int, dict, dict]:
        with self.ws.lock:
            handle = self.ws.response_urls.get(token)
            if handle is None:
                return 404, {}, {"ok": False, "error": "no_service"}
            expired = self.ws.clock() - handle["created"] > RESPONSE_URL_TTL
            if expired or handle["uses"] >= RESPONSE_URL_USES:
                return 404, {}, {"ok": False, "error": "expired_url"}
            handle["uses"] += 1
            try:
                self._apply(handle, body)
            except SlackError as e:
                return e.status, {}, {"ok": False, "error": e.error, **e.extra}
            return 200, {}, {"ok": True}

    def _apply(self, handle: dict, body: dict) -> None:
        conv = self.ws.conversations[handle["channel"]]
        origin = handle["origin"]  # ("message", ts) | ("ephemeral", eph) | None for commands
        if _flag(body, "delete_original"):
            self._delete_original(conv, origin)
        elif _flag(body, "replace_original") and origin is not None:
            self._replace_original(conv, origin, body)
        else:
            self.show(body, handle["user"], conv, "response_url")

    def _ephemeral(self, eph: dict) -> dict:
        try:
            return self.ws.find_ephemeral(eph)
        except ValueError:
            raise SlackError("message_not_found", status=404) from None

    def _delete_original(self, conv: Conversation, origin: Any) -> None:
        if origin is None:
            raise SlackError("message_not_found", status=404)
        if origin[0] == "ephemeral":
            self.ws.ephemerals.remove(self._ephemeral(origin[1]))
            return
        before = self.ws.remove_message(conv, origin[1])
        self.sb.emit(payloads.deleted_event(self.ws, conv, before))

    def _replace_original(self, conv: Conversation, origin: Any, body: dict) -> None:
        text, blocks = _message(body)
        if origin[0] == "ephemeral":
            eph = self._ephemeral(origin[1])
            eph.update(text=text, blocks=blocks or [])
            return
        msg = conv.messages.get(origin[1])
        if msg is None:
            raise SlackError("message_not_found", status=404)
        before = copy.deepcopy(msg)
        msg.update(text=text, edited={"user": self.ws.bot_user_id, "ts": self.ws.next_ts()})
        if blocks is not None:
            msg["blocks"] = blocks
        else:
            msg.pop("blocks", None)  # response_url replaces the whole message
        self.sb.emit(payloads.changed_event(self.ws, conv, before, copy.deepcopy(msg)))
