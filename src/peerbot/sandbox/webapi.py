"""Web API methods for chat, conversations, users, reactions, team and auth, as strict as Slack."""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from typing import TYPE_CHECKING, Any, Callable

from . import blockkit, payloads
from .workspace import Conversation, is_top_level

if TYPE_CHECKING:
    from .sandbox import Sandbox

# Required arguments per method besides the token (from slack-spec/slack-api-ref/methods).
REQUIRED = {
    "auth.test": (), "team.info": (), "users.list": (), "users.info": ("user",),
    "chat.postMessage": ("channel",), "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"), "chat.delete": ("channel", "ts"),
    "chat.getPermalink": ("channel", "message_ts"),
    "conversations.info": ("channel",), "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"), "conversations.members": ("channel",),
    "conversations.join": ("channel",), "conversations.open": (),
    "reactions.add": ("channel", "name", "timestamp"), "reactions.get": (),
    "views.open": ("view",), "views.push": ("view",), "views.update": ("view",),
    "views.publish": ("user_id", "view"),
}
REACTION_RE = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")


class SlackError(Exception):
    def __init__(self, error: str, *, status: int = 200, headers: dict | None = None, **extra: Any):
        super().__init__(error)
        self.error, self.status, self.headers, self.extra = error, status, headers or {}, extra


