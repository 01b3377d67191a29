"""Block Kit: the limits Slack enforces, element lookup, and the shape of ``state.values``."""

from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

BLOCK_TYPES = {"section", "header", "divider", "context", "actions", "input", "image", "rich_text",
               "markdown", "video", "file"}
MAX_BLOCKS = {"message": 50, "view": 100}
MAX_VIEW_BYTES = 250_000


class Problems(list):
    """Collects messages in Slack's ``response_metadata.messages`` style."""

    def check(self, ok: bool, where: str, message: str) -> None:
        if not ok:
            self.append(f"[ERROR] {message} [json-pointer:{where}]")


def _text(p: Problems, obj: Any, where: str, *, max_len: int, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        p.check(False, where, "must be a text object of type plain_text or mrkdwn")
        return
    p.check(not (plain_only and obj["type"] != "plain_text"), where + "/type", "must be plain_text")
    text = obj.get("text")
    p.check(isinstance(text, str) and text != "", where + "/text", "must be a non-empty string")
    p.check(not isinstance(text, str) or len(text) <= max_len, where + "/text",
            f"must be less than {max_len + 1} characters")


def _option(p: Problems, opt: Any, where: str) -> None:
    if not isinstance(opt, dict):
        p.check(False, where, "must be an option object")
        return
    _text(p, opt.get("text"), where + "/text", max_len=75)
    value = opt.get("value")
    p.check(value is None or (isinstance(value, str) and len(value) <= 150), where + "/value",
            "must be a string of at most 150 characters")


def _element(p: Problems, el: Any, where: str) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        p.check(False, where, "must be an element object with a type")
        return
    action_id = el.get("action_id")
    p.check(action_id is None or len(str(action_id)) <= 255, where + "/action_id",
            "must be at most 255 characters")
    if el["type"] == "button":
        _text(p, el.get("text"), where + "/text", max_len=75, plain_only=True)
        p.check(len(str(el.get("value", ""))) <= 2000, where + "/value", "must be at most 2000 characters")
        p.check(len(str(el.get("url", ""))) <= 3000, where + "/url", "must be at most 3000 characters")
    for key in ("options", "initial_options"):
        options = el.get(key) or []
        p.check(len(options) <= 100, f"{where}/{key}", "must have at most 100 items")
        for i, opt in enumerate(options):
            _option(p, opt, f"{where}/{key}/{i}")
    for g, group in enumerate(el.get("option_groups") or []):
        for i, opt in enumerate(group.get("options") or []):
            _option(p, opt, f"{where}/option_groups/{g}/options/{i}")
    if "placeholder" in el:
        _text(p, el["placeholder"], where + "/placeholder", max_len=150, plain_only=True)


def _block(p: Problems, block: Any, where: str) -> None:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in BLOCK_TYPES:
        p.check(False, where + "/type", f"unsupported block type {kind!r}")
        return
    p.check(len(str(block.get("block_id", ""))) <= 255, where + "/block_id", "must be at most 255 characters")
    if kind == "section":
        p.check("text" in block or "fields" in block, where, "must have text or fields")
        if "text" in block:
            _text(p, block["text"], where + "/text", max_len=3000)
        fields = block.get("fields") or []
        p.check(len(fields) <= 10, where + "/fields", "must have at most 10 items")
        for i, f in enumerate(fields):
            _text(p, f, f"{where}/fields/{i}", max_len=2000)
        if "accessory" in block:
            _element(p, block["accessory"], where + "/accessory")
    elif kind == "header":
        _text(p, block.get("text"), where + "/text", max_len=150, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        p.check(0 < len(elements) <= 10, where + "/elements", "must have 1 to 10 items")
        for i, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                _text(p, el, f"{where}/elements/{i}", max_len=3000)
    elif kind == "actions":
        elements = block.get("elements") or []
        p.check(0 < len(elements) <= 25, where + "/elements", "must have 1 to 25 items")
        for i, el in enumerate(elements):
            _element(p, el, f"{where}/elements/{i}")
    elif kind == "input":
        _text(p, block.get("label"), where + "/label", max_len=2000, plain_only=True)
        _element(p, block.get("element"), where + "/element")


def validate_blocks(blocks: Any, surface: str) -> list[str]:
    """Problems with ``blocks`` on a "message" or a "view"; empty when Slack would accept them."""
    p = Problems()
    if not isinstance(blocks, list):
        p.check(False, "/blocks", "must be an array")
        return p
    limit = MAX_BLOCKS[surface]
    p.check(len(blocks) <= limit, "/blocks", f"must have at most {limit} items")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        _block(p, block, f"/blocks/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        p.check(block_id is None or block_id not in seen, f"/blocks/{i}/block_id", "must be unique")
        if block_id is not None:
            seen.add(block_id)
    return p


def validate_view(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    p = Problems()
    kind = view.get("type")
    p.check(kind in ("modal", "home"), "/view/type", "must be modal or home")
    if kind == "modal":
        _text(p, view.get("title"), "/view/title", max_len=24, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        p.check(not has_input or "submit" in view, "/view/submit", "is required when there are input blocks")
    for key in ("submit", "close"):
        if key in view:
            _text(p, view[key], f"/view/{key}", max_len=24, plain_only=True)
    p.check(len(str(view.get("private_metadata", ""))) <= 3000, "/view/private_metadata",
            "must be at most 3000 characters")
    p.check(len(str(view.get("callback_id", ""))) <= 255, "/view/callback_id", "must be at most 255 characters")
    p.extend(validate_blocks(view.get("blocks"), "view"))
    return p


def view_too_large(view: dict) -> bool:
    return len(json.dumps(view).encode()) > MAX_VIEW_BYTES


# ---- elements and state ----------------------------------------------------------------------

def with_ids(blocks: list) -> list:
    """Fill the block_id/action_id Slack generates when an app leaves them out."""
    for block in blocks or []:
        block.setdefault("block_id", uuid.uuid4().hex[:5])
    for _, el in elements(blocks):
        el.setdefault("action_id", uuid.uuid4().hex[:5])
    return blocks


def elements(blocks: list) -> Iterator[tuple[dict, dict]]:
    """Every interactive element as (block, element)."""
    for block in blocks or []:
        if "accessory" in block:
            yield block, block["accessory"]
        if block.get("type") == "actions":
            for el in block.get("elements", []):
                yield block, el
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def find_element(blocks: list, action_id: str, block_id: str | None = None) -> tuple[dict, dict]:
    for block, el in elements(blocks):
        if el.get("action_id") == action_id and block_id in (None, block.get("block_id")):
            return block, el
    raise ValueError(f"no element with action_id {action_id!r} is shown to the user here")


_EMPTY = {  # state key and empty value per element type
    "plain_text_input": ("value", None), "number_input": ("value", None),
    "email_text_input": ("value", None), "url_text_input": ("value", None),
    "static_select": ("selected_option", None), "external_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None), "overflow": ("selected_option", None),
    "multi_static_select": ("selected_options", []), "multi_external_select": ("selected_options", []),
    "checkboxes": ("selected_options", []),
    "users_select": ("selected_user", None), "multi_users_select": ("selected_users", []),
    "conversations_select": ("selected_conversation", None),
    "multi_conversations_select": ("selected_conversations", []),
    "channels_select": ("selected_channel", None), "multi_channels_select": ("selected_channels", []),
    "datepicker": ("selected_date", None), "timepicker": ("selected_time", None),
    "datetimepicker": ("selected_date_time", None), "rich_text_input": ("rich_text_value", None),
}

STATE_KEYS = {key for key, _ in _EMPTY.values()}


def _option_for(el: dict, value: Any) -> dict:
    if isinstance(value, dict):
        value = value.get("value")
    options = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        options += group.get("options") or []
    if el["type"].endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": value}
    for opt in options:
        if opt.get("value") == value:
            return opt
    raise ValueError(f"{el.get('action_id')!r} offers no option with value {value!r}")


def element_state(el: dict, value: Any = None, *, given: bool = False) -> dict:
    """One ``state.values[block][action]`` entry; the empty state unless a value is ``given``."""
    kind = el.get("type")
    if kind not in _EMPTY:
        raise ValueError(f"element type {kind!r} holds no state")
    key, empty = _EMPTY[kind]
    if not given:
        value = _initial(el, empty)
    elif key == "selected_option":
        value = _option_for(el, value)
    elif key == "selected_options":
        value = [_option_for(el, v) for v in value]
    return {"type": kind, key: value}


def _initial(el: dict, empty: Any) -> Any:
    for initial in ("initial_value", "initial_option", "initial_options", "initial_user",
                    "initial_users", "initial_conversation", "initial_conversations",
                    "initial_channel", "initial_channels", "initial_date", "initial_time"):
        if initial in el:
            return el[initial]
    return empty


def empty_state(blocks: list) -> dict[str, dict[str, dict]]:
    values: dict[str, dict[str, dict]] = {}
    for block, el in elements(blocks):
        if block.get("type") == "input" and el.get("type") in _EMPTY:
            values.setdefault(block["block_id"], {})[el["action_id"]] = element_state(el)
    return values
