"""App Home: publish the Home tab whenever someone opens it."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from peerbot.blocks.home import home_view
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack


def register(app: App, deps: Deps) -> None:
    @after_ack
    def publish_home(event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        client.views_publish(user_id=event["user"], view=home_view(f"<@{event['user']}>"))

    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])
