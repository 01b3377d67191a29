"""The ack baseline: a bare Bolt app on peerbot's own server stack (waitress,
the same WSGI adapter and SlackRequest, process_before_response=True) whose
listeners only ack. Whatever peerbot costs above this is peerbot's own.

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... SLACK_API_URL=... python -m bench.baseline_app --port N"""

from __future__ import annotations

import argparse
import os
from types import SimpleNamespace

from slack_bolt import Ack, App
from slack_sdk import WebClient

from peerbot.server import HttpServer, build_wsgi_app


def create_baseline_app(signing_secret: str, bot_token: str, api_url: str) -> App:
    # Bolt's authorization calls auth.test once (then caches it), as it does for peerbot.
    app = App(client=WebClient(token=bot_token, base_url=api_url), signing_secret=signing_secret,
              process_before_response=True, token_verification_enabled=False)

    def ack_only(ack: Ack) -> None:
        ack()

    for command in ("/ask", "/kb", "/tip", "/peerbot"):
        app.command(command)(ack_only)
    for event in ("reaction_added", "reaction_removed", "message"):
        app.event(event)(ack_only)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_baseline_app(os.environ["SLACK_SIGNING_SECRET"], os.environ["SLACK_BOT_TOKEN"],
                              os.environ["SLACK_API_URL"])
    deps = SimpleNamespace(db=SimpleNamespace(ping=lambda: True))  # /healthz only asks the database
    HttpServer(build_wsgi_app(app, deps, web=False), host="127.0.0.1", port=args.port).serve_forever()


if __name__ == "__main__":
    main()
