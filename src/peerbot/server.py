"""HTTP front door: a WSGI app (Bolt at /slack/events, /healthz) served by
waitress with a pool of request threads, or Socket Mode plus /healthz.
Follow-up work runs in the worker process (peerbot.followups)."""

from __future__ import annotations

import json
import logging
import signal
import threading
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.context import BoltContext
from slack_sdk.errors import SlackApiError
from waitress.server import create_server

from peerbot.config import ConfigError
from peerbot.deps import Deps
from peerbot.followups import FollowUps

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

logger = logging.getLogger("peerbot")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
REQUEST_THREADS = 32
SOCKET_RETRY_SECONDS = 5.0
# Slack answers these to apps.connections.open when the app-level token itself is wrong.
APP_TOKEN_ERRORS = {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
MAX_BODY_BYTES = 1_000_000


class SlackRequest(BoltRequest):
    """A BoltRequest that reads form bodies correctly.

    slack-bolt 1.30 treats any form body containing the text "payload" as an
    interactivity request and parses it as {}: `/ask what is a payload?` would
    then match no listener. A form body without a `payload` field is a slash
    command (or ssl_check); parse it as plain fields. The raw body is kept, so
    the signature is still verified over the exact bytes Slack sent."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.mode == "http" and self.body == {} and _is_form_without_payload(self.raw_body):
            self.body = dict(parse_qsl(self.raw_body, keep_blank_values=True))
            self.context = build_context(BoltContext(), self.body)

    def to_copyable(self) -> "SlackRequest":
        # Bolt re-parses the raw body for lazy listeners: keep our parsing.
        return SlackRequest(
            body=self.raw_body if self.mode == "http" else self.body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )

    def __deepcopy__(self, memo: dict) -> "SlackRequest":
        # Bolt deep-copies to_copyable()'s result for each lazy function; it is
        # already a fresh request (body parsed anew, context copied), and the
        # second copy was a fifth of an ack's CPU time.
        return self


def _is_form_without_payload(raw_body: str) -> bool:
    return bool(raw_body) and not raw_body.startswith("{") and "payload" not in dict(
        parse_qsl(raw_body, keep_blank_values=True)
    )


WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def build_wsgi_app(app: App, deps: Deps, health_extra: Callable[[], dict] | None = None, *,
                   events: bool = True, web: bool = True) -> WsgiApp:
    """Route Slack's POSTs to Bolt, answer /healthz, and serve the pages for people: /dashboard and talk calendars.
    In Socket Mode (`events=False`) Slack sends nothing over HTTP and there may be no signing secret: /slack/events
    does not exist. The ack benchmark's bare Bolt app serves no pages (`web=False`) and imports none of peerbot's
    features."""
    if web:
        from peerbot import talks_flow
        from peerbot.web import PREFIX as DASHBOARD_PATH, build_dashboard

        dashboard = build_dashboard(deps)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _health(deps, health_extra, start_response)
        if web and (path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")):
            return dashboard(environ, start_response)  # the L&D dashboard (peerbot.web)
        if web and path.startswith("/talks/") and method in ("GET", "HEAD"):
            return talks_flow.calendar_wsgi(deps, path, start_response)  # a talk's .ics (unguessable token)
        if events and path == EVENTS_PATH and method == "POST":
            return _dispatch(app, environ, start_response)
        return _reply(start_response, 404, {"error": "not found"})

    return wsgi


def _health(deps: Deps, extra: Callable[[], dict] | None, start_response: Callable) -> Iterable[bytes]:
    body = {"database": "ok" if deps.db.ping() else "unavailable"}
    if extra is not None:
        body.update(extra())
    healthy = body["database"] == "ok" and body.get("socket", "connected") == "connected"
    body["ok"] = healthy
    return _reply(start_response, 200 if healthy else 503, body)


def _dispatch(app: App, environ: dict, start_response: Callable) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        return _reply(start_response, 413, {"error": "request too large"})
    raw = environ["wsgi.input"].read(length).decode("utf-8") if length else ""
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    response = app.dispatch(SlackRequest(body=raw, query=environ.get("QUERY_STRING", ""), headers=headers))
    status_line = f"{response.status} {'OK' if response.status == 200 else 'Error'}"
    out_headers = [(name, value) for name, values in response.headers.items() for value in values]
    start_response(status_line, out_headers)
    return [response.body.encode("utf-8")]


def _reply(start_response: Callable, status: int, body: dict) -> Iterable[bytes]:
    data = json.dumps(body).encode("utf-8")
    reason = {200: "OK", 404: "Not Found", 413: "Payload Too Large", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class HttpServer:
    """waitress on a port, startable in a thread (tests) or in the foreground."""

    def __init__(self, wsgi: WsgiApp, *, host: str = "0.0.0.0", port: int = 3000):
        self._server = create_server(wsgi, host=host, port=port, threads=REQUEST_THREADS, ident="peerbot")
        self.port = self._server.effective_port

    def serve_forever(self) -> None:
        self._server.run()

    def start_in_thread(self) -> "HttpServer":
        self._thread = threading.Thread(target=self.serve_forever, name="peerbot-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        thread = getattr(self, "_thread", None)
        if thread is not None and thread.is_alive():
            # Close the sockets from inside waitress's own loop (closing them
            # from another thread races its select()); with nothing left to
            # watch, the loop ends, then the request threads finish their work.
            try:
                self._server.trigger.pull_trigger(self._close_all)
                thread.join(timeout=10)
            except OSError:  # the loop already stopped and closed its trigger
                pass
        self._close_all()
        self._server.task_dispatcher.shutdown()

    def _close_all(self) -> None:
        for dispatcher in list(self._server._map.values()):
            dispatcher.close()
        self._server.close()


def socket_mode_handler(app: App, app_token: str) -> "SocketModeHandler":
    """Bolt's Socket Mode handler (slack_sdk's builtin client). It calls apps.connections.open
    through app.client, so SLACK_API_URL applies to it too; it reconnects on its own after a
    `disconnect` from Slack or a dropped connection."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token=app_token, logger=logger)


