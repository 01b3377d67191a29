"""The sandbox as Slack for the benchmarks, the apps under test as subprocesses,
and requests built and signed exactly as the sandbox sends them."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from peerbot.sandbox import Sandbox, payloads
from peerbot.sandbox.delivery import sign
from peerbot.sandbox.workspace import escape

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ROOT = Path(__file__).resolve().parents[1]

Request = tuple[bytes, dict]
SETTLE_QUIET = 0.6  # seconds without a Web API call that count as "the app's work is done"
IDLE_CPU = 0.02  # CPU seconds an idle app may use in that time
STOP_TIMEOUT = 120.0  # seconds for an app to finish its work and exit after SIGTERM


@dataclass
class World:
    slack: Sandbox
    users: list[str]
    general: str  # public, everyone and the bot
    channels: list[str] = field(default_factory=list)  # more public channels
    private: str = ""
    apps: list["AppProcess"] = field(default_factory=list)  # the apps under test, for settle()


def start_world(users: int = 200, channels: int = 8) -> World:
    # Slack's per-channel posting limit (about 1/s after a burst) is not what is measured
    # here: a high burst keeps 429 waits out of the numbers.
    slack = Sandbox(signing_secret=SECRET, bot_token=BOT_TOKEN, channel_burst=1_000_000,
                    events=["message.channels", "message.groups", "message.im", "reaction_added",
                            "reaction_removed", "app_home_opened"]).start()
    people = [slack.add_user(f"user{i}") for i in range(users)]
    world = World(slack, people, slack.add_channel("general", members=people))
    world.channels = [slack.add_channel(f"topic-{i}", members=people) for i in range(channels)]
    world.private = slack.add_channel("team-private", private=True, members=people)
    return world


def add_messages(world: World, channel: str, texts: list[str], author: str | None = None) -> list[str]:
    """Messages already in the channel (no events delivered for them)."""
    ws = world.slack.ws
    out = []
    with ws.lock:
        conv = ws.conversation(channel)
        for i, text in enumerate(texts):
            user = author or world.users[i % len(world.users)]
            out.append(ws.add_message(conv, ws.human_message(user, escape(text)))["ts"])
    return out


def signed(body: bytes, content_type: str, *, retry_num: int = 0) -> Request:
    ts = str(int(time.time()))
    headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
               "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(SECRET, ts, body)}
    if retry_num:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return body, headers


def command(world: World, user: str, channel: str, name: str, text: str) -> Request:
    ws = world.slack.ws
    with ws.lock:
        conv = ws.conversation(channel)
        trigger = ws.mint_trigger(user)
        url = ws.mint_response_url(world.slack.base_url, user, conv.id, None)
        fields = payloads.command_form(ws, conv, user, name, escape(text), url, trigger)
    return signed(payloads.encode_form(fields), FORM)


def reaction_body(world: World, user: str, channel: str, ts: str, name: str = "bookmark") -> bytes:
    """A reaction_added envelope (the reaction is also recorded on the sandbox's message)."""
    ws = world.slack.ws
    with ws.lock:
        conv = ws.conversation(channel)
        msg = conv.messages[ts]
        ws.add_reaction(msg, name, user)
        event = payloads.reaction_event("reaction_added", user, conv, msg, name, ws)
        body = payloads.envelope(ws, copy.deepcopy(event), payloads.new_event_id())
    return json.dumps(body).encode()


def settle(world: World, *, quiet: float | None = None, timeout: float = 120.0) -> bool:
    """Wait until the apps' work after the acks is done: for `quiet` seconds they have
    neither called Slack nor used the CPU (peerbot's worker is niced: on a busy machine
    it may go a while without a Web API call while work is still queued)."""
    slack = world.slack
    quiet = SETTLE_QUIET if quiet is None else quiet
    deadline = time.monotonic() + timeout
    last, since, cpu = -1, time.monotonic(), -1.0
    while time.monotonic() < deadline:
        calls, used = len(slack._calls), sum(app.cpu_seconds() for app in world.apps)
        if calls != last or not slack._outbox.empty() or used - cpu > IDLE_CPU:
            last, since, cpu = calls, time.monotonic(), used
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.05)
    return False


class AppProcess:
    """`peerbot run --http` (or the baseline app) in a subprocess, on a free port."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int):
        self.name, self.port = name, port
        self.dir = tempfile.mkdtemp(prefix=f"peerbot-bench-{name}.")
        self.log = open(os.path.join(self.dir, "app.log"), "wb")
        child_env = {k: v for k, v in os.environ.items()
                     if k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
        child_env.update(env)
        child_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), child_env.get("PYTHONPATH", "")])
        # cwd is an empty directory: no .env of the developer's is read.
        self.process = subprocess.Popen(argv, env=child_env, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_healthy()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy in {timeout}s; see {self.log.name}")

    def peak_rss_mb(self) -> list[float]:
        """VmHWM, each process's peak resident set size: the app's, then its
        children's (peerbot's worker process)."""
        return [_peak_rss_mb(pid) for pid in _family(self.process.pid)]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the app's processes (peerbot's worker included)."""
        ticks = 0
        for pid in _family(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it has just exited
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM, and wait while peerbot's worker finishes its queue; kill the lot if it takes too long."""
        if self.process.poll() is None:
            family = _family(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                for pid in family:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def _family(pid: int) -> list[int]:
    """The process and its descendants (none if it has exited)."""
    children = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return []
    return [pid] + [p for child in children for p in _family(child)]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_peerbot(world: World, database_url: str, port: int) -> AppProcess:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": world.slack.api_url,
           "DATABASE_URL": database_url, "PEERBOT_SCHEDULER": "off", "PORT": str(port)}
    app = AppProcess("peerbot", [sys.executable, "-m", "peerbot.cli", "run", "--http", "--port", str(port)], env, port)
    world.slack.request_url = app.url  # events the bot's own posts cause go to peerbot
    world.apps.append(app)
    return app


def start_baseline(world: World, port: int) -> AppProcess:
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": world.slack.api_url}
    return AppProcess("baseline", [sys.executable, "-m", "bench.baseline_app", "--port", str(port)], env, port)
