"""Workspace state: users, conversations, messages, ephemerals, views and one-shot handles.

Pure data with no HTTP; every caller holds ``Workspace.lock`` while touching it.
"""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

SLACKBOT = "USLACKBOT"


def tz_offset(tz: str, at: float) -> int:
    """Seconds east of UTC in `tz` at `at`, as users.info reports it."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    offset = datetime.fromtimestamp(at, timezone.utc).astimezone(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def escape(text: str) -> str:
    """Escape typed text the way Slack clients do (``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class Conversation:
    id: str
    name: str
    kind: str  # "channel" (public), "group" (private), "im", "mpim": also the event channel_type
    members: set[str]
    created: int
    archived: bool = False
    user: str | None = None  # the human side of the bot's DM
    messages: dict[str, dict] = field(default_factory=dict)  # ts -> message, oldest first

    @property
    def is_private(self) -> bool:
        return self.kind != "channel"


def is_top_level(msg: dict) -> bool:
    thread_ts = msg.get("thread_ts")
    return thread_ts is None or thread_ts == msg["ts"] or msg.get("subtype") == "thread_broadcast"


def author(msg: dict) -> str | None:
    return msg.get("user") or msg.get("bot_id")


class Workspace:
    def __init__(self, *, team_id: str, team_name: str, team_domain: str,
                 bot_user_id: str, bot_id: str, app_id: str, bot_name: str,
                 clock: Callable[[], float]):
        self.lock = threading.RLock()
        self.team_id, self.team_name, self.team_domain = team_id, team_name, team_domain
        self.bot_user_id, self.bot_id, self.app_id, self.bot_name = bot_user_id, bot_id, app_id, bot_name
        self.clock = clock
        self._counter = itertools.count(1)
        self._last_ts_us = 0
        self.users: dict[str, dict] = {}
        self.conversations: dict[str, Conversation] = {}
        self.bot_dms: dict[str, str] = {}  # user id -> D id
        self.group_dms: dict[frozenset[str], str] = {}  # people (without the bot) -> G id
        self.ephemerals: list[dict] = []
        self.views: dict[str, dict] = {}
        self.view_owner: dict[str, str] = {}  # view id -> user id
        self.modal_stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}  # user id -> view id
        self.triggers: dict[str, dict] = {}
        self.response_urls: dict[str, dict] = {}
        self.add_user(bot_name, user_id=bot_user_id, is_bot=True)
        self.add_user("slackbot", user_id=SLACKBOT, is_bot=True, real_name="Slackbot")

    # ---- ids and timestamps -------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._counter):08d}"

    def next_ts(self) -> str:
        """A ts string with 6 decimals, strictly increasing across the workspace."""
        us = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    # ---- users and conversations ----------------------------------------------------------

    def add_user(self, name: str, *, user_id: str | None = None, real_name: str | None = None,
                 is_admin: bool = False, is_owner: bool = False, deleted: bool = False,
                 is_bot: bool = False, tz: str = "Europe/London") -> str:
        uid = user_id or self.new_id("U")
        real = real_name or name
        self.users[uid] = {
            "id": uid, "team_id": self.team_id, "name": name, "deleted": deleted,
            "real_name": real, "tz": tz, "tz_label": tz, "tz_offset": tz_offset(tz, self.clock()),
            "is_admin": is_admin, "is_owner": is_owner,
            "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
            "is_bot": is_bot, "is_app_user": False, "updated": int(self.clock()),
            "profile": {"real_name": real, "display_name": name, "real_name_normalized": real,
                        "display_name_normalized": name, "team": self.team_id},
        }
        return uid

    def user_by_name(self, name: str) -> str | None:
        return next((u["id"] for u in self.users.values() if u["name"] == name), None)

    def add_conversation(self, name: str, kind: str, members, *, prefix: str = "C",
                         archived: bool = False, user: str | None = None) -> str:
        cid = self.new_id(prefix)
        self.conversations[cid] = Conversation(cid, name, kind, set(members), int(self.clock()),
                                               archived=archived, user=user)
        return cid

    def bot_dm(self, user_id: str) -> str:
        if user_id not in self.bot_dms:
            self.bot_dms[user_id] = self.add_conversation(
                user_id, "im", {user_id, self.bot_user_id}, prefix="D", user=user_id)
        return self.bot_dms[user_id]

    def group_dm(self, users: set[str]) -> tuple[str, bool]:
        """The mpim of these people and the bot: (id, created now?)."""
        key = frozenset(users)
        if key in self.group_dms:
            return self.group_dms[key], False
        names = sorted(self.users[u]["name"] for u in key | {self.bot_user_id})
        self.group_dms[key] = self.add_conversation("mpdm-" + "--".join(names) + "-1", "mpim",
                                                    set(key) | {self.bot_user_id}, prefix="G")
        return self.group_dms[key], True

    def conversation(self, channel_id: str) -> Conversation:
        conv = self.conversations.get(channel_id)
        if conv is None:
            raise ValueError(f"no conversation {channel_id!r} in the sandbox")
        return conv

    def bot_is_member(self, conv: Conversation) -> bool:
        return self.bot_user_id in conv.members

    # ---- messages -------------------------------------------------------------------------

    def human_message(self, user: str, text: str) -> dict:
        """A message as a Slack client stores it; ``text`` is already escaped."""
        return {"type": "message", "user": user, "text": text, "team": self.team_id,
                "client_msg_id": str(uuid.uuid4()),
                "blocks": [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]}

    def bot_message(self, text: str, blocks: list | None) -> dict:
        msg = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id,
               "app_id": self.app_id, "text": text, "team": self.team_id,
               "bot_profile": {"id": self.bot_id, "app_id": self.app_id, "name": self.bot_name,
                               "deleted": False, "team_id": self.team_id}}
        if blocks:
            msg["blocks"] = blocks
        return msg

    def add_message(self, conv: Conversation, msg: dict, *, thread_ts: str | None = None,
                    broadcast: bool = False) -> dict:
        ts = self.next_ts()
        msg["ts"] = ts
        if thread_ts:
            self._attach_to_thread(conv, msg, thread_ts, broadcast)
        conv.messages[ts] = msg
        return msg

    def _attach_to_thread(self, conv: Conversation, msg: dict, thread_ts: str, broadcast: bool) -> None:
        parent = conv.messages.get(thread_ts)
        if parent is not None and not is_top_level(parent):
            parent = conv.messages.get(parent["thread_ts"])  # a reply to a reply joins the thread
        # An unknown thread_ts is accepted, as Slack does: the reply is then invisible in history.
        msg["thread_ts"] = parent["ts"] if parent else thread_ts
        if broadcast:
            msg["subtype"] = "thread_broadcast"
        if parent is None:
            return
        msg["parent_user_id"] = author(parent)
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        users = parent.setdefault("reply_users", [])
        if author(msg) not in users:
            users.append(author(msg))
        parent["reply_users_count"] = len(users)
        parent["latest_reply"] = msg["ts"]

    def thread(self, conv: Conversation, thread_ts: str) -> list[dict]:
        parent = conv.messages.get(thread_ts)
        replies = [m for m in conv.messages.values()
                   if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
        return ([parent] if parent else []) + replies

    def remove_message(self, conv: Conversation, ts: str) -> dict:
        msg = conv.messages.pop(ts)
        parent = conv.messages.get(msg.get("thread_ts") or "")
        if parent is not None and parent is not msg and parent.get("reply_count"):
            parent["reply_count"] -= 1
        return msg

    def add_reaction(self, msg: dict, name: str, user: str) -> bool:
        """False when the user had already reacted with that emoji."""
        reactions = msg.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if user in entry["users"]:
            return False
        entry["users"].append(user)
        entry["count"] += 1
        return True

    def remove_reaction(self, msg: dict, name: str, user: str) -> bool:
        entry = next((r for r in msg.get("reactions", []) if r["name"] == name), None)
        if entry is None or user not in entry["users"]:
            return False
        entry["users"].remove(user)
        entry["count"] -= 1
        if not entry["count"]:
            msg["reactions"].remove(entry)
        if not msg["reactions"]:
            del msg["reactions"]
        return True

    # ---- ephemerals, views, one-shot handles ------------------------------------------------

    def add_ephemeral(self, user: str, channel: str, text: str, blocks: list | None,
                      source: str, thread_ts: str | None = None) -> dict:
        eph = {"user": user, "channel": channel, "text": text, "blocks": blocks or [],
               "ts": self.next_ts(), "source": source}
        if thread_ts:
            eph["thread_ts"] = thread_ts
        self.ephemerals.append(eph)
        return eph

    def mint_trigger(self, user: str) -> str:
        trigger = f"{next(self._counter)}.{int(self.clock() * 1000)}.{uuid.uuid4().hex[:20]}"
        self.triggers[trigger] = {"user": user, "created": self.clock(), "used": False}
        return trigger

    def mint_response_url(self, base: str, user: str, channel: str, origin: Any) -> str:
        token = uuid.uuid4().hex
        self.response_urls[token] = {"user": user, "channel": channel, "origin": origin,
                                     "uses": 0, "created": self.clock()}
        return f"{base}response/{self.team_id}/{next(self._counter)}/{token}"

    def find_ephemeral(self, eph: dict) -> dict:
        for candidate in self.ephemerals:
            if all(candidate[k] == eph.get(k) for k in ("user", "channel", "ts")):
                return candidate
        raise ValueError("that ephemeral message is not (or no longer) shown to the user")


TRIGGER_RE = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")
MENTION_RE = re.compile(r"(?<![\w&;])@([\w.\-]+)")


def client_mentions(ws: Workspace, text: str, *, with_names: bool = False) -> str:
    """Turn ``@name`` into the ``<@U…>`` / ``<!here>`` tokens a Slack client's autocomplete inserts."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in ("here", "channel", "everyone"):
            return f"<!{name}>"
        uid = ws.user_by_name(name)
        if uid is None:
            return match.group(0)
        return f"<@{uid}|{name}>" if with_names else f"<@{uid}>"
    return MENTION_RE.sub(replace, text)
