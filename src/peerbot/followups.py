"""Follow-up work in a worker process, so it never slows down an ack.

`peerbot run` is two processes. The front (HTTP or Socket Mode) verifies
each request and runs its ack; Bolt then hands every lazy function to
`FollowUps.start`, which queues (function name, request) for the worker.
The worker (`peerbot worker`, started and supervised by the front) reads
them from its stdin and runs them on its own thread pool, re-dispatching
each request to its own Bolt app as a lazy-only request: the mechanism
Bolt itself uses on AWS Lambda. It also runs the scheduler. The worker is
niced, so on a busy machine the acks (which must answer within 3 s) get
the CPU first; follow-up work has no such deadline.

Why not threads: follow-up work (searches, SQL, Web API calls) is mostly
Python, and Python runs one thread at a time. In one process every busy
worker thread delays every ack (measured: p99 3-5x a bare Bolt app at
concurrency 50); fewer threads or a shorter GIL switch interval did not help.

The queue is bounded and nothing is lost when it is full. The worker asks
for work (one `ready` line per free thread), so requests wait only in the
front's queue, and when `limit` of them wait, new requests are turned
away before their ack runs, with nothing done: a slash command is told
so (ephemeral, "try again"), every other request gets a 503, which Slack
retries (events) or shows to the person as a failure (buttons, forms).
On shutdown the front stops taking requests, hands the worker everything
queued, and waits until the worker has finished it all.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Executor
from typing import IO, Callable, Sequence

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware import Middleware

logger = logging.getLogger("peerbot")

# Follow-ups waiting for the worker before new requests are turned away: about a minute of the
# worker's pace on a small machine (and about 12 MB: an item is ~1.2 KB), far above what Slack
# sends one workspace (at most 30,000 events an hour), so reached only when the worker stalls.
LIMIT = 10_000
WORKER_NICE = 10  # the worker yields the CPU to the front's acks
READY = "ready\n"
RESTART_DELAY = 1.0  # seconds before a worker that died is started again
BUSY = ("peerbot is very busy right now and did nothing with that. "
        "Please try again in a minute.")
WORKER_COMMAND = [sys.executable, "-m", "peerbot.cli", "worker"]


class FollowUps(LazyListenerRunner):
    """The front's side: Bolt's lazy-listener runner that queues work for the
    worker process, and the middleware that turns requests away when full."""

    def __init__(self, *, limit: int = LIMIT, command: Sequence[str] = WORKER_COMMAND,
                 env: dict[str, str] | None = None):
        self.logger = logger
        self.limit = limit
        self._command, self._env = list(command), env
        self._waiting: queue.Queue[str | None] = queue.Queue()
        self._worker = self._start_worker()
        self._feeder = threading.Thread(target=self._feed, name="peerbot-followups", daemon=True)
        self._feeder.start()

    # ---- in the front's request threads ---------------------------------------------------

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        # Encoded at once: a line of JSON is the smallest form to hold while it waits.
        self._waiting.put(json.dumps({
            "function": function.__name__,
            "mode": request.mode,
            "body": request.raw_body if request.mode == "http" else request.body,
            "headers": request.headers,
            "query": request.query,
        }))

    def full(self) -> bool:
        return self._waiting.qsize() >= self.limit

    def admission(self) -> Middleware:
        return _TurnAwayWhenFull(self)

    # ---- the feeder thread: hands work to the worker as it asks, restarts it if it dies ------

    def _start_worker(self) -> subprocess.Popen:
        return subprocess.Popen(self._command, env=self._env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1)

    def _feed(self) -> None:
        while True:
            if self._worker.stdout.readline() != READY:  # the worker died
                self._worker.wait()
                logger.error("the worker stopped unexpectedly (exit code %s): restarting it; the follow-ups "
                             "it was running are lost", self._worker.returncode)
                time.sleep(RESTART_DELAY)
                self._worker = self._start_worker()
                continue
            item = self._waiting.get()
            if item is None:  # close(): everything before it has been handed over
                return
            try:
                self._worker.stdin.write(item + "\n")
            except OSError:  # it died just now: the next readline sees it; hand this item to the new one
                self._waiting.put(item)  # (at the end of the queue: order is not a guarantee across a restart)

    def close(self) -> None:
        """Hand over everything queued, then wait for the worker to finish it and exit."""
        self._waiting.put(None)
        self._feeder.join()
        self._worker.stdin.close()  # end of work: the worker finishes what it has and exits
        self._worker.wait()


class _TurnAwayWhenFull(Middleware):
    """Runs before any listener: a request that cannot be queued is refused
    with nothing done, so Slack's retry or the person's next try is safe."""

    def __init__(self, follow_ups: FollowUps):
        self.follow_ups = follow_ups

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if not self.follow_ups.full():
            return next()
        logger.warning("follow-up queue full (%s waiting): request turned away", self.follow_ups.limit)
        if "command" in req.body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": BUSY})
        return BoltResponse(status=503, body={"error": "busy, try again later"})


def become_worker() -> None:
    """First thing in the worker process, before any thread starts (threads inherit the nice value)."""
    os.nice(WORKER_NICE)
    # The front decides when to stop (Ctrl-C reaches the whole process group): it closes our stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run_worker(app: App, pool: Executor, threads: int, requests: IO[str], ready: IO[str]) -> None:
    """The worker's loop: ask for work while one of `threads` is free and run
    each item on `pool` as a lazy-only request. Returns at the end of input;
    the caller then waits for the pool to finish."""
    from peerbot.server import SlackRequest

    lock = threading.Lock()

    def say_ready() -> None:
        with lock:
            ready.write(READY)
            ready.flush()

    def run(item: dict) -> None:
        try:
            headers = {**item["headers"], "x-slack-bolt-lazy-only": "1",
                       "x-slack-bolt-lazy-function-name": item["function"]}
            app.dispatch(SlackRequest(body=item["body"], query=item["query"], headers=headers, mode=item["mode"]))
        except Exception:  # Bolt and after_ack handle listener errors; this is a last resort
            logger.exception("follow-up %s failed", item.get("function"))
        finally:
            say_ready()

    for _ in range(threads):
        say_ready()
    for line in requests:
        item = json.loads(line)
        pool.submit(run, item)
