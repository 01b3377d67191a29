"""What people do in Slack: each action stores what Slack stores and delivers what Slack delivers."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from . import blockkit, payloads
from .delivery import Delivery
from .webapi import SlackError
from .workspace import Conversation, client_mentions, escape

if TYPE_CHECKING:
    from .sandbox import Sandbox

FORM = "application/x-www-form-urlencoded"


class People:
    """Mixin for Sandbox; every method runs in the test's thread."""

    def _seen_by(self: "Sandbox", user: str, channel: str) -> Conversation:
        """The conversation, if ``user`` can act in it (members only, as in a Slack client)."""
        if user not in self.ws.users:
            raise ValueError(f"no user {user!r} in the sandbox")
        conv = self.ws.conversation(channel)
        if user not in conv.members:
            raise ValueError(f"{user} is not a member of {channel}, so cannot act there")
        return conv

    def _own_message(self: "Sandbox", user: str, channel: str, ts: str) -> tuple[Conversation, dict]:
        conv = self._seen_by(user, channel)
        msg = conv.messages.get(ts)
        if msg is None or msg.get("user") != user or msg.get("bot_id"):
            raise ValueError(f"{user} has no message {ts} in {channel}")
        return conv, msg

    def _deliver_all(self: "Sandbox", events: list[dict]) -> None:
        for event in events:
            self._deliver_if_subscribed(event)

    # ---- messages and reactions --------------------------------------------------------------

    def post(self: "Sandbox", user: str, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        with self.ws.lock:
            conv = self._seen_by(user, channel)
            typed = client_mentions(self.ws, escape(text))
            msg = self.ws.add_message(conv, self.ws.human_message(user, typed), thread_ts=thread_ts)
            events = [payloads.message_event(conv, copy.deepcopy(msg))]
            if f"<@{self.bot_user_id}>" in typed and conv.kind != "im":
                mention = {k: v for k, v in events[0].items() if k not in ("channel_type",)}
                events.append({**mention, "type": "app_mention"})
        self._deliver_all(events)
        return msg["ts"]

    def edit(self: "Sandbox", user: str, channel: str, ts: str, new_text: str) -> None:
        with self.ws.lock:
            conv, msg = self._own_message(user, channel, ts)
            before = copy.deepcopy(msg)
            msg.update(self.ws.human_message(user, client_mentions(self.ws, escape(new_text))),
                       ts=ts, edited={"user": user, "ts": self.ws.next_ts()})
            event = payloads.changed_event(self.ws, conv, before, copy.deepcopy(msg))
        self._deliver_all([event])

    def delete(self: "Sandbox", user: str, channel: str, ts: str) -> None:
        with self.ws.lock:
            conv, _ = self._own_message(user, channel, ts)
            event = payloads.deleted_event(self.ws, conv, self.ws.remove_message(conv, ts))
        self._deliver_all([event])

    def react(self: "Sandbox", user: str, channel: str, ts: str, name: str) -> None:
        self._reaction(user, channel, ts, name, "reaction_added")

    def unreact(self: "Sandbox", user: str, channel: str, ts: str, name: str) -> None:
        self._reaction(user, channel, ts, name, "reaction_removed")

    def _reaction(self: "Sandbox", user: str, channel: str, ts: str, name: str, kind: str) -> None:
        with self.ws.lock:
            conv = self._seen_by(user, channel)
            msg = conv.messages.get(ts)
            if msg is None:
                raise ValueError(f"no message {ts} in {channel}")
            change = self.ws.add_reaction if kind == "reaction_added" else self.ws.remove_reaction
            if not change(msg, name, user):
                raise ValueError(f"{kind} is a no-op: {user} and :{name}: on {ts}")
            event = payloads.reaction_event(kind, user, conv, msg, name, self.ws)
        self._deliver_all([event])

    # ---- slash commands and shortcuts ----------------------------------------------------------

    def command(self: "Sandbox", user: str, channel: str, command: str, text: str = "") -> Delivery:
        with self.ws.lock:
            conv = self._seen_by(user, channel)
            trigger = self.ws.mint_trigger(user)
            url = self.ws.mint_response_url(self.base_url, user, conv.id, None)
            typed = escape(text)
            if command in self.escaped_commands:  # should_escape: picked people arrive as <@U…|name>
                typed = client_mentions(self.ws, typed, with_names=True)
            fields = payloads.command_form(self.ws, conv, user, command, typed, url, trigger)
        delivery = Delivery("command", dict(fields), payloads.encode_form(fields))
        self._send(delivery, FORM, retry=False)
        self.responses.apply_command_ack(delivery, user, conv, command)
        return delivery

    def message_shortcut(self: "Sandbox", user: str, channel: str, ts: str, callback_id: str) -> Delivery:
        with self.ws.lock:
            conv = self._seen_by(user, channel)
            msg = conv.messages.get(ts)
            if msg is None:
                raise ValueError(f"no message {ts} in {channel}")
            url = self.ws.mint_response_url(self.base_url, user, conv.id, None)
            payload = payloads.message_action(self.ws, user, self.ws.mint_trigger(user), conv,
                                              copy.deepcopy(msg), callback_id, url)
        return self._interact(payload)

    def global_shortcut(self: "Sandbox", user: str, callback_id: str) -> Delivery:
        with self.ws.lock:
            payload = payloads.shortcut(self.ws, user, self.ws.mint_trigger(user), callback_id)
        return self._interact(payload)

    def open_home(self: "Sandbox", user: str) -> Delivery:
        with self.ws.lock:
            event = {"type": "app_home_opened", "user": user, "channel": self.ws.bot_dm(user),
                     "tab": "home", "event_ts": self.ws.next_ts()}
            if user in self.ws.homes:
                event["view"] = copy.deepcopy(self.ws.views[self.ws.homes[user]])
        return self.deliver_event(event)

    def _interact(self: "Sandbox", payload: dict) -> Delivery:
        return self._send(Delivery("interaction", payload, payloads.encode_payload(payload)), FORM, retry=False)

    # ---- clicks ----------------------------------------------------------------------------------

    def click(self: "Sandbox", user: str, action_id: str, *, channel: str | None = None,
              ts: str | None = None, view_id: str | None = None, value: Any = None,
              selected_option: Any = None, block_id: str | None = None,
              ephemeral: dict | None = None) -> Delivery:
        with self.ws.lock:
            trigger = self.ws.mint_trigger(user)
            pick = lambda blocks: blockkit.find_element(blocks, action_id, block_id)  # noqa: E731
            if view_id is not None:
                view = self._view_seen_by(user, view_id)
                block, el = pick(view["blocks"])
                action = payloads.action_for(block, el, self.ws.next_ts(), value, selected_option)
                if el["type"] != "button":  # a changed select in a view is part of its state
                    view["state"]["values"].setdefault(block["block_id"], {})[el["action_id"]] = {
                        k: v for k, v in action.items() if k == "type" or k in blockkit.STATE_KEYS}
                payload = payloads.block_action(self.ws, user, trigger, action, view=copy.deepcopy(view))
            elif ephemeral is not None:
                eph = self.ws.find_ephemeral(ephemeral)
                if eph["user"] != user:
                    raise ValueError("that ephemeral message is shown to someone else")
                conv = self.ws.conversation(eph["channel"])
                block, el = pick(eph["blocks"])
                url = self.ws.mint_response_url(self.base_url, user, conv.id, ("ephemeral", eph))
                action = payloads.action_for(block, el, self.ws.next_ts(), value, selected_option)
                payload = payloads.block_action(self.ws, user, trigger, action, conv=conv,
                                                ephemeral=copy.deepcopy(eph), response_url=url)
            else:
                conv = self._seen_by(user, channel or "")
                msg = conv.messages.get(ts or "")
                if msg is None:
                    raise ValueError(f"no message {ts} in {channel}")
                block, el = pick(msg.get("blocks"))
                url = self.ws.mint_response_url(self.base_url, user, conv.id, ("message", msg["ts"]))
                action = payloads.action_for(block, el, self.ws.next_ts(), value, selected_option)
                payload = payloads.block_action(self.ws, user, trigger, action, conv=conv,
                                                message=copy.deepcopy(msg), response_url=url)
        return self._interact(payload)

    def _view_seen_by(self: "Sandbox", user: str, view_id: str) -> dict:
        """Only the top modal of the user's stack, or their Home tab, can be interacted with."""
        stack = self.ws.modal_stacks.get(user) or []
        if view_id not in (stack[-1:] + [self.ws.homes.get(user)]):
            raise ValueError(f"view {view_id} is not in front of {user}")
        return self.ws.views[view_id]

    # ---- modal submission ------------------------------------------------------------------------

    def submit_view(self: "Sandbox", user: str, view_id: str, values: dict[str, dict[str, Any]]) -> Delivery:
        with self.ws.lock:
            stack = self.ws.modal_stacks.get(user) or []
            if stack[-1:] != [view_id]:
                raise ValueError(f"view {view_id} is not the modal in front of {user}")
            view = self.ws.views[view_id]
            view["state"]["values"] = self._submitted_state(view, values)
            payload = payloads.view_submission(self.ws, user, self.ws.mint_trigger(user),
                                               copy.deepcopy(view))
        delivery = self._interact(payload)
        with self.ws.lock:
            delivery.outcome = self._apply_submission_ack(user, view_id, delivery)
        return delivery

    def _submitted_state(self: "Sandbox", view: dict, values: dict[str, dict[str, Any]]) -> dict:
        state = blockkit.empty_state(view["blocks"])
        for block_id, actions in values.items():
            for action_id, value in actions.items():
                block, el = blockkit.find_element(view["blocks"], action_id, block_id)
                state.setdefault(block_id, {})[action_id] = blockkit.element_state(el, value, given=True)
        for block in view["blocks"]:
            entry = state.get(block["block_id"], {}).get(block.get("element", {}).get("action_id"))
            if block.get("type") == "input" and not block.get("optional") and entry:
                if all(v in (None, [], "") for k, v in entry.items() if k != "type"):
                    raise ValueError(f"required input {block['block_id']!r} is empty: "
                                     "the Slack client would not submit")
        return state

    def _apply_submission_ack(self: "Sandbox", user: str, view_id: str, delivery: Delivery) -> str:
        """Apply a view_submission ack like Slack; returns what the user saw."""
        if not delivery.acked:
            return "failed: trouble connecting"  # the modal stays open with Slack's warning
        body = delivery.body.strip()
        if not body:
            self.views_api.close_top(user)
            return "closed"
        try:
            ack = json.loads(body)
            return self._response_action(user, view_id, ack)
        except (ValueError, AttributeError, SlackError) as e:
            return f"failed: {getattr(e, 'error', 'invalid response')}"

    def _response_action(self: "Sandbox", user: str, view_id: str, ack: dict) -> str:
        action = ack.get("response_action")
        if action == "errors":
            view = self.ws.views[view_id]
            inputs = {b["block_id"] for b in view["blocks"] if b.get("type") == "input"}
            if not set(ack.get("errors") or {}) <= inputs:
                return "failed: errors name blocks that are not input blocks"
            view["errors"] = ack["errors"]
            return "errors"
        if action == "update":
            self.views_api.replace(view_id, self.views_api.checked_spec(ack.get("view"), "modal"))
            return "updated"
        if action == "push":
            self.views_api.push_modal(user, self.views_api.checked_spec(ack.get("view"), "modal"))
            return "pushed"
        if action == "clear":
            self.views_api.close_all(user)
            return "cleared"
        self.views_api.close_top(user)
        return "closed"
