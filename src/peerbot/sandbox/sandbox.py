"""The Sandbox object: configuration, server lifecycle, workspace setup, assertions and faults."""

from __future__ import annotations

import copy
import json
import queue
import threading
import time
from typing import Any, Callable, Iterable

from . import payloads
from .delivery import Deliverer, Delivery
from .people import People
from .responses import Responses
from .server import ApiCall, Fault, Faults, make_server
from .socket_mode import SocketMode
from .views import ViewsApi
from .webapi import WebApi
from .workspace import Workspace, is_top_level

JSON = "application/json"
_MESSAGE_SUBSCRIPTIONS = {"channel": "message.channels", "group": "message.groups",
                          "im": "message.im", "mpim": "message.mpim"}


class Sandbox(People):
    def __init__(self, signing_secret: str, bot_token: str = "xoxb-sandbox-token",
                 app_token: str | None = None, *, team_id: str = "T0SANDBOX",
                 team_name: str = "Sandbox", team_domain: str = "sandbox",
                 bot_user_id: str = "U0PEERBOT", bot_id: str = "B0PEERBOT", app_id: str = "A0PEERBOT",
                 bot_name: str = "peerbot", ack_timeout: float = 3.0,
                 retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0),
                 events: Iterable[str] | None = None, channel_burst: int = 30, transport: str = "http",
                 escaped_commands: Iterable[str] = ()):
        self.bot_token, self.app_token = bot_token, app_token
        # "http": signed POSTs to request_url; "socket": envelopes over the app's Socket Mode connections
        self.transport = transport
        self.events = set(events) if events is not None else None
        # Commands with `should_escape: true` in the manifest: picked @names arrive as <@U…|name>.
        self.escaped_commands = set(escaped_commands)
        self.channel_burst = channel_burst
        self.request_url: str | None = None
        self.hang_seconds = 2.0  # how long a timeout=True fault hangs before dropping the connection
        self.clock: Callable[[], float] = time.time  # replace to age triggers and response_urls
        self.ws = Workspace(team_id=team_id, team_name=team_name, team_domain=team_domain,
                            bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id, bot_name=bot_name,
                            clock=lambda: self.clock())
        self.deliverer = Deliverer(signing_secret=signing_secret, ack_timeout=ack_timeout,
                                   retry_delays=tuple(retry_delays))
        self.views_api, self.responses = ViewsApi(self), Responses(self)
        self.socket = SocketMode(self)
        self.methods = {**WebApi(self).methods, **self.views_api.methods}
        self.deliveries: list[Delivery] = []
        self._calls: list[ApiCall] = []
        self._faults = Faults()
        self._outbox: queue.Queue = queue.Queue()  # events caused by the bot's own API calls
        self._server = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "Sandbox":
        self._server = make_server(self)
        self.socket.start()
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        threading.Thread(target=self._drain_outbox, daemon=True).start()
        return self

    def stop(self) -> None:
        self.deliverer.stopped.set()
        self._outbox.put(None)
        self.socket.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the sandbox first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    @property
    def bot_user_id(self) -> str:
        return self.ws.bot_user_id

    @property
    def team_id(self) -> str:
        return self.ws.team_id

    # ---- workspace setup ---------------------------------------------------------------------

    def add_user(self, name: str, *, real_name: str | None = None, is_admin: bool = False,
                 is_owner: bool = False, deleted: bool = False, is_bot: bool = False,
                 tz: str = "Europe/London") -> str:
        with self.ws.lock:
            return self.ws.add_user(name, real_name=real_name, is_admin=is_admin, is_owner=is_owner,
                                    deleted=deleted, is_bot=is_bot, tz=tz)

    def add_channel(self, name: str, *, private: bool = False, members: Iterable[str] = (),
                    bot_member: bool = True, archived: bool = False) -> str:
        members = set(members) | ({self.bot_user_id} if bot_member else set())
        with self.ws.lock:
            return self.ws.add_conversation(name, "group" if private else "channel", members,
                                            archived=archived)

    def add_mpim(self, members: Iterable[str]) -> str:
        members = set(members)
        with self.ws.lock:
            names = sorted(self.ws.users[m]["name"] for m in members)
            return self.ws.add_conversation("mpdm-" + "--".join(names) + "-1", "mpim", members, prefix="G")

    def add_im(self, user_a: str, user_b: str) -> str:
        """A DM between two people; the bot is not part of it."""
        with self.ws.lock:
            return self.ws.add_conversation(user_b, "im", {user_a, user_b}, prefix="D", user=user_b)

    def dm_channel(self, user_id: str) -> str:
        with self.ws.lock:
            return self.ws.bot_dm(user_id)

    def request_refresh(self, *, warning: bool = False) -> int:
        """Socket Mode: ask the app's connections to reconnect (``refresh_requested``)."""
        return self.socket.request_refresh(warning=warning)

    def deactivate(self, user_id: str) -> None:
        """An admin deactivated this account: users.info says `deleted: true` from now on."""
        with self.ws.lock:
            self.ws.users[user_id]["deleted"] = True

    def join_workspace(self, name: str, **kwargs: Any) -> str:
        """A new member joins: a `team_join` event (if subscribed), with the full user object."""
        uid = self.add_user(name, **kwargs)
        with self.ws.lock:
            event = {"type": "team_join", "user": copy.deepcopy(self.ws.users[uid]), "event_ts": self.ws.next_ts()}
        self._deliver_if_subscribed(event)
        return uid

    def join_channel(self, user_id: str, channel_id: str, *, inviter: str | None = None) -> None:
        """Someone joins (or is added to) a channel: `member_joined_channel`, where the bot is a member."""
        with self.ws.lock:
            conv = self.ws.conversation(channel_id)
            conv.members.add(user_id)
            event = {"type": "member_joined_channel", "user": user_id, "channel": conv.id,
                     "channel_type": "G" if conv.is_private else "C", "team": self.ws.team_id,
                     "event_ts": self.ws.next_ts()}
            if inviter:
                event["inviter"] = inviter
        self._deliver_if_subscribed(event)

    def leave_channel(self, user_id: str, channel_id: str) -> None:
        """Someone leaves (or is removed from) a channel: `member_left_channel`, where the bot is a member."""
        with self.ws.lock:
            conv = self.ws.conversation(channel_id)
            conv.members.discard(user_id)
            event = {"type": "member_left_channel", "user": user_id, "channel": conv.id,
                     "channel_type": "G" if conv.is_private else "C", "team": self.ws.team_id,
                     "event_ts": self.ws.next_ts()}
        self._deliver_if_subscribed(event)

    def set_bot_member(self, channel_id: str, is_member: bool) -> None:
        with self.ws.lock:
            members = self.ws.conversation(channel_id).members
            (members.add if is_member else members.discard)(self.bot_user_id)

    # ---- what people saw ---------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self.ws.lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict]:
        with self.ws.lock:
            conv = self.ws.conversation(channel)
            return copy.deepcopy([m for m in conv.messages.values() if is_top_level(m)])

    def replies(self, channel: str, thread_ts: str) -> list[dict]:
        with self.ws.lock:
            return copy.deepcopy(self.ws.thread(self.ws.conversation(channel), thread_ts))

    def message(self, channel: str, ts: str) -> dict | None:
        with self.ws.lock:
            return copy.deepcopy(self.ws.conversation(channel).messages.get(ts))

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[dict]:
        with self.ws.lock:
            return copy.deepcopy([e for e in self.ws.ephemerals
                                  if user in (None, e["user"]) and channel in (None, e["channel"])])

    def modals(self, user: str) -> list[dict]:
        with self.ws.lock:
            return copy.deepcopy([self.ws.views[v] for v in self.ws.modal_stacks.get(user, [])])

    def modal(self, user: str) -> dict | None:
        stack = self.modals(user)
        return stack[-1] if stack else None

    def home(self, user: str) -> dict | None:
        with self.ws.lock:
            view_id = self.ws.homes.get(user)
            return copy.deepcopy(self.ws.views[view_id]) if view_id else None

    def dms(self, user: str) -> list[dict]:
        with self.ws.lock:
            conv = self.ws.conversation(self.ws.bot_dm(user))
            return copy.deepcopy([m for m in conv.messages.values() if m.get("bot_id") == self.ws.bot_id])

    def group_dms(self, user: str) -> dict[str, list[dict]]:
        """The bot's group DMs that include `user`, with their top-level messages."""
        with self.ws.lock:
            return {cid: copy.deepcopy([m for m in self.ws.conversation(cid).messages.values() if is_top_level(m)])
                    for people, cid in self.ws.group_dms.items() if user in people}

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                recent = [f"{c.method} -> {c.status} {(c.response or {}).get('error', 'ok')}"
                          for c in self.calls[-8:]]
                raise AssertionError(f"condition not met within {timeout}s (last value {value!r}); "
                                     f"last Web API calls: {recent or 'none'}")
            time.sleep(interval)

    # ---- faults ------------------------------------------------------------------------------

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: int = 1,
                  error: str | None = None, timeout: bool = False, hang: float | None = None) -> None:
        fault = Fault(status, retry_after, error, timeout, self.hang_seconds if hang is None else hang)
        with self.ws.lock:
            self._faults.add(method, fault, times)

    def slow_next(self, method: str, times: int = 1, *, delay: float) -> None:
        """The next `times` calls to `method` succeed, but only after `delay` seconds."""
        fault = Fault(timeout=False, hang=delay, slow=True)
        with self.ws.lock:
            self._faults.add(method, fault, times)

    # ---- deliveries --------------------------------------------------------------------------

    def emit(self, event: dict) -> None:
        """Queue an event caused by the bot's own API call (delivered after the call answers)."""
        self._outbox.put(event)

    def _drain_outbox(self) -> None:
        while (event := self._outbox.get()) is not None:
            self._deliver_if_subscribed(event)

    def _deliver_if_subscribed(self, event: dict) -> Delivery | None:
        if (self.transport == "http" and self.request_url is None) or not self._wants(event):
            return None
        return self.deliver_event(event)

    def _wants(self, event: dict) -> bool:
        """Subscribed, and in a conversation the bot is a member of."""
        channel = event.get("channel") or event.get("item", {}).get("channel")
        with self.ws.lock:
            conv = self.ws.conversations.get(channel or "")
            if conv is not None and not self.ws.bot_is_member(conv):
                return False
        if self.events is None:
            return True
        name = _MESSAGE_SUBSCRIPTIONS[event["channel_type"]] if event["type"] == "message" else event["type"]
        return name in self.events

    def deliver_event(self, event: dict, *, event_id: str | None = None) -> Delivery:
        with self.ws.lock:
            body = payloads.envelope(self.ws, copy.deepcopy(event), event_id or payloads.new_event_id())
        delivery = Delivery("event", body, json.dumps(body).encode(), event_id=body["event_id"])
        return self._send(delivery, JSON, retry=True)

    def deliver_raw(self, body: bytes, content_type: str, *, signature: str = "valid",
                    timestamp: float | None = None) -> Delivery:
        return self._send(Delivery("raw", None, body), content_type, retry=False,
                          signature=signature, timestamp=timestamp)

    def _send(self, delivery: Delivery, content_type: str, *, retry: bool, **signing: Any) -> Delivery:
        if self.transport == "socket":  # nothing goes to the Request URL, nothing is signed
            return self.socket.deliver(delivery, retry=retry)
        if self.transport != "http":
            raise ValueError(f"transport must be 'http' or 'socket', not {self.transport!r}")
        if self.request_url is None:
            raise RuntimeError("set sandbox.request_url before delivering anything")
        with self.ws.lock:
            self.deliveries.append(delivery)
        return self.deliverer.deliver(delivery, self.request_url, content_type, retry=retry, **signing)