def connect_socket_mode(handler: "SocketModeHandler", stopped: threading.Event,
                        retry_every: float = SOCKET_RETRY_SECONDS) -> None:
    """Open the first Socket Mode connection (the handler reconnects by itself after that).
    A token Slack rejects stops start-up with one line; if Slack is merely unreachable, keep
    trying in the background while /healthz answers 503."""
    try:
        handler.connect()
        return
    except SlackApiError as error:
        code = error.response.get("error")
        if code in APP_TOKEN_ERRORS:
            raise ConfigError(f"SLACK_APP_TOKEN was rejected by Slack ({code})") from None
        logger.warning("could not open a Socket Mode connection (%s); retrying every %ss", code, retry_every)
    except OSError as error:
        logger.warning("could not reach Slack for Socket Mode (%s); retrying every %ss", error, retry_every)

    def keep_trying() -> None:
        while not stopped.wait(retry_every) and not handler.client.is_connected():
            try:
                handler.client.connect_to_new_endpoint(force=True)  # a fresh ticket each time
            except (SlackApiError, OSError) as error:
                logger.warning("Socket Mode connection failed again (%s)", error)

    threading.Thread(target=keep_trying, name="peerbot-socket-connect", daemon=True).start()


def socket_health(handler: "SocketModeHandler") -> Callable[[], dict]:
    """The /healthz part for Socket Mode: 503 while the WebSocket is down."""
    return lambda: {"socket": "connected" if handler.client.is_connected() else "disconnected"}


def stop_on_sigterm(stop: Callable[[], None]) -> None:
    """Turn SIGTERM (docker stop, Kubernetes) into an orderly shutdown."""

    def handler(signum, _frame) -> None:
        logger.info("received signal %s, shutting down", signum)
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(deps: Deps, *, socket_mode: bool, worker_env: dict[str, str] | None = None) -> None:
    """Run peerbot until SIGTERM: the acks and /healthz here, the follow-up
    work and the scheduler in the worker process (peerbot.followups), which
    gets `worker_env` as its environment."""
    from peerbot.app import create_app

    follow_ups = FollowUps(env=worker_env)
    app = create_app(deps, follow_ups=follow_ups)
    handler = None
    health_extra = None
    if socket_mode:
        handler = socket_mode_handler(app, deps.settings.app_token)
        health_extra = socket_health(handler)
    server = HttpServer(build_wsgi_app(app, deps, health_extra, events=not socket_mode), port=deps.settings.port)

    def stop() -> None:
        # Raised in the main thread: waitress leaves its loop and drains its
        # request threads; the finally block below finishes the rest.
        raise SystemExit(0)

    stop_on_sigterm(stop)
    stopped = threading.Event()
    try:
        if handler is not None:
            connect_socket_mode(handler, stopped)
            logger.info("serving Slack over Socket Mode; /healthz on port %s", server.port)
        else:
            logger.info("listening for Slack on port %s at %s", server.port, EVENTS_PATH)
        server.serve_forever()
    finally:
        stopped.set()
        if handler is not None:
            handler.close()  # stop receiving first; Slack retries any event not yet acked
        server.close()
        follow_ups.close()  # the worker finishes every follow-up of the requests acked above
        deps.db.dispose()
        logger.info("stopped")
