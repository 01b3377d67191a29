"""create_app(deps): the Bolt app with every listener registered."""

from __future__ import annotations

import logging

from slack_bolt import App

from peerbot.deps import Deps
from peerbot.listeners import admin, ask, buddies, experts, home, knowledge, messages, programmes, subscriptions

logger = logging.getLogger("peerbot")

FEATURES = (admin, ask, buddies, experts, home, knowledge, messages, programmes, subscriptions)


def create_app(deps: Deps) -> App:
    app = App(
        client=deps.client,
        signing_secret=deps.settings.signing_secret or "",
        # Acks run on the request thread; slow work goes to our own pool
        # (lazy listeners), so it can never hold back another request's ack.
        process_before_response=True,
        listener_executor=deps.executor,
        # peerbot checks the token itself at start-up, with a clear message.
        token_verification_enabled=False,
        logger=logger,
    )
    for feature in FEATURES:
        feature.register(app, deps)
    return app
