"""End-to-end: the real app, served over real HTTP, against the Slack sandbox."""

from __future__ import annotations

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
from peerbot.server import HttpServer, build_wsgi_app

SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-token"
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

    def settle(self) -> None:
        """Wait until all work after the acks is done."""
        self.deps.executor.wait_idle()


@pytest.fixture
def world(database_url) -> World:
    slack = Sandbox(
        signing_secret=SECRET,
        bot_token=BOT_TOKEN,
        events=manifest()["settings"]["event_subscriptions"]["bot_events"],
    ).start()
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database_url,
        }
    )
    deps = build_deps(settings)
    deps.executor = TrackingExecutor(max_workers=8, thread_name_prefix="peerbot-work")
    server = HttpServer(build_wsgi_app(create_app(deps), deps), host="127.0.0.1", port=0).start_in_thread()
    slack.request_url = f"http://127.0.0.1:{server.port}/slack/events"
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
    )
    yield world
    server.close()
    deps.executor.shutdown(wait=True)
    slack.stop()
    deps.db.dispose()
