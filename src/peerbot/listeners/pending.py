"""Surfaces declared in manifest.yml whose features are still being built.

Each one answers (Slack shows people an error for an unanswered request) and
says what is coming. Features move out of here as they land."""

from __future__ import annotations

from slack_bolt import Ack, App

from peerbot.blocks import ids
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only

COMING_SOON = "That part of peerbot is coming soon. Try `/peerbot help` to see what works today."


def register(app: App, deps: Deps) -> None:
    def answer(ack: Ack) -> None:
        ack(text=COMING_SOON, response_type="ephemeral")

    for command in ("/tip", "/kb", "/experts"):
        app.command(command)(answer)
    app.shortcut(ids.SAVE_TO_KB)(ack_only)
    app.action(ids.HOME_TIP)(ack_only)
