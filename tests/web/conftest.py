"""The dashboard's WSGI app called in-process, with a Slack sandbox behind its client
(auth.test, users.info, conversations.members) and a fresh database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from peerbot.cli import build_deps
from peerbot.config import Settings
from peerbot.deps import Deps
from peerbot.sandbox import Sandbox
from peerbot.services import dashboard_access
from peerbot.web import build_dashboard

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Site:
    slack: Sandbox
    deps: Deps
    dashboard: object

    def login_as(self, user_id: str, role: str = "admin") -> str:
        with self.deps.db.begin() as session:
            token = dashboard_access.issue_link(session, self.slack.team_id, user_id, role, now=NOW)
            cookie, _ = dashboard_access.redeem_link(session, token, team_id=self.slack.team_id, now=NOW)
        return cookie

    def get(self, path: str, cookie: str | None = None, **query) -> Reply:
        return self.call("GET", path, cookie, query=urlencode(query))

    def call(self, method: str, path: str, cookie: str | None, query: str = "", form: dict | None = None) -> Reply:
        body = urlencode(form or {}).encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        if cookie:
            environ["HTTP_COOKIE"] = f"peerbot_dashboard={cookie}"
        seen = {}

        def start_response(status, headers):
            seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

        chunks = b"".join(self.dashboard(environ, start_response))
        return Reply(seen["status"], seen["headers"], chunks)


@pytest.fixture
def site(database_url, monkeypatch) -> Site:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    slack = Sandbox(signing_secret="web-secret", bot_token="xoxb-web").start()
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-web", "SLACK_API_URL": slack.api_url,
                                  "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": "web-secret",
                                  "PEERBOT_PUBLIC_URL": "https://peerbot.example.com"})
    deps = build_deps(settings)
    deps.clock = lambda: NOW
    yield Site(slack, deps, build_dashboard(deps))
    deps.executor.shutdown(wait=True)
    slack.stop()
    deps.db.dispose()
