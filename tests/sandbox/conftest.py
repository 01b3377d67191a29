"""Fixtures: a started Sandbox and a tiny fake app (a stdlib HTTP server recording requests)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs

import pytest

from peerbot.sandbox import Sandbox

SECRET = "sandbox-signing-secret"
TOKEN = "xoxb-sandbox-token"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def payload(self) -> dict:
        return json.loads(self.form()["payload"])


Reply = tuple[int, dict[str, str], bytes]


class Receiver:
    """Records every request; ``respond(request, index)`` decides the answer (default: empty 200)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.respond: Callable[[Received, int], Reply] = lambda req, i: (200, {}, b"")
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with receiver._lock:
                    receiver.requests.append(request)
                    index = len(receiver.requests) - 1
                status, headers, reply = receiver.respond(request, index)
                try:
                    self.send_response(status)
                    for name, value in {"Content-Length": str(len(reply)), **headers}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sandbox gave up waiting; a late answer may find the socket closed

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"

    def events(self, type_: str | None = None) -> list[dict]:
        bodies = [r.json()["event"] for r in self.requests if r.headers["content-type"] == "application/json"]
        return [e for e in bodies if type_ in (None, e["type"])]

    def wait_for_events(self, count: int, type_: str | None = None, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events(type_)) < count:
            assert time.monotonic() < deadline, f"only {self.events(type_)} arrived"
            time.sleep(0.01)
        return self.events(type_)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def json_reply(body: dict) -> Reply:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def sb(receiver):
    sandbox = Sandbox(signing_secret=SECRET, bot_token=TOKEN, retry_delays=(0.05, 0.05, 0.05)).start()
    sandbox.request_url = receiver.url
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sb):
    from slack_sdk import WebClient
    return WebClient(token=TOKEN, base_url=sb.api_url)


@pytest.fixture
def people(sb):
    """alice and bob in #general with the bot."""
    alice, bob = sb.add_user("alice"), sb.add_user("bob")
    return alice, bob, sb.add_channel("general", members=[alice, bob])
