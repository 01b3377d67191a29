"""A small load generator: signed requests, bounded in number and in time,
from a separate process (so it does not share the GIL with the sandbox).

Each request opens its own connection, as the sandbox's deliverer (and Slack)
does, and is timed from connect to the last byte of the answer. An event
answered 503 is sent again, as Slack does.

    python -m bench.load SPEC.pickle   → JSON on stdout
SPEC: {"port": int, "path": str, "concurrency": int, "time_limit": float,
       "requests": [(body: bytes, headers: dict), ...]}"""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

RETRIES = 3  # Slack retries a failed event delivery 3 times (after about 0 s, 1 min and 5 min)
RETRY_PAUSE = 1.0  # seconds; shorter than Slack's, to keep the run short


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, of every answer (each attempt of a retried event)
    statuses: dict[int, int]  # final status → count (0: no answer)
    wall: float  # seconds from the first send to the last answer
    sent: int
    planned: int
    retried: int = 0  # events sent again after a 503, as Slack retries them

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall > 0 else 0.0


def run(port: int, requests: list[tuple[bytes, dict]], *, concurrency: int, time_limit: float,
        path: str = "/slack/events") -> LoadResult:
    """Run the load in a child process and wait for it."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as spec:
        pickle.dump({"port": port, "path": path, "concurrency": concurrency, "time_limit": time_limit,
                     "requests": requests}, spec)
        spec.flush()
        done = subprocess.run([sys.executable, "-m", "bench.load", spec.name], capture_output=True, check=True,
                              timeout=time_limit + 60)
    data = json.loads(done.stdout)
    return LoadResult(data["latencies"], {int(k): v for k, v in data["statuses"].items()}, data["wall"],
                      data["sent"], len(requests), data["retried"])


async def _one(port: int, path: str, body: bytes, headers: dict, timeout: float) -> tuple[int, float]:
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}",
            "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        answer = await asyncio.wait_for(reader.read(), timeout)  # the server closes after answering
        elapsed = time.perf_counter() - started
        writer.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        return status, elapsed
    except (OSError, asyncio.TimeoutError, ValueError):
        return 0, time.perf_counter() - started


async def _main(spec: dict) -> dict:
    requests, port, path = spec["requests"], spec["port"], spec["path"]
    deadline = time.perf_counter() + spec["time_limit"]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_index = 0
    sent = 0
    retried = 0

    async def worker() -> None:
        nonlocal next_index, sent, retried
        while next_index < len(requests) and time.perf_counter() < deadline:
            body, headers = requests[next_index]
            next_index += 1
            sent += 1
            for attempt in range(RETRIES + 1):
                status, elapsed = await _one(port, path, body, headers,
                                             timeout=max(1.0, deadline - time.perf_counter()))
                if status:
                    latencies.append(elapsed)
                if status != 503 or attempt == RETRIES or b'"event_callback"' not in body:
                    break
                # As Slack does with an event the app answered 503 to (peerbot's queue was full).
                retried += 1
                await asyncio.sleep(RETRY_PAUSE)
                headers = {**headers, "X-Slack-Retry-Num": str(attempt + 1), "X-Slack-Retry-Reason": "http_error"}
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(spec["concurrency"])))
    return {"latencies": latencies, "statuses": statuses, "wall": time.perf_counter() - started, "sent": sent,
            "retried": retried}


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as handle:
        spec = pickle.load(handle)
    print(json.dumps(asyncio.run(_main(spec))))
