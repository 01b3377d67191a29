"""`peerbot` as an operator runs it: clear configuration errors, /healthz,
a clean stop on SIGTERM, and the maintenance commands."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from peerbot.app import create_app
from peerbot.cli import WORKER_THREADS, build_deps
from peerbot.config import Settings
from peerbot.followups import BUSY, FollowUps
from peerbot.sandbox import Sandbox
from peerbot.server import HttpServer, build_wsgi_app

TOKEN = "xoxb-cli-test"


def peerbot(*args, env, timeout=60):
    return subprocess.run([sys.executable, "-m", "peerbot.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PEERBOT_", "DATABASE_URL", "PORT"))}
    env.update(extra)
    return env


@pytest.mark.parametrize(
    "extra, variable",
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "s", "PORT": "eighty"}, "PORT"),
        ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "nope"}, "DATABASE_URL"),
        ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
    ],
)
def test_bad_configuration_stops_with_one_line_and_exit_2(tmp_path, extra, variable):
    result = subprocess.run([sys.executable, "-m", "peerbot.cli", "run", "--http"], env=base_env(**extra),
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0]
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_healthz_and_stops_cleanly_on_sigterm(tmp_path, database_url):
    with Sandbox(signing_secret="s", bot_token=TOKEN) as slack:
        port = free_port()
        env = base_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url,
                       DATABASE_URL=database_url, PORT=str(port), PEERBOT_SCHEDULER="off")
        process = subprocess.Popen([sys.executable, "-m", "peerbot.cli", "run", "--http"], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            health = None
            deadline = time.monotonic() + 30
            while health is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                        health = (response.status, json.load(response))
                except OSError:
                    time.sleep(0.1)
            assert health == (200, {"database": "ok", "ok": True})
            assert [c.method for c in slack.calls] == ["auth.test"]  # the token is checked at start
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 0
    assert "stopped" in output and "Traceback" not in output


def test_a_token_slack_rejects_stops_start_up(tmp_path, database_url):
    with Sandbox(signing_secret="s", bot_token=TOKEN) as slack:
        env = base_env(SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url,
                       DATABASE_URL=database_url, PORT=str(free_port()))
        result = subprocess.run([sys.executable, "-m", "peerbot.cli", "run", "--http"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)" in result.stderr


def test_db_upgrade_and_jobs(tmp_path, empty_database_url):
    env = base_env(SLACK_BOT_TOKEN=TOKEN, DATABASE_URL=empty_database_url)
    upgraded = peerbot("db", "upgrade", env=env)
    assert upgraded.returncode == 0 and "up to date" in upgraded.stdout
    listed = peerbot("jobs", "list", env=env)
    assert listed.returncode == 0 and "prune-events" in listed.stdout
    ran = peerbot("jobs", "run", "prune-events", "--at", "2026-12-02T03:17:00+00:00", env=env)
    assert ran.returncode == 0 and "forgot 0 processed event ids" in ran.stdout
    unknown = peerbot("jobs", "run", "nonsense", env=env)
    assert unknown.returncode == 2 and "jobs list" in unknown.stderr


APP_TOKEN = "xapp-1-A0PEERBOT-1-cli"


def socket_env(slack, database_url, **extra):
    """No signing secret: Socket Mode needs none. No proxy: slack_sdk ignores NO_PROXY."""
    env = base_env(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.api_url, DATABASE_URL=database_url,
                   PORT=str(free_port()), PEERBOT_SCHEDULER="off", **extra)
    return {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy")}


def get_health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_run_with_an_app_token_uses_socket_mode_and_closes_the_socket_on_sigterm(tmp_path, database_url):
    with Sandbox(signing_secret="unused", bot_token=TOKEN, app_token=APP_TOKEN, transport="socket") as slack:
        env = socket_env(slack, database_url, SLACK_APP_TOKEN=APP_TOKEN)
        process = subprocess.Popen([sys.executable, "-m", "peerbot.cli", "run"], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            slack.wait_for(slack.socket.open_links, timeout=30)
            alice = slack.add_user("alice")
            general = slack.add_channel("general", members=[alice])
            assert slack.command(alice, general, "/peerbot", "help").acked
            assert slack.ephemerals(user=alice)
            # Work after the ack reaches the worker process from Socket Mode too.
            assert slack.command(alice, general, "/ask", "Does the worker hear Socket Mode?").acked
            slack.wait_for(lambda: cards(slack, general), timeout=30)
            health = slack.wait_for(lambda: (h := get_health(env["PORT"]))[0] == 200 and h)
            assert health == (200, {"database": "ok", "socket": "connected", "ok": True})
            assert [c.method for c in slack.calls][:2] == ["auth.test", "apps.connections.open"]
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
            slack.wait_for(lambda: not slack.socket.open_links())
        finally:
            process.kill()
    assert process.returncode == 0
    assert "stopped" in output and "Traceback" not in output
    assert [c.method for c in slack.calls].count("apps.connections.open") == 1  # no reconnect on the way out


def test_healthz_is_503_while_the_socket_is_down(tmp_path, database_url):
    with Sandbox(signing_secret="unused", bot_token=TOKEN, app_token=APP_TOKEN, transport="socket") as slack:
        env = socket_env(slack, database_url, SLACK_APP_TOKEN=APP_TOKEN)
        process = subprocess.Popen([sys.executable, "-m", "peerbot.cli", "run"], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            slack.wait_for(slack.socket.open_links, timeout=30)
            slack.socket.disable()  # Socket Mode switched off in the app config: reconnects are refused
            status, body = slack.wait_for(lambda: (h := get_health(env["PORT"]))[0] == 503 and h, timeout=10)
            assert body == {"database": "ok", "socket": "disconnected", "ok": False}
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 0, output


@pytest.mark.parametrize("app_token, message", [
    ("xoxb-not-an-app-token", "SLACK_APP_TOKEN must be an app-level token"),
    ("xapp-1-unknown", "SLACK_APP_TOKEN was rejected by Slack (invalid_auth)"),
])
def test_a_bad_app_token_stops_socket_mode_with_one_line(tmp_path, database_url, app_token, message):
    with Sandbox(signing_secret="unused", bot_token=TOKEN, app_token=APP_TOKEN, transport="socket") as slack:
        env = socket_env(slack, database_url, SLACK_APP_TOKEN=app_token)
        result = subprocess.run([sys.executable, "-m", "peerbot.cli", "run"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.stderr


def http_env(slack, database_url, port):
    env = base_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url,
                   DATABASE_URL=database_url, PORT=str(port), PEERBOT_SCHEDULER="off")
    return {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy")}


def cards(slack, channel):
    return [m for m in slack.messages(channel) if m.get("bot_id")]


def test_follow_up_work_runs_in_the_worker_and_is_finished_before_exit(tmp_path, database_url):
    with Sandbox(signing_secret="s", bot_token=TOKEN) as slack:
        alice = slack.add_user("alice")
        general = slack.add_channel("general", members=[alice])
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "peerbot.cli", "run", "--http"],
                                   env=http_env(slack, database_url, port), cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            slack.wait_for(lambda: _healthy(port), timeout=30)
            slack.request_url = f"http://127.0.0.1:{port}/slack/events"
            slack.slow_next("chat.postMessage", times=3, delay=2.0)  # the card posts are slow
            asked = [slack.command(alice, general, "/ask", f"Slow question number {i}?") for i in range(3)]
            assert all(d.acked for d in asked)
            process.send_signal(signal.SIGTERM)  # straight after the acks, while the work is queued or running
            output, _ = process.communicate(timeout=60)
        finally:
            process.kill()
        assert process.returncode == 0, output
        assert "stopped" in output and "Traceback" not in output
        assert len(cards(slack, general)) == 3  # every acked request's work was done, once


def _healthy(port) -> bool:
    try:
        return get_health(port)[0] == 200
    except OSError:  # not listening yet
        return False


def test_a_full_follow_up_queue_turns_requests_away_and_loses_nothing(database_url, monkeypatch):
    """With the worker's threads stuck on slow posts, commands pile up in the
    queue until two wait: the next one is told to try again and nothing is done
    for it; everything acked before is done, once, when the front shuts down."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Sandbox(signing_secret="s", bot_token=TOKEN) as slack:
        alice = slack.add_user("alice")
        general = slack.add_channel("general", members=[alice])
        env = http_env(slack, database_url, free_port())
        deps = build_deps(Settings.from_env(env))
        follow_ups = FollowUps(limit=2, env=env)
        server = HttpServer(build_wsgi_app(create_app(deps, follow_ups=follow_ups), deps),
                            host="127.0.0.1", port=0).start_in_thread()
        slack.request_url = f"http://127.0.0.1:{server.port}/slack/events"
        asked, turned_away = ["Is the worker up?"], []
        try:
            assert slack.command(alice, general, "/ask", asked[0]).acked
            slack.wait_for(lambda: cards(slack, general), timeout=30)  # it is, and asks for work
            slack.slow_next("chat.postMessage", times=100, delay=3.0)  # every worker thread gets stuck
            for i in range(WORKER_THREADS + 20):
                question = f"Question number {i}?"
                delivery = slack.command(alice, general, "/ask", question)
                assert delivery.acked
                if BUSY in delivery.body:  # what Slack shows the person
                    turned_away.append(question)
                    break
                asked.append(question)
            assert turned_away, "the queue never filled up"
        finally:
            server.close()
            follow_ups.close()
            deps.db.dispose()
        texts = [m["text"] for m in cards(slack, general)]
        assert len(texts) == len(asked)
        assert all(sum(question in text for text in texts) == 1 for question in asked)
        assert not any(turned_away[0] in text for text in texts)
