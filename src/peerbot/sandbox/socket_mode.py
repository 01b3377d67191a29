"""Socket Mode, Slack's side: apps.connections.open, the WebSocket server, envelopes, acks and retries.

Instead of POSTing to a Request URL, Slack pushes the same payloads as JSON envelopes over a WebSocket
the app opened, and waits 3 s for ``{"envelope_id": …}`` on it. Nothing is signed. See the "Socket
Mode" section of slack-behaviour.md for what Slack does and what is unconfirmed.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from .delivery import Attempt, Delivery
from .webapi import SlackError

if TYPE_CHECKING:
    from .sandbox import Sandbox

ENVELOPE_TYPES = {"command": "slash_commands", "event": "events_api", "interaction": "interactive"}
# Interactions whose ack payload Slack uses; for the others docs and captures disagree [unconfirmed].
ANSWERED_INTERACTIONS = {"view_submission", "block_suggestion"}
MAX_CONNECTIONS = 10
HOST = "applink-sandbox-7fc4fdbb64-4x5xq"


@dataclass
class Link:
    """One open WebSocket from the app."""

    id: str
    conn: ServerConnection = field(repr=False)
    opened: float
    ready: bool = False  # hello sent: envelopes may go here
    draining: bool = False  # told to reconnect: no new envelopes while a fresh link is open
    closed: bool = False
    close_code: int | None = None  # 1000 after a close frame, 1006 when the TCP connection just dropped


@dataclass
class _Pending:
    attempt: Attempt
    accepts_payload: bool
    sent: float


class SocketMode:
    def __init__(self, sb: "Sandbox", *, ticket_ttl: float = 30.0, refresh_grace: float = 1.0,
                 warning_lead: float = 10.0,
                 hold_window: float = 30.0, ping_interval: float = 20.0,
                 approximate_connection_time: int = 18060, seed: int | None = None):
        self.sb = sb
        self.ticket_ttl = ticket_ttl  # Slack's is [unconfirmed]; tickets are single use either way
        self.refresh_grace = refresh_grace  # how long a refreshed socket stays open
        self.warning_lead = warning_lead  # from a "warning" disconnect to "refresh_requested"
        self.hold_window = hold_window  # how long a retry waits for a connection to appear
        self.ping_interval = ping_interval
        self.approximate_connection_time = approximate_connection_time
        self.disabled = False  # Socket Mode switched off in the app config (link_disabled)
        self.links: list[Link] = []  # every link ever opened, closed ones included
        self.frames: list[tuple[str, dict]] = []  # (link id, frame) for every frame sent
        self.stray_acks: list[dict] = []  # acks for unknown or already answered envelopes
        self.rng = random.Random(seed)
        self._cond = threading.Condition()
        self._tickets: dict[str, float] = {}
        self._pending: dict[str, _Pending] = {}
        self._lost_acks = 0
        self._server = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._check_ticket,
                             ping_interval=self.ping_interval, compression=None, close_timeout=1)
        threading.Thread(target=self._server.serve_forever, name="sandbox-socket", daemon=True).start()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("start() the sandbox first")
        return self._server.socket.getsockname()[1]

    def open_links(self) -> list[Link]:
        with self._cond:
            return [link for link in self.links if link.ready and not link.closed]

    def sent(self, type_: str | None = None) -> list[dict]:
        """Frames sent to the app, oldest first, optionally of one type (hello, disconnect, events_api…)."""
        with self._cond:
            return [frame for _, frame in self.frames if type_ in (None, frame["type"])]

    # ---- apps.connections.open ---------------------------------------------------------------

    def open_connection(self, http_method: str, authorization: str, token_in_params: bool
                        ) -> tuple[int, dict, dict]:
        try:
            return 200, {}, {"ok": True, "url": self._new_url(http_method, authorization, token_in_params)}
        except SlackError as e:
            return e.status, e.headers, {"ok": False, "error": e.error}

    def _new_url(self, http_method: str, authorization: str, token_in_params: bool) -> str:
        if http_method != "POST":
            raise SlackError("insecure_request")
        if token_in_params:  # the app-level token must come in the Authorization header
            raise SlackError("invalid_auth")
        token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
        if not token:
            raise SlackError("not_authed")
        if token.startswith(("xoxb-", "xoxp-")):
            raise SlackError("not_allowed_token_type")
        if not self.sb.app_token or token != self.sb.app_token:
            raise SlackError("invalid_auth")
        if self.disabled:
            raise SlackError("invalid_auth")  # which error Slack sends here is [unconfirmed]
        ticket = str(uuid.uuid4())
        with self._cond:
            now = time.monotonic()
            self._tickets = {t: at for t, at in self._tickets.items() if now - at <= self.ticket_ttl}
            self._tickets[ticket] = now
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.sb.ws.app_id}"

    def _check_ticket(self, conn: ServerConnection, request: Any) -> Any:
        """Refuse an unknown, reused or expired ticket before the upgrade."""
        url = urlsplit(request.path)
        if url.path != "/link/":
            return conn.respond(404, "Not Found\n")
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            issued = self._tickets.pop(ticket, None)
        if issued is None or time.monotonic() - issued > self.ticket_ttl:
            return conn.respond(401, "invalid, used or expired ticket\n")
        return None

    # ---- connections -------------------------------------------------------------------------

    def _handle(self, conn: ServerConnection) -> None:
        link = Link(id=uuid.uuid4().hex[:12], conn=conn, opened=time.time())
        with self._cond:
            live = [other for other in self.links if not other.closed]
            full = len(live) >= MAX_CONNECTIONS
            if not full:
                self.links.append(link)
        if full:
            self._send(link, self._disconnect("too_many_websockets"))
            conn.close()
            return
        hello = {"type": "hello", "num_connections": len(live) + 1,
                 "connection_info": {"app_id": self.sb.ws.app_id},
                 "debug_info": {"host": HOST, "build_number": 10,
                                "approximate_connection_time": self.approximate_connection_time}}
        with self._cond:  # ready once hello is out, and nothing goes out before it
            self._send(link, hello)
            link.ready = True
            self._cond.notify_all()
        try:
            for message in conn:
                self._on_frame(message)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                link.closed, link.close_code = True, conn.close_code
                self._cond.notify_all()

    def _send(self, link: Link, frame: dict) -> bool:
        with self._cond:
            self.frames.append((link.id, frame))
        try:
            link.conn.send(json.dumps(frame))
            return True
        except ConnectionClosed:
            return False

    @staticmethod
    def _disconnect(reason: str) -> dict:
        return {"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}}

    def _pick(self, wait: float) -> Link | None:
        """A random open link, fresh ones first; waits up to ``wait`` seconds for one to appear."""
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                links = [link for link in self.links if link.ready and not link.closed]
                fresh = [link for link in links if not link.draining]
                if fresh or links:
                    return self.rng.choice(fresh or links)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.sb.deliverer.stopped.is_set():
                    return None
                self._cond.wait(remaining)

    def request_refresh(self, *, warning: bool = False) -> int:
        """Ask every open connection to reconnect, as Slack does every few hours; returns how many.
        With ``warning``, ``warning`` comes ``warning_lead`` seconds before ``refresh_requested``
        (Slack: about 10 s). The old socket stays open ``refresh_grace`` seconds, then Slack closes it."""
        with self._cond:
            targets = [link for link in self.links if link.ready and not link.closed and not link.draining]
            for link in targets:
                link.draining = True
        for link in targets:
            threading.Thread(target=self._refresh, args=(link, warning), daemon=True).start()
        return len(targets)

    def _refresh(self, link: Link, warning: bool) -> None:
        stopped = self.sb.deliverer.stopped
        if warning:
            self._send(link, self._disconnect("warning"))
            if stopped.wait(self.warning_lead):
                return
        if not link.closed:  # the SDK reconnects on any disconnect, warning included
            self._send(link, self._disconnect("refresh_requested"))
        stopped.wait(self.refresh_grace)
        link.conn.close()

    def disable(self) -> None:
        """Socket Mode switched off in the app config: tell and close every link, refuse new ones."""
        self.disabled = True
        for link in self.open_links():
            self._send(link, self._disconnect("link_disabled"))
            link.conn.close()

    def lose_next_acks(self, times: int = 1) -> None:
        """Fault: the next ``times`` acks never reach Slack (as on a half-dead connection)."""
        with self._cond:
            self._lost_acks += times

    # ---- envelopes and acks ------------------------------------------------------------------

    def deliver(self, delivery: Delivery, *, retry: bool) -> Delivery:
        """Send the first envelope and wait for its ack (at most the deadline); event retries go on behind."""
        if delivery.kind not in ENVELOPE_TYPES:
            raise RuntimeError("raw, signed bodies exist only over HTTP; Socket Mode sends envelopes")
        with self.sb.ws.lock:
            self.sb.deliveries.append(delivery)
        first = self._attempt(delivery, 0, wait=0.0)
        if retry and not first.ok:
            delivery._retrier = threading.Thread(target=self._retry, args=(delivery,), daemon=True)
            delivery._retrier.start()
        return delivery

    def _retry(self, delivery: Delivery) -> None:
        for num, delay in enumerate(self.sb.deliverer.retry_delays, 1):
            if self.sb.deliverer.stopped.wait(delay):
                return
            if self._attempt(delivery, num, wait=self.hold_window).ok:
                return

    def _attempt(self, delivery: Delivery, num: int, *, wait: float) -> Attempt:
        kind = ENVELOPE_TYPES[delivery.kind]
        accepts = kind == "slash_commands" or (
            kind == "interactive" and delivery.payload.get("type") in ANSWERED_INTERACTIONS)
        envelope: dict[str, Any] = {"envelope_id": str(uuid.uuid4()), "type": kind,
                                    "accepts_response_payload": accepts, "payload": delivery.payload}
        if kind == "events_api":
            envelope.update(retry_attempt=num, retry_reason="timeout" if num else "")
        attempt = Attempt(num, {}, envelope=envelope)
        delivery.attempts.append(attempt)
        link = self._pick(wait)
        if link is None:
            attempt.error = "no_connection"
            attempt.done.set()
            return attempt
        with self._cond:
            self._pending[envelope["envelope_id"]] = _Pending(attempt, accepts, time.monotonic())
        self._send(link, envelope)  # a frame lost on a closing socket is simply never acked
        timeout = self.sb.deliverer.ack_timeout
        if not attempt.done.wait(timeout):
            with self._cond:
                if not attempt.done.is_set():
                    attempt.error = "timeout"
                    attempt.done.set()
        return attempt

    def _on_frame(self, message: str | bytes) -> None:
        """An ack may come on any of the app's connections (the SDK answers on its newest one)."""
        try:
            frame = json.loads(message)
        except ValueError:
            return
        if not isinstance(frame, dict) or "envelope_id" not in frame:
            return
        with self._cond:
            pending = self._pending.pop(frame["envelope_id"], None)
            if pending is None:
                self.stray_acks.append(frame)
                return
            if self._lost_acks:
                self._lost_acks -= 1
                return
            attempt = pending.attempt
            attempt.elapsed = time.monotonic() - pending.sent
            payload = frame.get("payload")
            attempt.body = json.dumps(payload, ensure_ascii=False) if pending.accepts_payload and payload else ""
            attempt.status = 200
            attempt.late = attempt.done.is_set() or attempt.elapsed > self.sb.deliverer.ack_timeout
            attempt.done.set()
