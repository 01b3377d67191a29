"""The Web API client and the one map from Slack errors to fixes people can make."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from peerbot.config import Settings
from peerbot.services import conversations
from peerbot.store.db import Database
from peerbot.store.models import IM, MPIM, PRIVATE, PUBLIC, Conversation


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


# ---- reads shared by listeners and jobs ------------------------------------------------------

PRIVACY_TTL = timedelta(hours=1)


def privacy_of(client: WebClient, db: Database, team_id: str, channel_id: str, now: datetime) -> str:
    """public | private | im | mpim, from conversations.info (cached for an hour).
    Never guessed from the id: private channels have C ids too."""
    with db.read() as session:
        cached = session.get(Conversation, (team_id, channel_id))
        if cached is not None and now - cached.refreshed_at < PRIVACY_TTL:
            return cached.privacy
    info = client.conversations_info(channel=channel_id)["channel"]
    privacy = _privacy(info)
    with db.begin() as session:
        conversations.remember(session, team_id, channel_id, name=info.get("name") or "", privacy=privacy, now=now)
    return privacy


def _privacy(info: dict) -> str:
    if info.get("is_im"):
        return IM
    if info.get("is_mpim"):
        return MPIM
    return PRIVATE if info.get("is_private") else PUBLIC


def fetch_message(client: WebClient, channel_id: str, ts: str) -> dict | None:
    """The message at (channel, ts), top-level or a thread reply. Reaction
    events carry only channel + ts, and conversations.history leaves replies
    out, so ask conversations.replies and check that the ts is the one asked."""
    try:
        response = client.conversations_replies(channel=channel_id, ts=ts, limit=1, inclusive=True)
    except SlackApiError as error:
        if error.response.get("error") in ("thread_not_found", "message_not_found"):
            return None
        raise
    return next((m for m in response.get("messages", []) if m.get("ts") == ts), None)


def permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError:
        return None


def dm_channel(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]
