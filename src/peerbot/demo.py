"""`peerbot demo`: the real app against the local Slack sandbox, playing a
short day of peer learning, printing what each person saw."""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from datetime import date, datetime, timezone
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

    # /buddy and /mentor name people: manifest.yml gives them should_escape, so picked @names arrive as mentions.
    slack = Sandbox(signing_secret=SECRET, bot_token=TOKEN, events=EVENTS,
                    escaped_commands=["/buddy", "/mentor"]).start()
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
        _play_buddies(slack, clock, deps)
        _play_mentoring(slack, clock)
        _play_talks(slack, clock, deps)
        print("That was the demo. Every message above went through the real app, signed, over HTTP.")
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

    def on(self, day: date) -> None:
        self.now = self.now.replace(year=day.year, month=day.month, day=day.day)


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


def _play_buddies(slack: Sandbox, clock: DemoClock, deps) -> None:
    """Onboarding buddies: a hire gets a buddy, a group DM on day 1, a check-in on day 7."""
    from peerbot.jobs import run_job

    screen = Screen(slack, {}, {}, clock)
    screen.seen_calls, screen.seen_ephemerals = len(slack.calls), len(slack.ephemerals())
    ben, chloe = slack.ws.user_by_name("ben"), slack.ws.user_by_name("chloe")
    dan = slack.add_user("dan", real_name="Dan (starts Monday)")
    onboarding = slack.add_channel("onboarding", members=[ben, chloe, dan])
    screen.names = {ben: "ben", chloe: "chloe", dan: "dan", slack.bot_user_id: "peerbot"}
    screen.channels = {onboarding: "#onboarding"}

    def job() -> None:
        run_job(deps, "programmes", clock.now)

    print("Onboarding buddies: Dan joins next Monday.\n")
    screen.step("16:10", "chloe types in #onboarding: /peerbot buddies on",
                lambda: slack.command(chloe, onboarding, "/peerbot", "buddies on"))
    screen.step("16:12", "ben types: /buddy volunteer", lambda: slack.command(ben, onboarding, "/buddy", "volunteer"))
    screen.step("16:15", "chloe types: /buddy @dan start:2026-12-07 manager:@chloe",
                lambda: slack.command(chloe, onboarding, "/buddy", "@dan start:2026-12-07 manager:@chloe"))
    screen.step("16:20", "the programmes job runs (every 15 minutes)", job)
    suggestion = next(m for m in slack.dms(chloe) if "peerbot-buddy-suggest-" in str(m.get("blocks")))
    screen.step("16:25", "chloe presses Pick next to ben",
                lambda: slack.click(chloe, "buddy_pick", channel=slack.dm_channel(chloe), ts=suggestion["ts"]))
    screen.step("16:30", "the programmes job runs", job)
    clock.on(date(2026, 12, 7))
    print("Monday 7 December, Dan's first day\n")
    screen.step("09:45", "the programmes job runs", job)
    clock.on(date(2026, 12, 14))
    print("Monday 14 December, day 7\n")
    screen.step("10:15", "the programmes job runs", job)
    checkin = next(m for m in slack.dms(dan) if "peerbot-checkin-" in str(m.get("blocks")))
    screen.step("10:20", "dan presses Met",
                lambda: slack.click(dan, "checkin_met", channel=slack.dm_channel(dan), ts=checkin["ts"]))


