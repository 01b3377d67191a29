"""The composition root: parse arguments, read the environment, start things.

Nothing else in peerbot reads os.environ."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from dotenv import dotenv_values
from slack_sdk.errors import SlackApiError

from peerbot.config import ConfigError, Settings
from peerbot.deps import Deps
from peerbot.slack_api import build_client
from peerbot.store.db import Database
from peerbot.store import migrate

logger = logging.getLogger("peerbot")

WORKER_THREADS = 16  # the worker process's pool for the work after the acks
# Slack answers these when the token itself is wrong: a configuration error.
TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except ConfigError as error:
        print(f"peerbot: configuration error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peerbot", description="Peer learning in Slack.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve Slack (Socket Mode when SLACK_APP_TOKEN is set)")
    run.add_argument("--http", action="store_true", help="receive Slack's requests over HTTP at /slack/events")
    run.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    run.set_defaults(handler=_run)
    # Started by `peerbot run` itself, which feeds it work on its stdin (peerbot.followups).
    commands.add_parser("worker", help=argparse.SUPPRESS).set_defaults(handler=_worker)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(handler=_db_upgrade)

    jobs = commands.add_parser("jobs", help="scheduled jobs").add_subparsers(required=True, metavar="ACTION")
    jobs.add_parser("list", help="name every job and its schedule").set_defaults(handler=_jobs_list)
    run_job = jobs.add_parser("run", help="run one job now, through the scheduler's code path")
    run_job.add_argument("name")
    run_job.add_argument("--at", type=_iso_time, help="the fire time, ISO 8601 (default: now)")
    run_job.set_defaults(handler=_jobs_run)

    demo = commands.add_parser("demo", help="play a day of peer learning against the local Slack sandbox")
    demo.set_defaults(handler=_demo)
    return parser


def _environ() -> dict[str, str]:
    """The process environment over an optional .env file."""
    return {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}


def _iso_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def build_deps(settings: Settings) -> Deps:
    db = Database(settings.database_url)
    executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="peerbot-work")
    return Deps(settings=settings, db=db, client=build_client(settings), executor=executor)


def _db_upgrade(_args) -> int:
    settings = Settings.from_env(_environ(), http=False)
    db = Database(settings.database_url)
    migrate.upgrade(db)
    print("peerbot: database is up to date")
    return 0


def _run(args) -> int:
    from peerbot.server import serve

    environ = _environ()
    if args.port is not None:
        environ["PORT"] = str(args.port)
    socket_mode = bool(environ.get("SLACK_APP_TOKEN", "").strip()) and not args.http
    settings = Settings.from_env(environ, http=not socket_mode)
    deps = build_deps(settings)
    migrate.upgrade(deps.db)
    check_token(deps)
    # The worker's threads would each get a glibc malloc arena; two keep its memory compact.
    serve(deps, socket_mode=socket_mode, worker_env={"MALLOC_ARENA_MAX": "2", **environ})
    return 0


def _worker(_args) -> int:
    from peerbot.app import create_app
    from peerbot.followups import become_worker, run_worker
    from peerbot.jobs import build_scheduler

    become_worker()
    # stdout carries the protocol to `peerbot run`: keep stray output off it.
    ready = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    settings = Settings.from_env(_environ(), http=False)
    deps = build_deps(settings)
    scheduler = build_scheduler(deps) if settings.scheduler_on else None
    if scheduler is not None:
        scheduler.start()
    try:
        run_worker(create_app(deps, verify_requests=False), deps.executor, WORKER_THREADS, sys.stdin, ready)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        deps.executor.shutdown(wait=True)
        deps.db.dispose()
    return 0


def check_token(deps: Deps) -> None:
    """Fail start-up clearly on a token Slack rejects; carry on if Slack is
    merely unreachable (it may be back by the time the first request comes)."""
    try:
        deps.client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        if code in TOKEN_ERRORS:
            raise ConfigError(f"SLACK_BOT_TOKEN was rejected by Slack ({code})") from None
        logger.warning("auth.test failed (%s); starting anyway", code)
    except OSError as error:
        logger.warning("could not reach Slack at %s (%s); starting anyway", deps.settings.api_url, error)


def _jobs_list(_args) -> int:
    from peerbot.jobs import JOBS

    for job in JOBS.values():
        print(f"{job.name:<16} {job.schedule:<28} {job.description}")
    return 0


def _jobs_run(args) -> int:
    from peerbot.jobs import JOBS, run_job

    if args.name not in JOBS:
        print(f"peerbot: no job named {args.name!r}; `peerbot jobs list` names them", file=sys.stderr)
        return 2
    settings = Settings.from_env(_environ(), http=False)
    deps = build_deps(settings)
    migrate.upgrade(deps.db)
    result = run_job(deps, args.name, args.at or datetime.now(timezone.utc))
    print(f"peerbot: {args.name}: {result}")
    return 0


def _demo(_args) -> int:
    from peerbot.demo import run_demo

    return run_demo(os.environ.get("DATABASE_URL"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
