"""`peerbot demo`: the real app against the local Slack sandbox, playing a
short day of peer learning, printing what each person saw."""

from __future__ import annotations

import logging
import re
import tempfile
import time
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
    from peerbot.cli import build_deps  # the composition root builds deps the same way as `peerbot run`
    from peerbot.store import migrate

    logging.getLogger().setLevel(logging.WARNING)
    workdir = tempfile.mkdtemp(prefix="peerbot-demo-")
    slack = Sandbox(signing_secret=SECRET, bot_token=TOKEN, events=EVENTS).start()
    settings = Settings.from_env({
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url or f"sqlite:///{Path(workdir) / 'demo.db'}",
    })
    deps = build_deps(settings)
    migrate.upgrade(deps.db)
    server = HttpServer(build_wsgi_app(create_app(deps), deps), host="127.0.0.1", port=0).start_in_thread()
    slack.request_url = f"http://127.0.0.1:{server.port}/slack/events"
    try:
        _play(slack)
    finally:
        server.close()
        deps.executor.shutdown(wait=True)
        slack.stop()
        deps.db.dispose()
    return 0


def _play(slack: Sandbox) -> None:
    ana = slack.add_user("ana", real_name="Ana (new joiner)")
    ben = slack.add_user("ben", real_name="Ben (platform team)")
    chloe = slack.add_user("chloe", real_name="Chloe (data team)")
    names = {ana: "ana", ben: "ben", chloe: "chloe", slack.bot_user_id: "peerbot"}
    general = slack.add_channel("engineering", members=[ana, ben, chloe])
    leads = slack.add_channel("leads", private=True, members=[ben, chloe])
    channels = {general: "#engineering", leads: "#leads (private)"}
    screen = Screen(slack, names, channels)

    print("peerbot demo: a day of peer learning in a sandbox workspace (no Slack account, no network)\n")
    screen.step("09:12  ana types: /ask How do I get read access to the analytics database?",
                lambda: slack.command(ana, general, "/ask", "How do I get read access to the analytics database?"))
    card = next(m for m in slack.messages(general) if m.get("bot_id"))
    screen.step("09:20  ben replies in the question's thread",
                lambda: slack.post(ben, general, "Request the `analytics-read` group in the access portal; "
                                   "approval takes about an hour.", thread_ts=card["ts"]))
    reply = slack.replies(general, card["ts"])[-1]
    screen.step("09:41  ana reacts with :white_check_mark: to ben's reply",
                lambda: slack.react(ana, general, reply["ts"], "white_check_mark"))
    tip = []
    screen.step("11:05  chloe posts in #leads (private): Quarterly planning doc lives in the leads drive",
                lambda: tip.append(slack.post(chloe, leads, "Quarterly planning doc lives in the leads drive")))
    screen.step("11:06  ben bookmarks it with :bookmark:", lambda: slack.react(ben, leads, tip[0], "bookmark"))
    screen.step("14:30  chloe types: /ask how do I get read access to the analytics database",
                lambda: slack.command(chloe, general, "/ask", "how do I get read access to the analytics database"))
    screen.step("16:00  ana opens peerbot's Home tab", lambda: slack.open_home(ana))
    print("That was the demo. Every message above went through the real app, signed, over HTTP.")


class Screen:
    """Prints, after each step, what each person saw that they had not seen before."""

    def __init__(self, slack: Sandbox, names: dict[str, str], channels: dict[str, str]):
        self.slack, self.names, self.channels = slack, names, channels
        self.seen_calls = 0
        self.seen_ephemerals = 0

    def step(self, title: str, action) -> None:
        print(f"▶ {title}")
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
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s*\n\s*", " / ", text).strip()