def _play_mentoring(slack: Sandbox, clock: DemoClock) -> None:
    """Peer mentoring: a mentee finds a mentor through what the mentor answered in the Q&A."""
    screen = Screen(slack, {}, {}, clock)
    screen.seen_calls, screen.seen_ephemerals = len(slack.calls), len(slack.ephemerals())
    ana, ben, chloe = (slack.ws.user_by_name(name) for name in ("ana", "ben", "chloe"))
    growth = slack.add_channel("growth", members=[ana, ben, chloe])
    screen.names = {ana: "ana", ben: "ben", chloe: "chloe", slack.bot_user_id: "peerbot"}
    screen.channels = {growth: "#growth"}

    def enrol(user: str, values: dict[str, str]) -> None:
        slack.command(user, growth, "/mentor", "enrol")
        form = slack.wait_for(lambda: slack.modal(user))
        slack.submit_view(user, form["id"], {field: {field: value} for field, value in values.items()})

    print("Peer mentoring: Ana looks for a mentor.\n")
    screen.step("11:00", "chloe types in #growth: /peerbot mentoring on",
                lambda: slack.command(chloe, growth, "/peerbot", "mentoring on"))
    screen.step("11:05", "ben types /mentor enrol and sends the form: mentor, on databases and postgres, 2 mentees",
                lambda: enrol(ben, {"role": "mentor", "topics": "databases, postgres", "capacity": "2"}))
    screen.step("11:10", "ana types /mentor enrol and sends the form: mentee, on databases, "
                "goal: Find my way around our data",
                lambda: enrol(ana, {"role": "mentee", "topics": "databases", "goal_1": "Find my way around our data"}))
    screen.step("11:12", "ana presses Request next to ben", lambda: _press(slack, ana, "mentor_request"))
    screen.step("11:30", "ben presses Accept", lambda: _press(slack, ben, "mentor_accept"))


def _play_talks(slack: Sandbox, clock: DemoClock, deps) -> None:
    """Lunch-and-learn talks: a talk is proposed, accepted and announced; a wish
    for a talk turns into an invitation to the colleague who answers on it."""
    from peerbot.blocks import ids
    from peerbot.jobs import run_job

    screen = Screen(slack, {}, {}, clock)
    screen.seen_calls, screen.seen_ephemerals = len(slack.calls), len(slack.ephemerals())
    ana, ben, chloe, dan = (slack.ws.user_by_name(name) for name in ("ana", "ben", "chloe", "dan"))
    eve = slack.add_user("eve", real_name="Eve (product)")
    finn = slack.add_user("finn", real_name="Finn (support)")
    lunch = slack.add_channel("lunch-and-learn", members=[ana, ben, chloe, dan, eve, finn])
    screen.names = {ana: "ana", ben: "ben", chloe: "chloe", dan: "dan", eve: "eve", finn: "finn",
                    slack.bot_user_id: "peerbot"}
    screen.channels = {lunch: "#lunch-and-learn"}
    starts = datetime(2026, 12, 17, 12, 30, tzinfo=timezone.utc)  # Thursday lunchtime

    def propose() -> None:
        slack.command(ana, lunch, "/talks", "propose")
        form = slack.wait_for(lambda: slack.modal(ana))
        values = {ids.TALK_TITLE: "My first two weeks: what helped",
                  ids.TALK_ABSTRACT: "Buddies, mentors & the Q&A, from a new joiner's side.",
                  ids.TALK_FORMAT: "short", ids.TALK_START: int(starts.timestamp()),
                  ids.TALK_PLACE: "Kitchen, 3rd floor", ids.TALK_CAPACITY: "12"}
        slack.submit_view(ana, form["id"], {field: {field: value} for field, value in values.items()})

    def going(user: str) -> None:
        card = next(m for m in slack.messages(lunch) if "peerbot-talk-card-" in json.dumps(m.get("blocks")))
        slack.click(user, ids.TALK_GOING, channel=lunch, ts=card["ts"])

    print("Lunch-and-learn talks: Ana tells what helped her; the team asks for a talk on databases.\n")
    screen.step("13:00", "chloe types in #lunch-and-learn: /peerbot talks on",
                lambda: slack.command(chloe, lunch, "/peerbot", "talks on"))
    screen.step("13:05", "ana types /talks propose and sends the form: My first two weeks: what helped, "
                "short, Thursday 17 December 12:30, Kitchen, 3rd floor, 12 seats", propose)
    screen.step("13:20", "chloe presses Accept", lambda: _press(slack, chloe, ids.TALK_ACCEPT))
    screen.step("13:25", "dan presses Going", lambda: going(dan))
    screen.step("13:26", "eve presses Going", lambda: going(eve))
    for minute, user in zip(("14:00", "14:01", "14:02", "14:03", "14:04"), (ana, chloe, dan, eve, finn)):
        name = screen.names[user]
        screen.step(minute, f"{name} types: /talks wish databases",
                    lambda user=user: slack.command(user, lunch, "/talks", "wish databases"))
    screen.step("14:15", "the programmes job runs", lambda: run_job(deps, "programmes", clock.now))


