"""Pieces shared by peerbot's modals."""

from __future__ import annotations

import json

from peerbot.blocks.text import plain
from peerbot.services.topics import MAX_TOPIC_LENGTH


def modal(callback_id: str, title: str, submit: str, blocks: list[dict], metadata: dict) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def channel_input(label: str) -> dict:
    """Opened from a shortcut or App Home, a form has no channel yet: ask for one."""
    return {
        "type": "input",
        "block_id": "channel",
        "label": plain(label),
        "element": {
            "type": "conversations_select",
            "action_id": "channel",
            "default_to_current_conversation": True,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        },
    }


def topic_input(hint: str | None = None) -> dict:
    block = {
        "type": "input",
        "block_id": "topic",
        "optional": True,
        "label": plain("Topic"),
        "element": {
            "type": "plain_text_input",
            "action_id": "topic",
            "placeholder": plain("e.g. python, onboarding, expenses"),
            "max_length": MAX_TOPIC_LENGTH,
        },
    }
    if hint:
        block["hint"] = plain(hint)
    return block
