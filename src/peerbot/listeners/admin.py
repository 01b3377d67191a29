"""/peerbot: help now; subscriptions, settings, stats and programmes grow here."""

from __future__ import annotations

from slack_bolt import Ack, App

from peerbot.blocks.help import help_message
from peerbot.blocks.text import escape, unescape
from peerbot.deps import Deps


def peerbot_reply(text: str) -> dict:
    """The ack for `/peerbot <text>`: pure, so it is always on time."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return help_message()
    return help_message(f"I don't know `/peerbot {escape(words[0])}` yet. Here is what I can do:")


def register(app: App, deps: Deps) -> None:
    @app.command("/peerbot")
    def on_peerbot(ack: Ack, command: dict) -> None:
        ack(response_type="ephemeral", **peerbot_reply(unescape(command.get("text", ""))))
