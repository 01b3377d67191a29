"""Escaping and limits for text we put into Slack messages."""

from __future__ import annotations

SECTION_TEXT_LIMIT = 3000


def escape(text: str) -> str:
    """Escape Slack's control characters so user text can never ping
    @channel, mention anyone or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of typed text, once, on the way in."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(truncate(text, SECTION_TEXT_LIMIT))}


def message(text: str, blocks: list[dict] | None = None) -> dict:
    """A message payload with its fallback text always present."""
    return {"text": text, "blocks": blocks or [section(text)]}
