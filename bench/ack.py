"""Ack latency: signed /ask, /kb and reaction_added requests at several
concurrencies, to peerbot and to the bare Bolt baseline, side by side."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import count

from bench import load
from bench.corpus import Vocabulary, question
from bench.report import Table, ms, percentile, ratio
from bench.slack import AppProcess, Request, World, add_messages, command, reaction_body, settle, signed, JSON

CONCURRENCY = (1, 10, 50)
KINDS = ("reaction_added", "/kb", "/ask")
SATURATION_DELAY = 4.0
P99_TARGET = 0.100
RATIO_TARGET = 1.5
SATURATED_P99_TARGET = 1.0


@dataclass
class AckRun:
    kind: str
    concurrency: int
    peerbot: load.LoadResult
    baseline: load.LoadResult


class Requests:
    """Fresh requests of each kind: new triggers, new (message, person) reactions."""

    def __init__(self, world: World, vocab: Vocabulary, seed: int = 1):
        self.world, self.vocab = world, vocab
        self.rng = random.Random(seed)
        texts = [f"Note {i}: " + question(vocab, self.rng) for i in range(100)]
        self.messages = add_messages(world, world.general, texts)
        self._pairs = count()

    def make(self, kind: str, n: int) -> list[Request]:
        world, rng = self.world, self.rng
        out = []
        for _ in range(n):
            user = rng.choice(world.users)
            if kind == "/ask":
                out.append(command(world, user, rng.choice(world.channels), "/ask", question(self.vocab, rng)))
            elif kind == "/kb":
                words = rng.choices(self.vocab.words[10:200], k=rng.randint(1, 2))
                out.append(command(world, user, world.general, "/kb", " ".join(words)))
            else:
                i = next(self._pairs)
                msg = self.messages[i % len(self.messages)]
                user = world.users[(i // len(self.messages)) % len(world.users)]
                out.append(signed(reaction_body(world, user, world.general, msg), JSON))
        return out


def measure(world: World, peerbot: AppProcess, baseline: AppProcess, requests: Requests, *,
            sizes: dict[int, int], time_limit: float) -> list[AckRun]:
    runs = []
    for kind in KINDS:
        for concurrency in CONCURRENCY:
            n = sizes[concurrency]
            base = load.run(baseline.port, requests.make(kind, n), concurrency=concurrency, time_limit=time_limit)
            settle(world)
            ours = load.run(peerbot.port, requests.make(kind, n), concurrency=concurrency, time_limit=time_limit)
            settle(world)  # peerbot's work after the acks must not spill into the next measurement
            runs.append(AckRun(kind, concurrency, ours, base))
    return runs


def measure_saturated(world: World, peerbot: AppProcess, baseline: AppProcess, requests: Requests,
                      pool_size: int) -> AckRun:
    """(pool size + 1) /ask at once whose follow-up work (the card post) takes 4 s each."""
    burst = pool_size + 1
    base = load.run(baseline.port, requests.make("/ask", burst), concurrency=burst, time_limit=30)
    world.slack.slow_next("chat.postMessage", times=burst, delay=SATURATION_DELAY)
    ours = load.run(peerbot.port, requests.make("/ask", burst), concurrency=burst, time_limit=30)
    settle(world, quiet=1.0, timeout=60)
    return AckRun(f"/ask, pool saturated ({burst} × {SATURATION_DELAY:.0f} s work)", burst, ours, base)


def table(results: dict[str, list[AckRun]]) -> Table:
    t = Table("Ack latency (time to HTTP 200, new connection per request)", [
        "database", "request", "conc.", "n", "peerbot p50 / p99 / max ms", "peerbot req/s",
        "baseline p50 / p99 / max ms", "baseline req/s", "p99 ratio", "req/s ratio", "target"])
    errors = []
    for database, runs in results.items():
        for run in runs:
            o, b = run.peerbot, run.baseline
            op99, bp99 = percentile(o.latencies, 99), percentile(b.latencies, 99)
            if run.kind.startswith("/ask, pool"):
                target = f"p99 < {SATURATED_P99_TARGET * 1000:.0f} ms: " + ("met" if op99 < SATURATED_P99_TARGET else "MISSED")
            elif run.concurrency == 50:
                met = op99 < P99_TARGET and op99 / bp99 <= RATIO_TARGET
                target = f"p99 < 100 ms, ≤ {RATIO_TARGET}x: " + ("met" if met else "MISSED")
            else:
                target = ""
            t.add(database, run.kind, run.concurrency, f"{o.ok}/{o.planned}",
                  f"{ms(percentile(o.latencies, 50))} / {ms(op99)} / {ms(max(o.latencies, default=float('nan')))}",
                  f"{o.rate:.0f}",
                  f"{ms(percentile(b.latencies, 50))} / {ms(bp99)} / {ms(max(b.latencies, default=float('nan')))}",
                  f"{b.rate:.0f}", ratio(op99, bp99), ratio(o.rate, b.rate), target)
            for name, result in (("peerbot", o), ("baseline", b)):
                bad = {s: c for s, c in result.statuses.items() if s != 200}
                if result.retried:
                    errors.append(f"{database} {run.kind} c={run.concurrency} {name}: {result.retried} events "
                                  f"answered 503 (queue full) and sent again")
                if bad or result.sent < result.planned:
                    errors.append(f"{database} {run.kind} c={run.concurrency} {name}: non-200 {bad}, "
                                  f"sent {result.sent}/{result.planned}")
    t.notes.append("n = requests answered 200 / planned. Baseline: a bare Bolt app on the same waitress + "
                   "WSGI adapter, process_before_response=True, listeners that only ack.")
    t.notes += errors
    return t