def _press(slack: Sandbox, user: str, action_id: str) -> None:
    """The user presses a button on the latest DM that has it."""
    found = next(m for m in reversed(slack.dms(user)) if f'"{action_id}"' in json.dumps(m.get("blocks")))
    slack.click(user, action_id, channel=slack.dm_channel(user), ts=found["ts"])


class Screen:
    """Prints, after each step, what each person saw that they had not seen before."""

    def __init__(self, slack: Sandbox, names: dict[str, str], channels: dict[str, str], clock: DemoClock):
        self.slack, self.names, self.channels, self.clock = slack, names, channels, clock
        self.seen_calls = 0
        self.seen_ephemerals = 0
        self.seen_edits = self._edits()

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
                lines.append(f"[a form opens: {args['view']['title']['text']}] {self._render(args['view'])}".strip())
        # A button's answer may replace its message through the response_url rather than chat.update.
        edits = self._edits()
        updated = {(c.args["channel"], c.args["ts"]) for c in calls if c.method == "chat.update"}
        for where, message in edits.items():
            if self.seen_edits.get(where, {}).get("edited") != message["edited"] and where not in updated:
                lines.append(f"{self._where(where[0])} peerbot updated its message: {self._render(message)}")
        self.seen_edits = edits
        ephemerals = self.slack.ephemerals()[self.seen_ephemerals:]
        self.seen_ephemerals += len(ephemerals)
        for shown in ephemerals:
            if shown.get("source") != "chat.postEphemeral":
                lines.append(f"[only {self._name(shown['user'])} sees] {self._render(shown)}")
        return lines

    def _edits(self) -> dict[tuple[str, str], dict]:
        """The bot's edited messages, by (channel, ts)."""
        with self.slack.ws.lock:
            return {(conversation.id, ts): dict(message) for conversation in self.slack.ws.conversations.values()
                    for ts, message in conversation.messages.items()
                    if message.get("edited") and message.get("bot_id")}

    def _where(self, channel: str) -> str:
        if channel in self.channels:
            return f"[{self.channels[channel]}]"
        for user, name in self.names.items():
            if channel == self.slack.dm_channel(user) and name != "peerbot":
                return f"[DM to {name}]"
        with self.slack.ws.lock:
            conversation = self.slack.ws.conversations.get(channel)
            if conversation is not None and conversation.kind == "mpim":
                people = sorted(self.names.get(u, u) for u in conversation.members if u != self.slack.bot_user_id)
                return f"[group DM: {', '.join(people)}]"
        return f"[{channel}]"

    def _name(self, user: str) -> str:
        return self.names.get(user, user)

    def _render(self, message: dict) -> str:
        parts = []
        for block in message.get("blocks") or []:
            if block.get("text"):
                parts.append(block["text"]["text"])
            if (block.get("accessory") or {}).get("type") == "button":
                parts.append(f"[{block['accessory']['text']['text']}]")
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    parts.append(f"[{element['text']['text']}]")
                elif element.get("text"):
                    parts.append(element["text"])
        text = " ".join(parts) or message.get("text", "")
        text = re.sub(r"<#(\w+)(?:\|[^>]*)?>", lambda m: self.channels.get(m.group(1), "#" + m.group(1)), text)
        return _readable(text, self.names)


def _readable(text: str, names: dict[str, str]) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]+)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s*\n\s*", " / ", text).strip()
