"""Modals and the Home tab: views.* methods, one-shot triggers, and the modal stack."""

from __future__ import annotations

import copy
import secrets
import time
from typing import TYPE_CHECKING

from . import blockkit
from .webapi import SlackError, json_arg
from .workspace import TRIGGER_RE

if TYPE_CHECKING:
    from .sandbox import Sandbox

MAX_STACK = 3
TRIGGER_TTL = 3.0


def _invalid(*messages: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


class ViewsApi:
    def __init__(self, sb: "Sandbox"):
        self.sb, self.ws = sb, sb.ws
        self.methods = {"views.open": self.open, "views.push": self.push,
                        "views.update": self.update, "views.publish": self.publish}

    # ---- checks ----------------------------------------------------------------------------

    def _exchange_trigger(self, args: dict) -> dict:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise _invalid("[ERROR] missing required field: trigger_id")
        trigger = self.ws.triggers.get(trigger_id)
        if not TRIGGER_RE.match(trigger_id) or trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger["used"]:
            raise SlackError("exchanged_trigger_id")
        if self.ws.clock() - trigger["created"] > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger["used"] = True
        return trigger

    def checked_spec(self, spec: object, kind: str) -> dict:
        """The view definition if Slack would accept it as a ``kind`` view."""
        problems = blockkit.validate_view(spec)
        if not problems and spec.get("type") != kind:
            problems = [f"[ERROR] must be {kind} [json-pointer:/view/type]"]
        if problems:
            raise _invalid(*problems)
        if blockkit.view_too_large(spec):
            raise SlackError("view_too_large")
        return spec

    def _spec(self, args: dict, kind: str) -> dict:
        return self.checked_spec(json_arg(args, "view", "invalid_arguments"), kind)

    # ---- building views ----------------------------------------------------------------------

    def build(self, spec: dict, user: str, *, view_id: str | None = None,
              root_view_id: str | None = None, previous_view_id: str | None = None) -> dict:
        """Store a view in Slack's response shape, with a fresh hash."""
        ws, spec = self.ws, copy.deepcopy(spec)
        view_id = view_id or ws.new_id("V")
        external_id = spec.get("external_id", "")
        if external_id and self.by_external_id(external_id) not in (None, view_id):
            raise SlackError("duplicate_external_id")
        blocks = blockkit.with_ids(spec.get("blocks", []))
        view = {"id": view_id, "team_id": ws.team_id, "type": spec["type"], "blocks": blocks,
                "private_metadata": spec.get("private_metadata", ""),
                "callback_id": spec.get("callback_id", ""), "external_id": external_id,
                "state": {"values": blockkit.empty_state(blocks)},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "clear_on_close": bool(spec.get("clear_on_close", False)),
                "notify_on_close": bool(spec.get("notify_on_close", False)),
                "root_view_id": root_view_id or view_id, "previous_view_id": previous_view_id,
                "app_id": ws.app_id, "app_installed_team_id": ws.team_id, "bot_id": ws.bot_id}
        for key in ("title", "submit", "close"):
            view[key] = spec.get(key)
        ws.views[view_id] = view
        ws.view_owner[view_id] = user
        return view

    def by_external_id(self, external_id: str) -> str | None:
        return next((vid for vid, v in self.ws.views.items() if v["external_id"] == external_id), None)

    def replace(self, view_id: str, spec: dict) -> dict:
        old = self.ws.views[view_id]
        return self.build(spec, self.ws.view_owner[view_id], view_id=view_id,
                          root_view_id=old["root_view_id"], previous_view_id=old["previous_view_id"])

    # ---- the modal stack -------------------------------------------------------------------

    def push_modal(self, user: str, spec: dict) -> dict:
        stack = self.ws.modal_stacks.setdefault(user, [])
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        view = self.build(spec, user, root_view_id=stack[0] if stack else None,
                          previous_view_id=stack[-1] if stack else None)
        stack.append(view["id"])
        return view

    def close_top(self, user: str) -> None:
        stack = self.ws.modal_stacks.get(user) or []
        if stack:
            self.ws.views.pop(stack.pop(), None)  # closed views are gone: views.update -> not_found

    def close_all(self, user: str) -> None:
        while self.ws.modal_stacks.get(user):
            self.close_top(user)

    # ---- methods -----------------------------------------------------------------------------

    def open(self, args: dict) -> dict:
        trigger = self._exchange_trigger(args)
        spec = self._spec(args, "modal")
        self.close_all(trigger["user"])  # views.open starts a new stack
        return {"view": copy.deepcopy(self.push_modal(trigger["user"], spec))}

    def push(self, args: dict) -> dict:
        trigger = self._exchange_trigger(args)
        spec = self._spec(args, "modal")
        if not self.ws.modal_stacks.get(trigger["user"]):
            raise SlackError("not_found")  # nothing open to push onto
        return {"view": copy.deepcopy(self.push_modal(trigger["user"], spec))}

    def update(self, args: dict) -> dict:
        view_id = args.get("view_id") or (args.get("external_id") and self.by_external_id(args["external_id"]))
        if not args.get("view_id") and not args.get("external_id"):
            raise _invalid("[ERROR] view_id or external_id is required")
        current = self.ws.views.get(view_id or "")
        if current is None:
            raise SlackError("not_found")
        spec = self._spec(args, current["type"])
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": copy.deepcopy(self.replace(current["id"], spec))}

    def publish(self, args: dict) -> dict:
        user = args["user_id"]
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        spec = self._spec(args, "home")
        home_id = self.ws.homes.get(user)
        if args.get("hash") and home_id and args["hash"] != self.ws.views[home_id]["hash"]:
            raise SlackError("hash_conflict")
        view = self.replace(home_id, spec) if home_id else self.build(spec, user)
        self.ws.homes[user] = view["id"]
        return {"view": copy.deepcopy(view)}
