"""`peerbot` as an operator runs it: clear configuration errors, /healthz,
a clean stop on SIGTERM, and the maintenance commands."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from peerbot.sandbox import Sandbox

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
