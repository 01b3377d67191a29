"""End-to-end: the real app against the Slack sandbox, over both transports.

`world` is parametrised: every journey runs once over HTTP (signed POSTs to
/slack/events) and once over Socket Mode (envelopes on a WebSocket the app
opened). Tests that are about HTTP itself (signatures, form bodies, /healthz
over HTTP) take `http_world` instead and run once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from peerbot.app import create_app
from peerbot.cli import build_deps
from peerbot.config import Settings
from peerbot.deps import Deps
from peerbot.sandbox import Sandbox
from peerbot.server import HttpServer, build_wsgi_app, socket_health, socket_mode_handler

SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-token"
APP_TOKEN = "xapp-1-A0PEERBOT-1-e2e"
TRANSPORTS = ["http", "socket"]
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


class TrackingExecutor(ThreadPoolExecutor):
    """The app's worker pool, counting work in flight so a test can wait
    until everything Slack set off has finished (work runs after the ack)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._in_flight = 0
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._lock:
            self._in_flight -= 1

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            if self._in_flight == 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.15:  # events caused by our posts arrive a moment later
                    return
            else:
                quiet_since = None
            time.sleep(0.01)
        raise AssertionError(f"work still running after {timeout}s")


@dataclass
class World:
    slack: Sandbox
    deps: Deps
    alice: str
    bob: str
    carol: str
    general: str  # public: everyone and the bot
    secret: str  # private (with a C id): alice, bob and the bot
    random: str  # public, the bot is not a member
    transport: str  # "http" | "socket"
    health_url: str  # GET /healthz on the app's HTTP port

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until all work after the acks is done."""
        self.deps.executor.wait_idle(timeout)

    def say(self, user: str, channel: str, command: str, text: str = "") -> str:
        """Run a slash command and return what only that person saw in reply
        (blocks as JSON, then the fallback text), once the work is done."""
        slack = self.slack
        before = len(slack.ephemerals(user=user))
        assert slack.command(user, channel, command, text).acked
        slack.wait_for(lambda: len(slack.ephemerals(user=user)) > before)
        self.settle()
        return "\n".join(json.dumps(e.get("blocks")) + e.get("text", "")
                         for e in slack.ephemerals(user=user)[before:])


@pytest.fixture(params=TRANSPORTS)
def world(request, database_url, monkeypatch) -> World:
    yield from _world(request.param, database_url, monkeypatch)


@pytest.fixture
def http_world(database_url, monkeypatch) -> World:
    """For tests about HTTP itself: signatures, form bodies, the Request URL."""
    yield from _world("http", database_url, monkeypatch)


@pytest.fixture
def socket_world(database_url, monkeypatch) -> World:
    """For tests about Socket Mode itself: reconnects, envelopes, the socket in /healthz."""
    yield from _world("socket", database_url, monkeypatch)


def _world(transport: str, database_url: str, monkeypatch):
    # slack_sdk's WebClient and Socket Mode client read these and ignore NO_PROXY.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    slack = Sandbox(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        transport=transport,
        events=manifest()["settings"]["event_subscriptions"]["bot_events"],
        escaped_commands=[c["command"] for c in manifest()["features"]["slash_commands"] if c.get("should_escape")],
    ).start()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url, "DATABASE_URL": database_url}
    if transport == "http":
        settings = Settings.from_env({**env, "SLACK_SIGNING_SECRET": SECRET})
    else:  # Socket Mode needs no signing secret: nothing comes over HTTP
        settings = Settings.from_env({**env, "SLACK_APP_TOKEN": APP_TOKEN}, http=False)
    deps = build_deps(settings)
    deps.executor = TrackingExecutor(max_workers=8, thread_name_prefix="peerbot-work")
    app = create_app(deps)
    handler = health_extra = None
    if transport == "socket":  # wired as server.serve() wires it
        handler = socket_mode_handler(app, APP_TOKEN)
        health_extra = socket_health(handler)
    wsgi = build_wsgi_app(app, deps, health_extra, events=handler is None)
    server = HttpServer(wsgi, host="127.0.0.1", port=0).start_in_thread()
    if handler is None:
        slack.request_url = f"http://127.0.0.1:{server.port}/slack/events"
    else:
        handler.connect()
        slack.wait_for(slack.socket.open_links)
    alice = slack.add_user("alice", real_name="Alice Adams")
    bob = slack.add_user("bob", real_name="Bob Brown")
    carol = slack.add_user("carol", real_name="Carol Chen", is_admin=True)
    world = World(
        slack=slack,
        deps=deps,
        alice=alice,
        bob=bob,
        carol=carol,
        general=slack.add_channel("general", members=[alice, bob, carol]),
        secret=slack.add_channel("team-secret", private=True, members=[alice, bob]),
        random=slack.add_channel("random", members=[alice, bob, carol], bot_member=False),
        transport=transport,
        health_url=f"http://127.0.0.1:{server.port}/healthz",
    )
    yield world
    if handler is not None:
        # close() stops reconnecting at once, then waits for the client's reader, which polls
        # with a 3 s receive timeout: let that finish in the background.
        threading.Thread(target=handler.close, daemon=True).start()
        slack.wait_for(lambda: handler.client.closed)
    server.close()
    deps.executor.shutdown(wait=True)
    slack.stop()
    deps.db.dispose()
