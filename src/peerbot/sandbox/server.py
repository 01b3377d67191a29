"""The HTTP side: /api/<method> for the Web API and /response/… for response_urls."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl, urlsplit

from .webapi import REQUIRED, SlackError

if TYPE_CHECKING:
    from .sandbox import Sandbox


@dataclass
class ApiCall:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 0  # HTTP status; 0 while running or when the connection was dropped
    response: dict | None = None


@dataclass
class Fault:
    status: int = 429
    retry_after: int = 1
    error: str | None = None
    timeout: bool = False
    hang: float = 2.0
    slow: bool = False  # answer normally, but only after `hang` seconds

    def answer(self) -> tuple[int, dict, dict | None] | None:
        """The faulty answer, or None to run the method normally."""
        if self.slow:
            time.sleep(self.hang)
            return None
        if self.timeout:
            time.sleep(self.hang)
            return 0, {}, None  # drop the connection without an answer
        if self.error:
            return 200, {}, {"ok": False, "error": self.error}
        if self.status == 429:
            return 429, {"Retry-After": str(self.retry_after)}, {"ok": False, "error": "ratelimited"}
        return self.status, {}, {"ok": False, "error": "internal_error"}


class Faults:
    def __init__(self) -> None:
        self._pending: dict[str, deque[Fault]] = {}

    def add(self, method: str, fault: Fault, times: int) -> None:
        self._pending.setdefault(method, deque()).extend(fault for _ in range(times))

    def take(self, method: str) -> Fault | None:
        pending = self._pending.get(method)
        return pending.popleft() if pending else None


def _check_auth(sb: "Sandbox", token: str | None) -> None:
    if not token:
        raise SlackError("not_authed")
    if sb.app_token and token == sb.app_token:
        raise SlackError("not_allowed_token_type")
    if token != sb.bot_token:
        raise SlackError("invalid_auth")


def _run(sb: "Sandbox", method: str, args: dict, token: str | None) -> tuple[int, dict, dict]:
    handler = sb.methods.get(method)
    if handler is None:
        return 404, {}, {"ok": False, "error": "unknown_method", "req_method": method}
    try:
        _check_auth(sb, token)
        missing = [name for name in REQUIRED[method] if args.get(name) in (None, "")]
        if missing:
            raise SlackError("invalid_arguments", response_metadata={
                "messages": [f"[ERROR] missing required field: {name}" for name in missing]})
        with sb.ws.lock:
            return 200, {}, {"ok": True, **handler(args)}
    except SlackError as e:
        return e.status, e.headers, {"ok": False, "error": e.error, **e.extra}


def handle_api(sb: "Sandbox", method: str, args: dict, token: str | None,
               run: Callable[[], tuple[int, dict, dict]] | None = None) -> tuple[int, dict, dict | None]:
    call = ApiCall(method, dict(args), token)
    with sb.ws.lock:
        sb._calls.append(call)
        fault = sb._faults.take(method)
    answer = fault.answer() if fault else None
    if answer is None:
        answer = run() if run else _run(sb, method, args, token)
    status, headers, response = answer
    call.status, call.response = status, response
    return status, headers, response


def _args(query: str, content_type: str, raw: bytes) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if raw and content_type.startswith("application/json"):
        body = json.loads(raw)
        args.update(body if isinstance(body, dict) else {})
    elif raw:
        args.update(parse_qsl(raw.decode(), keep_blank_values=True))
    return args


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            args = _args(url.query, self.headers.get("Content-Type", ""), raw)
        except ValueError:
            return self._send(200, {}, {"ok": False, "error": "invalid_json"})
        sb = self.server.sandbox
        if url.path == "/api/apps.connections.open":  # Socket Mode: the app-level token, header only
            auth = self.headers.get("Authorization", "")
            in_params = "token" in args
            token = auth[7:] if auth.startswith("Bearer ") else args.pop("token", None)
            args.pop("token", None)
            status, headers, response = handle_api(
                sb, "apps.connections.open", args, token,
                run=lambda: sb.socket.open_connection(self.command, auth, in_params))
        elif url.path.startswith("/api/"):
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else args.pop("token", None)
            args.pop("token", None)
            status, headers, response = handle_api(sb, url.path[5:], args, token)
        elif url.path.startswith("/response/"):
            status, headers, response = sb.responses.post(url.path.rsplit("/", 1)[-1], args)
        else:
            status, headers, response = 404, {}, {"ok": False, "error": "not_found"}
        if response is None:
            self.close_connection = True
            return None
        return self._send(status, headers, response)

    def _send(self, status: int, headers: dict, response: dict) -> None:
        body = json.dumps(response).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sandbox: "Sandbox"):
        self.sandbox = sandbox
        super().__init__(("127.0.0.1", 0), _Handler)


def make_server(sandbox: "Sandbox") -> ThreadingHTTPServer:
    return _Server(sandbox)
