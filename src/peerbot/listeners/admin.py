"""/peerbot: help and stats now; subscriptions, settings and programmes grow here."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks.experts import stats_message, stats_usage
from peerbot.blocks.help import help_message
from peerbot.blocks.text import escape, message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.services import stats
from peerbot.slack_api import privacy_of
from peerbot.store.models import PUBLIC


def parse_stats(words: list[str]) -> tuple[timedelta, bool] | None:
    """`stats [7d] [workspace]` → (period, whole workspace?); None when malformed."""
    period, workspace = stats.DEFAULT_PERIOD, False
    for word in words:
        if word.lower() == "workspace" and not workspace:
            workspace = True
        elif (parsed := stats.parse_period(word)) is not None:
            period = parsed
        else:
            return None
    return period, workspace


def peerbot_reply(text: str) -> dict | None:
    """The ack for `/peerbot <text>`: pure, so it is always on time. None when
    the answer follows from a lazy function (stats)."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return help_message()
    if words[0].lower() == "stats":
        return None if parse_stats(words[1:]) is not None else message(stats_usage())
    return help_message(f"I don't know `/peerbot {escape(words[0])}` yet. Here is what I can do:")


def register(app: App, deps: Deps) -> None:
    def ack_peerbot(ack: Ack, command: dict) -> None:
        reply = peerbot_reply(unescape(command.get("text", "")))
        ack(response_type="ephemeral", **reply) if reply is not None else ack()

    @after_ack
    def handle_peerbot(command: dict, client: WebClient, respond: Respond) -> None:
        words = unescape(command.get("text", "")).split()
        if not words or words[0].lower() != "stats" or (parsed := parse_stats(words[1:])) is None:
            return
        period, workspace = parsed
        team_id, channel_id = command["team_id"], command["channel_id"]
        now = deps.clock()
        with deps.db.read() as session:
            asked_in = stats.channels_asked_in(session, team_id, now=now, period=period)
        # Topic names of knowledge gaps may be shown if asked about in a public
        # channel or in this one; privacy comes from conversations.info.
        nameable = {channel_id}
        for other in asked_in:
            try:
                if privacy_of(client, deps.db, team_id, other, now) == PUBLIC:
                    nameable.add(other)
            except SlackApiError:
                continue
        with deps.db.read() as session:
            numbers = stats.compute(session, team_id, now=now, period=period,
                                    channel_id=None if workspace else channel_id, nameable_channels=nameable)
        scope = "the workspace" if workspace else f"<#{channel_id}>"
        respond(response_type="ephemeral", **stats_message(numbers, scope=scope, days=period.days))

    app.command("/peerbot")(ack=ack_peerbot, lazy=[handle_peerbot])
