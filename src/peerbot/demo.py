"""`peerbot demo`: the real app against the local Slack sandbox, playing a
short day of peer learning, printing what each person saw."""

from __future__ import annotations

import logging
import re
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from peerbot.app import create_app
from peerbot.config import Settings
from peerbot.sandbox import Sandbox
from peerbot.server import HttpServer, build_wsgi_app

SECRET = "demo-signing-secret"
TOKEN = "xoxb-demo-token"
EVENTS = ["app_home_opened", "message.channels", "message.groups", "message.im", "message.mpim",
          "reaction_added", "reaction_removed"]


def run_demo(database_url: str | None) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="peerbot-demo-") as workdir:
        _run(database_url or f"sqlite:///{Path(workdir) / 'demo.db'}")
    return 0


def _run(database_url: str) -> None:
    from peerbot.cli import build_deps  # the composition root builds deps the same way as `peerbot run`
    from peerbot.store import migrate

    slack = Sandbox(signing_secret=SECRET, bot_token=TOKEN, events=EVENTS).start()
    settings = Settings.from_env({
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
    })
    deps = build_deps(settings)
    clock = DemoClock(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))  # a Wednesday morning
    deps.clock = clock
    migrate.upgrade(deps.db)
    server = HttpServer(build_wsgi_app(create_app(deps), deps), host="127.0.0.1", port=0).start_in_thread()
    slack.request_url = f"http://127.0.0.1:{server.port}/slack/events"
    try:
        _play(slack, clock)
    finally:
        server.close()
        deps.executor.shutdown(wait=True)
        slack.stop()
        deps.db.dispose()


class DemoClock:
    """The app's clock in the demo: a working day, moved on step by step, so
    routing to experts happens in working hours whenever the demo runs."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, hhmm: str) -> None:
        hours, minutes = map(int, hhmm.split(":"))
        self.now = self.now.replace(hour=hours, minute=minutes)


def _play(slack: Sandbox, clock: DemoClock) -> None:
    ana = slack.add_user("ana", real_name="Ana (new joiner)")
    ben = slack.add_user("ben", real_name="Ben (platform team)")
    chloe = slack.add_user("chloe", real_name="Chloe (data team)")
    names = {ana: "ana", ben: "ben", chloe: "chloe", slack.bot_user_id: "peerbot"}
    general = slack.add_channel("engineering", members=[ana, ben, chloe])
    leads = slack.add_channel("leads", private=True, members=[ben, chloe])
    channels = {general: "#engineering", leads: "#leads (private)"}
    screen = Screen(slack, names, channels, clock)

    print("peerbot demo: a day of peer learning in a sandbox workspace (no Slack account, no network)\n")
    screen.step("09:00", "ben types: /experts add databases, postgres",
                lambda: slack.command(ben, general, "/experts", "add databases, postgres"))
    question = "[databases] How do I get read access to the analytics database?"
    screen.step("09:12", f"ana types: /ask {question}", lambda: slack.command(ana, general, "/ask", question))
    card = next(m for m in slack.messages(general) if m.get("bot_id"))
    screen.step("09:20", "ben replies in the question's thread",
                lambda: slack.post(ben, general, "Request the `analytics-read` group in the access portal; "
                                   "approval takes about an hour.", thread_ts=card["ts"]))
    reply = [m for m in slack.replies(general, card["ts"]) if m.get("user") == ben][-1]
    screen.step("09:41", "ana reacts with :white_check_mark: to ben's reply",
                lambda: slack.react(ana, general, reply["ts"], "white_check_mark"))
    screen.step("10:30", "ben types: /tip In psql, \\x switches to expanded output for wide rows",
                lambda: slack.command(ben, general, "/tip", "In psql, \\x switches to expanded output for wide rows"))
    note = []
    screen.step("11:05", "chloe posts in #leads (private): Quarterly planning doc lives in the leads drive",
                lambda: note.append(slack.post(chloe, leads, "Quarterly planning doc lives in the leads drive")))
    screen.step("11:06", "ben bookmarks it with :bookmark:", lambda: slack.react(ben, leads, note[0], "bookmark"))
    screen.step("13:00", "ana types in #engineering: /kb planning doc  (private knowledge stays in #leads)",
                lambda: slack.command(ana, general, "/kb", "planning doc"))
    screen.step("13:01", "chloe types in #leads: /kb planning doc",
                lambda: slack.command(chloe, leads, "/kb", "planning doc"))
    screen.step("13:05", "ana types: /kb psql", lambda: slack.command(ana, general, "/kb", "psql"))
    screen.step("14:30", "chloe types: /ask how do I get read access to the analytics database",
                lambda: slack.command(chloe, general, "/ask", "how do I get read access to the analytics database"))
    screen.step("16:00", "ana opens peerbot's Home tab", lambda: slack.open_home(ana))
    print("That was the demo. Every message above went through the real app, signed, over HTTP.")


class Screen:
    """Prints, after each step, what each person saw that they had not seen before."""

    def __init__(self, slack: Sandbox, names: dict[str, str], channels: dict[str, str], clock: DemoClock):
        self.slack, self.names, self.channels, self.clock = slack, names, channels, clock
        self.seen_calls = 0
        self.seen_ephemerals = 0

    def step(self, hhmm: str, title: str, action) -> None:
        self.clock.at(hhmm)
        print(f"▶ {hhmm}  {title}")
        action()
        time.sleep(0.6)  # the app does its work after acknowledging; give it a moment
        for line in self._news():
            print(f"    {line}")
        print()

    def _news(self) -> list[str]:
        lines = []
        calls = self.slack.calls[self.seen_calls:]
        self.seen_calls += len(calls)
        for call in calls:
            if call.response.get("ok") is not True:
                continue
            args = call.args
            if call.method == "chat.postMessage":
                lines.append(f"{self._where(args['channel'])} peerbot posted: {self._render(args)}")
            elif call.method == "chat.update":
                lines.append(f"{self._where(args['channel'])} peerbot updated its message: {self._render(args)}")
            elif call.method == "chat.postEphemeral":
                lines.append(f"[only {self._name(args['user'])} sees] {self._render(args)}")
            elif call.method == "views.publish":
                lines.append(f"[{self._name(args['user_id'])}'s Home tab] {self._render(args['view'])}")
            elif call.method == "views.open":
                lines.append(f"[a form opens] {self._render(args['view'])}")
        ephemerals = self.slack.ephemerals()[self.seen_ephemerals:]
        self.seen_ephemerals += len(ephemerals)
        for shown in ephemerals:
            if shown.get("source") != "chat.postEphemeral":
                lines.append(f"[only {self._name(shown['user'])} sees] {self._render(shown)}")
        return lines

    def _where(self, channel: str) -> str:
        if channel in self.channels:
            return f"[{self.channels[channel]}]"
        for user, name in self.names.items():
            if channel == self.slack.dm_channel(user) and name != "peerbot":
                return f"[DM to {name}]"
        return f"[{channel}]"

    def _name(self, user: str) -> str:
        return self.names.get(user, user)

    def _render(self, message: dict) -> str:
        parts = []
        for block in message.get("blocks") or []:
            if block.get("text"):
                parts.append(block["text"]["text"])
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    parts.append(f"[{element['text']['text']}]")
                elif element.get("text"):
                    parts.append(element["text"])
        text = " ".join(parts) or message.get("text", "")
        return _readable(text, self.names)


def _readable(text: str, names: dict[str, str]) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]+)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s*\n\s*", " / ", text).strip()
