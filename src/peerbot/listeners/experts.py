"""/experts: the directory and your own profile; the "Keep waiting" button of
an escalation DM.

The ack is pure (parse, validate, answer usage); the database and the Web API
are used in the lazy function, which answers through `respond` (ephemeral)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import ids
from peerbot.blocks.experts import directory, topic_experts, usage
from peerbot.blocks.text import escape, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.services import experts, topics
from peerbot.services.conversations import remember_member

logger = logging.getLogger("peerbot")

SUBCOMMANDS = ("add", "remove", "away", "back", "help")


@dataclass(frozen=True)
class ExpertsCommand:
    action: str  # show | topic | add | remove | away | back | help
    topics: list[str] = field(default_factory=list)
    until: date | None = None
    error: str | None = None


def parse(text: str, today: date) -> ExpertsCommand:
    """What `/experts <text>` asks for; pure, so the ack can call it."""
    text = text.strip()
    if not text:
        return ExpertsCommand("show")
    word, _, rest = text.partition(" ")
    verb, rest = word.lower(), rest.strip()
    if verb in ("help", "usage", "?"):
        return ExpertsCommand("help")
    if verb in ("add", "remove"):
        names = experts.parse_topic_list(rest)
        if not names:
            return ExpertsCommand(verb, error=f"Which topics? For example `/experts {verb} python, sql`.")
        if len(names) > experts.MAX_TOPICS_PER_COMMAND:
            return ExpertsCommand(verb, error=f"That's {len(names)} topics; {experts.MAX_TOPICS_PER_COMMAND} at a time, please.")
        return ExpertsCommand(verb, topics=names)
    if verb == "away":
        if not rest:
            return ExpertsCommand("away")
        keyword, _, when = rest.partition(" ")
        if keyword.lower() != "until" or not when.strip():
            return ExpertsCommand("away", error=f"I didn't understand `{escape(rest)}`. Try `/experts away until {today.isoformat()}`.")
        try:
            return ExpertsCommand("away", until=experts.parse_away_until(when, today))
        except ValueError as problem:
            return ExpertsCommand("away", error=escape(str(problem)))
    if verb == "back":
        if rest:
            return ExpertsCommand("back", error="`/experts back` takes nothing after it.")
        return ExpertsCommand("back")
    # Anything else is a topic to look up.
    name = topics.normalise(text)
    if not name:
        return ExpertsCommand("help", error=f"I don't know `/experts {escape(text)}`.")
    return ExpertsCommand("topic", topics=[name])


def register(app: App, deps: Deps) -> None:
    tz = deps.settings.timezone

    def today() -> date:
        return deps.clock().astimezone(ZoneInfo(tz)).date()

    def ack_experts(ack: Ack, command: dict) -> None:
        parsed = parse(unescape(command.get("text", "")), today())
        if parsed.error or parsed.action == "help":
            ack(response_type="ephemeral", **usage(parsed.error))
        else:
            ack()  # the answer follows through response_url

    @after_ack
    def handle_experts(command: dict, client: WebClient, respond: Respond) -> None:
        parsed = parse(unescape(command.get("text", "")), today())
        if parsed.error or parsed.action == "help":
            return
        team_id, user_id = command["team_id"], command["user_id"]
        if parsed.action in ("add", "away"):
            _remember(client, team_id, user_id)
        now = deps.clock()
        with deps.db.begin() as session:
            if parsed.action == "add":
                added = experts.declare(session, team_id, user_id, parsed.topics, now)
                reply = {"text": f"Thanks! You're listed for {_names(added)}. I'll ask you about questions on "
                                 f"{'it' if len(added) == 1 else 'them'} (at most a few a day)."}
            elif parsed.action == "remove":
                removed, missing = experts.undeclare(session, team_id, user_id, parsed.topics)
                parts = []
                if removed:
                    parts.append(f"Removed {_names(removed)} from your topics.")
                if missing:
                    parts.append(f"You hadn't declared {_names(missing)}.")
                reply = {"text": " ".join(parts)}
            elif parsed.action == "away":
                back_at = experts.set_away(session, team_id, user_id, parsed.until, tz, now)
                when = f" through {parsed.until:%a} {parsed.until.day} {parsed.until:%b}" if back_at else ""
                reply = {"text": f":palm_tree: You're away{when}: I won't route questions to you"
                                 f"{'' if back_at else ' until you say `/experts back`'}."}
            elif parsed.action == "back":
                experts.set_back(session, team_id, user_id, now)
                reply = {"text": "Welcome back! I'll route questions on your topics to you again."}
            elif parsed.action == "topic":
                topic = parsed.topics[0]
                reply = topic_experts(topic, experts.experts_on(session, team_id, topic, now))
            else:
                reply = directory(experts.profile(session, team_id, user_id, now),
                                  experts.top_topics(session, team_id, now), tz)
        respond(response_type="ephemeral", replace_original=False, **reply)

    app.command("/experts")(ack=ack_experts, lazy=[handle_experts])

    def _remember(client: WebClient, team_id: str, user_id: str) -> None:
        """Read the person from users.info, so the directory knows them."""
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.warning("users.info %s failed: %s", user_id, error.response.get("error"))
            return
        with deps.db.begin() as session:
            remember_member(session, team_id, user, deps.clock())

    @after_ack
    def keep_waiting(body: dict, respond: Respond) -> None:
        respond(replace_original=True,
                text=":hourglass: OK, your question stays open. I'll DM you when someone answers.")

    app.action(ids.ESCALATION_KEEP_WAITING)(ack=ack_only, lazy=[keep_waiting])


def _names(names: list[str]) -> str:
    return ", ".join(f"*{escape(n)}*" for n in names)