def json_arg(args: dict, key: str, error: str) -> Any:
    """Arguments arrive as JSON text in forms and as objects in JSON bodies."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None
    return value


def _cursor(args: dict) -> int:
    cursor = args.get("cursor")
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().removeprefix("next:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None


def page(items: list, args: dict, default_limit: int) -> tuple[list, dict]:
    start, limit = _cursor(args), str(args.get("limit") or default_limit)
    if not limit.isdigit():
        raise SlackError("invalid_limit")
    limit = int(limit) or default_limit
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    cursor = base64.b64encode(f"next:{start + limit}".encode()).decode() if more else ""
    return chunk, {"has_more": more, "response_metadata": {"next_cursor": cursor}}


class WebApi:
    def __init__(self, sb: "Sandbox"):
        self.sb, self.ws = sb, sb.ws
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, last refill)
        self.methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self.auth_test, "team.info": self.team_info,
            "users.info": self.users_info, "users.list": self.users_list,
            "chat.postMessage": self.post_message, "chat.postEphemeral": self.post_ephemeral,
            "chat.update": self.update, "chat.delete": self.delete,
            "chat.getPermalink": self.permalink,
            "conversations.info": self.conv_info, "conversations.history": self.history,
            "conversations.replies": self.replies, "conversations.members": self.members,
            "conversations.open": self.conv_open, "conversations.join": self.join,
            "reactions.add": self.react, "reactions.get": self.reactions_get,
        }

    # ---- access rules ----------------------------------------------------------------------

    def visible(self, channel_id: str) -> Conversation:
        """A conversation the bot can see: private ones and DMs only when it is a member."""
        conv = self.ws.conversations.get(channel_id or "")
        if conv is None or (conv.is_private and not self.ws.bot_is_member(conv)):
            raise SlackError("channel_not_found")
        return conv

    def readable(self, channel_id: str) -> Conversation:
        conv = self.visible(channel_id)
        if not self.ws.bot_is_member(conv):
            raise SlackError("not_in_channel")
        return conv

    def writable(self, channel_id: str) -> Conversation:
        conv = self.visible(channel_id)
        if conv.archived:
            raise SlackError("is_archived")
        return self.readable(channel_id)

    def message(self, conv: Conversation, ts: str) -> dict:
        msg = conv.messages.get(ts or "")
        if msg is None:
            raise SlackError("message_not_found")
        return msg

    def _rate_limit(self, channel_id: str) -> None:
        burst, now = self.sb.channel_burst, time.monotonic()
        tokens, last = self._buckets.get(channel_id, (float(burst), now))
        tokens = min(float(burst), tokens + (now - last))  # refills at 1 message per second
        if tokens < 1:
            self._buckets[channel_id] = (tokens, now)
            raise SlackError("ratelimited", status=429, headers={"Retry-After": "1"})
        self._buckets[channel_id] = (tokens - 1, now)

    def _content(self, args: dict, text_limit: int) -> tuple[str, list | None]:
        text = args.get("text") or ""
        blocks = json_arg(args, "blocks", "invalid_blocks_format")
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if len(text) > text_limit:
            raise SlackError("msg_too_long")
        if blocks is not None:
            problems = blockkit.validate_blocks(blocks, "message")
            if problems:
                raise SlackError("invalid_blocks", response_metadata={"messages": problems})
            blockkit.with_ids(blocks)
        return text, blocks

    # ---- auth, team, users -------------------------------------------------------------------

    def auth_test(self, args: dict) -> dict:
        ws = self.ws
        return {"url": f"https://{ws.team_domain}.slack.com/", "team": ws.team_name, "user": ws.bot_name,
                "team_id": ws.team_id, "user_id": ws.bot_user_id, "bot_id": ws.bot_id,
                "is_enterprise_install": False}

    def team_info(self, args: dict) -> dict:
        ws = self.ws
        return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.team_domain,
                         "email_domain": "", "icon": {"image_default": True}}}

    def users_info(self, args: dict) -> dict:
        user = self.ws.users.get(args["user"])
        if user is None:
            raise SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def users_list(self, args: dict) -> dict:
        members, paging = page([copy.deepcopy(u) for u in self.ws.users.values()], args, 1000)
        return {"members": members, "cache_ts": int(time.time()), **paging}

    # ---- chat ------------------------------------------------------------------------------

    def post_message(self, args: dict) -> dict:
        channel = args["channel"]
        if channel in self.ws.users:  # posting to a user id opens the bot's DM with them
            channel = self.ws.bot_dm(channel)
        conv = self.writable(channel)
        text, blocks = self._content(args, 40_000)
        self._rate_limit(conv.id)
        broadcast = str(args.get("reply_broadcast", "")).lower() in ("1", "true")
        msg = self.ws.add_message(conv, self.ws.bot_message(text, blocks),
                                  thread_ts=args.get("thread_ts") or None, broadcast=broadcast)
        self.sb.emit(payloads.message_event(conv, copy.deepcopy(msg)))
        return {"channel": conv.id, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def post_ephemeral(self, args: dict) -> dict:
        conv = self.writable(args["channel"])
        if args["user"] not in conv.members:
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(args, 40_000)
        eph = self.ws.add_ephemeral(args["user"], conv.id, text, blocks, "chat.postEphemeral",
                                    thread_ts=args.get("thread_ts") or None)
        return {"message_ts": eph["ts"]}

    def update(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        msg = self.message(conv, args["ts"])
        if msg.get("bot_id") != self.ws.bot_id:
            raise SlackError("cant_update_message")
        text = args.get("text")
        if text is not None and len(text) > 4000:
            raise SlackError("msg_too_long")
        blocks = json_arg(args, "blocks", "invalid_blocks_format")
        if blocks is not None:
            problems = blockkit.validate_blocks(blocks, "message")
            if problems:
                raise SlackError("invalid_blocks", response_metadata={"messages": problems})
        before = copy.deepcopy(msg)
        if text is not None:
            msg["text"] = text
        if blocks is not None:  # omitted blocks are kept, an empty list removes them
            msg["blocks"] = blockkit.with_ids(blocks)
        msg["edited"] = {"user": self.ws.bot_user_id, "ts": self.ws.next_ts()}
        self.sb.emit(payloads.changed_event(self.ws, conv, before, copy.deepcopy(msg)))
        return {"channel": conv.id, "ts": msg["ts"], "text": msg["text"], "message": copy.deepcopy(msg)}

    def delete(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        msg = self.message(conv, args["ts"])
        if msg.get("bot_id") != self.ws.bot_id:
            raise SlackError("cant_delete_message")
        before = self.ws.remove_message(conv, msg["ts"])
        self.sb.emit(payloads.deleted_event(self.ws, conv, before))
        return {"channel": conv.id, "ts": before["ts"]}

    def permalink(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        msg = self.message(conv, args["message_ts"])
        link = f"https://{self.ws.team_domain}.slack.com/archives/{conv.id}/p{msg['ts'].replace('.', '')}"
        if not is_top_level(msg):
            link += f"?thread_ts={msg['thread_ts']}&cid={conv.id}"
        return {"channel": conv.id, "permalink": link}

    # ---- conversations -----------------------------------------------------------------------

    def conversation_info(self, conv: Conversation) -> dict:
        info = {"id": conv.id, "created": conv.created, "is_archived": conv.archived,
                "is_channel": conv.kind in ("channel", "group"), "is_group": False,
                "is_im": conv.kind == "im", "is_mpim": conv.kind == "mpim",
                "is_private": conv.is_private, "is_member": self.ws.bot_is_member(conv),
                "is_shared": False, "is_ext_shared": False, "is_org_shared": False}
        if conv.kind == "im":
            info.update(user=conv.user, is_user_deleted=self.ws.users[conv.user]["deleted"])
        else:
            info.update(name=conv.name, name_normalized=conv.name, num_members=len(conv.members))
        return info

    def conv_info(self, args: dict) -> dict:
        return {"channel": self.conversation_info(self.visible(args["channel"]))}

    def history(self, args: dict) -> dict:
        conv = self.readable(args["channel"])
        oldest, latest = args.get("oldest") or "0", args.get("latest") or "9999999999.999999"
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        def in_range(ts: str) -> bool:
            low, high = (oldest <= ts, ts <= latest) if inclusive else (oldest < ts, ts < latest)
            return low and high  # ts strings compare correctly: same width, fixed 6 decimals
        top = [m for m in reversed(conv.messages.values()) if is_top_level(m) and in_range(m["ts"])]
        messages, paging = page(copy.deepcopy(top), args, 100)
        return {"messages": messages, "pin_count": 0, **paging}

    def replies(self, args: dict) -> dict:
        conv = self.readable(args["channel"])
        msg = conv.messages.get(args["ts"])
        if msg is None:
            raise SlackError("thread_not_found")
        thread = self.ws.thread(conv, msg["ts"]) if is_top_level(msg) else [msg]
        messages, paging = page(copy.deepcopy(thread), args, 1000)
        return {"messages": messages, **paging}

    def members(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        members, paging = page(sorted(conv.members), args, 100)
        return {"members": members, "response_metadata": paging["response_metadata"]}

    def conv_open(self, args: dict) -> dict:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        for uid in users:
            if uid not in self.ws.users:
                raise SlackError("user_not_found")
        if len(users) > 1:
            if len(set(users)) > 8:
                raise SlackError("too_many_users")
            for uid in users:
                if self.ws.users[uid]["is_bot"] or self.ws.users[uid]["deleted"]:
                    raise SlackError("cannot_dm_bot" if self.ws.users[uid]["is_bot"] else "user_disabled")
            # One group DM per set of people (the bot is a member): the same one again for the same set.
            channel_id, created = self.ws.group_dm(set(users))
            return {"channel": {"id": channel_id}, **({} if created else {"already_open": True})}
        if self.ws.users[users[0]]["deleted"]:
            raise SlackError("user_disabled")  # "A specified user has been disabled." (slack-spec)
        channel_id = self.ws.bot_dm(users[0])
        return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}

    def join(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        if conv.kind != "channel":
            raise SlackError("method_not_supported_for_channel_type")
        if conv.archived:
            raise SlackError("is_archived")
        if self.ws.bot_is_member(conv):
            return {"channel": self.conversation_info(conv), "warning": "already_in_channel",
                    "response_metadata": {"warnings": ["already_in_channel"]}}
        conv.members.add(self.ws.bot_user_id)
        self.sb.emit({"type": "member_joined_channel", "user": self.ws.bot_user_id, "channel": conv.id,
                      "channel_type": "C", "team": self.ws.team_id})
        return {"channel": self.conversation_info(conv)}

    # ---- reactions ---------------------------------------------------------------------------

    def react(self, args: dict) -> dict:
        conv = self.visible(args["channel"])
        if conv.archived:
            raise SlackError("is_archived")
        msg = self.message(conv, args["timestamp"])
        name = args["name"]
        if not REACTION_RE.match(name):
            raise SlackError("invalid_name")
        if not self.ws.add_reaction(msg, name, self.ws.bot_user_id):
            raise SlackError("already_reacted")
        self.sb.emit(payloads.reaction_event("reaction_added", self.ws.bot_user_id, conv, msg, name, self.ws))
        return {}

    def reactions_get(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("timestamp"):
            raise SlackError("no_item_specified")
        conv = self.visible(args["channel"])
        msg = self.message(conv, args["timestamp"])
        return {"type": "message", "channel": conv.id, "message": copy.deepcopy(msg)}
