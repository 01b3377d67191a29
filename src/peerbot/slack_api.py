"""The Web API client and the one map from Slack errors to fixes people can make."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from peerbot.config import Settings


def build_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    """A client for SLACK_API_URL that waits out 429s (Retry-After) and
    retries connection and server errors a few times."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


# Slack errors a person can fix, and how. Everything else is our problem.
ERROR_HINTS = {
    "not_in_channel": "I'm not in this channel yet. Invite me with `/invite @peerbot`, then try again.",
    "channel_not_found": (
        "I can't post here: this is a private conversation I'm not part of. "
        "Invite me with `/invite @peerbot` (or use me in a channel I'm in), then try again."
    ),
    "is_archived": "This channel is archived, so I can't post in it.",
    "user_not_in_channel": "You're not a member of that channel.",
    "expired_trigger_id": "That took Slack too long to open the form. Please run the command again.",
    "exchanged_trigger_id": "That form was already opened. Please run the command again.",
}


def error_hint(error: str | None) -> str | None:
    """A one-line fix for a Slack error code, or None if there is none."""
    return ERROR_HINTS.get(error or "")
