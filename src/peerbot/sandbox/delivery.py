"""Signed HTTP deliveries to the app's Request URL, with Slack's ack deadline and event retries.

The records (Delivery, Attempt) are shared with Socket Mode (socket_mode.py)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Attempt:
    retry_num: int
    headers_sent: dict[str, str]
    status: int | None = None  # None: no HTTP answer (connection failed or gave up waiting)
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # response headers, lower-case names
    elapsed: float | None = None
    late: bool = False  # answered, but after the ack deadline: Slack has already given up
    # No answer: "connection_failed" | "http_timeout" over HTTP; "timeout" | "no_connection" over a socket
    error: str | None = None
    envelope: dict | None = None  # Socket Mode: the envelope sent (its status is 200 once acked)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.late

    @property
    def no_retry(self) -> bool:
        return self.headers.get("x-slack-no-retry") == "1"

    @property
    def retry_reason(self) -> str:
        return "http_timeout" if self.late or self.error == "http_timeout" else (
            "connection_failed" if self.error else "http_error")


@dataclass
class Delivery:
    kind: str  # "command" | "event" | "interaction" | "raw"
    payload: Any  # what was sent, decoded (dict for JSON and payload= bodies, fields for commands)
    body_sent: bytes
    attempts: list[Attempt] = field(default_factory=list)
    event_id: str | None = None
    outcome: str | None = None  # what the user saw from the ack, e.g. "ephemeral", "closed", "failed: …"
    _retrier: threading.Thread | None = field(default=None, repr=False)

    @property
    def first(self) -> Attempt:
        return self.attempts[0]

    @property
    def status(self) -> int | None:
        return self.first.status

    @property
    def body(self) -> str:
        return self.first.body

    @property
    def elapsed(self) -> float | None:
        return self.first.elapsed

    @property
    def acked(self) -> bool:
        return self.first.ok

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def wait_retries(self, timeout: float = 10.0) -> "Delivery":
        """Wait until every scheduled retry has been sent and answered (or given up on)."""
        deadline = time.monotonic() + timeout
        if self._retrier is not None:
            self._retrier.join(timeout)
        for attempt in list(self.attempts):
            attempt.done.wait(max(0.0, deadline - time.monotonic()))
        if (self._retrier is not None and self._retrier.is_alive()) or not all(
                a.done.is_set() for a in self.attempts):
            raise AssertionError(f"retries of {self.kind} delivery still running after {timeout}s")
        return self


class Deliverer:
    def __init__(self, *, signing_secret: str, ack_timeout: float, retry_delays: tuple[float, ...],
                 late_timeout: float = 10.0):
        self.signing_secret = signing_secret
        self.ack_timeout = ack_timeout
        self.retry_delays = retry_delays
        self.late_timeout = late_timeout  # how long a late answer is still read and recorded
        self.stopped = threading.Event()

    def deliver(self, delivery: Delivery, url: str, content_type: str, *, retry: bool,
                signature: str = "valid", timestamp: float | None = None) -> Delivery:
        """Send the first attempt; return once it is answered (even late), retries go on behind."""
        first = self._start(delivery, url, content_type, 0, None, signature, timestamp)
        first.done.wait(self.ack_timeout)
        if retry and not (first.done.is_set() and (first.ok or first.no_retry)):
            reason = first.retry_reason if first.done.is_set() else "http_timeout"
            delivery._retrier = threading.Thread(
                target=self._retry, args=(delivery, url, content_type, reason), daemon=True)
            delivery._retrier.start()
        first.done.wait()
        return delivery

    def _retry(self, delivery: Delivery, url: str, content_type: str, reason: str) -> None:
        for num, delay in enumerate(self.retry_delays, 1):
            if self.stopped.wait(delay):
                return
            attempt = self._start(delivery, url, content_type, num, reason, "valid", None)
            attempt.done.wait(self.ack_timeout)
            if attempt.done.is_set() and (attempt.ok or attempt.no_retry):
                return
            reason = attempt.retry_reason if attempt.done.is_set() else "http_timeout"

    def _start(self, delivery: Delivery, url: str, content_type: str, retry_num: int,
               reason: str | None, signature: str, timestamp: float | None) -> Attempt:
        headers = self._headers(delivery.body_sent, content_type, signature, timestamp)
        if retry_num:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = reason or "http_error"
        attempt = Attempt(retry_num, headers)
        delivery.attempts.append(attempt)
        threading.Thread(target=self._send, args=(attempt, url, delivery.body_sent), daemon=True).start()
        return attempt

    def _headers(self, body: bytes, content_type: str, signature: str, timestamp: float | None) -> dict:
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if signature == "none":
            return headers
        ts = str(int(time.time() if timestamp is None else timestamp))
        sig = sign(self.signing_secret, ts, body)
        if signature == "tampered":
            sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        return headers

    def _send(self, attempt: Attempt, url: str, body: bytes) -> None:
        parts = urlsplit(url)
        started = time.monotonic()
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=self.late_timeout)
        try:
            conn.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body,
                         attempt.headers_sent)
            response = conn.getresponse()
            attempt.body = response.read().decode("utf-8", "replace")
            attempt.headers = {k.lower(): v for k, v in response.getheaders()}
            attempt.status = response.status
        except TimeoutError:
            attempt.error = "http_timeout"
        except OSError:
            attempt.error = "connection_failed"
        finally:
            conn.close()
            attempt.elapsed = time.monotonic() - started
            attempt.late = attempt.status is not None and attempt.elapsed > self.ack_timeout
            attempt.done.set()
