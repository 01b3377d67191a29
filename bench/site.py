"""peerbot's dependencies in-process for the digest and dashboard benchmarks:
the real Deps (database, Slack client, settings) with a Slack sandbox behind
the client, and the same WSGI app waitress serves (/healthz, /dashboard)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime

from peerbot.cli import build_deps
from peerbot.config import Settings
from peerbot.deps import Deps
from peerbot.sandbox import Sandbox
from peerbot.server import build_wsgi_app
from peerbot.services import dashboard_access

from bench.search import TEAM

SECRET, TOKEN = "bench-site-secret", "xoxb-bench-site"


@dataclass
class Site:
    slack: Sandbox
    deps: Deps
    wsgi: object

    def login(self, user_id: str, now: datetime) -> str:
        with self.deps.db.begin() as session:
            token = dashboard_access.issue_link(session, TEAM, user_id, dashboard_access.ADMIN, now=now)
            cookie, _ = dashboard_access.redeem_link(session, token, team_id=TEAM, now=now)
        return cookie

    def get(self, path: str, cookie: str | None = None) -> tuple[int, bytes]:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "CONTENT_LENGTH": "0",
                   "wsgi.input": io.BytesIO(b"")}
        if cookie:
            environ["HTTP_COOKIE"] = f"peerbot_dashboard={cookie}"
        seen = {}

        def start_response(status, headers):
            seen["status"] = int(status.split()[0])

        body = b"".join(self.wsgi(environ, start_response))
        return seen["status"], body

    def close(self) -> None:
        self.deps.executor.shutdown(wait=True)
        self.slack.stop()
        self.deps.db.dispose()


def start(database_url: str, now: datetime) -> Site:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)
    slack = Sandbox(signing_secret=SECRET, bot_token=TOKEN, team_id=TEAM).start()
    settings = Settings.from_env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url,
                                  "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": SECRET,
                                  "PEERBOT_PUBLIC_URL": "https://peerbot.example.com"})
    deps = build_deps(settings)
    deps.clock = lambda: now
    return Site(slack, deps, build_wsgi_app(None, deps, events=False))
