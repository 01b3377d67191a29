"""Matching engine: 1,000 newcomers onto 500 helpers of capacity 2 (`assign`),
and 2,000 people into groups of 3-6 (`group`), each against the bare solver
(`linear_sum_assignment` on a random cost matrix of the same shape as the
engine's, which is the floor the engine builds on). Pure CPU: no database."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from bench.report import Table, percentile, ratio
from peerbot.services.matching import Person, Rules, assign, group

TARGET = 2.0
TOPICS = [f"topic{i}" for i in range(40)]
OFFSETS = [-28800, -18000, 0, 3600, 19800, 32400]


@dataclass(frozen=True)
class MatchingSizes:
    seekers: int
    helpers: int
    grouped: int
    reps: int


FULL = MatchingSizes(1_000, 500, 2_000, 5)
QUICK = MatchingSizes(100, 50, 200, 2)


def population(n: int, rng: random.Random, *, start: int = 0, capacity: int = 1) -> list[Person]:
    """People with topics, earned and declared expertise, zones, teams, managers and history."""
    return [Person(f"U{start + i:06d}", topics=frozenset(rng.sample(TOPICS, 2)),
                   declared=frozenset(rng.sample(TOPICS, 3)),
                   earned={t: rng.randint(1, 30) for t in rng.sample(TOPICS, 3)}, tz_offset=rng.choice(OFFSETS),
                   team=f"team{rng.randint(0, 40)}", manager=f"U{rng.randint(0, 4 * n):06d}", capacity=capacity,
                   past_matches=rng.randint(0, 3), waited=rng.randint(0, 1)) for i in range(n)]


def _rules(ids: list[str], rng: random.Random) -> Rules:
    """A blocked pair and a past partner for one person in twenty."""
    picks = lambda: [(rng.choice(ids), rng.choice(ids)) for _ in range(len(ids) // 20)]  # noqa: E731
    return Rules.of(blocked=picks(), recent=picks())


def _timed(work, reps: int) -> list[float]:
    times = []
    for _ in range(reps + 1):  # the first is a warm-up
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times[1:]


def measure(sizes: MatchingSizes) -> Table:
    rng = random.Random(7)
    seekers = population(sizes.seekers, rng)
    helpers = population(sizes.helpers, rng, start=sizes.seekers, capacity=2)
    pair_rules = _rules([p.id for p in seekers + helpers], rng)
    members = population(sizes.grouped, rng, start=10 * sizes.grouped)
    group_rules = _rules([p.id for p in members], rng)
    solver = np.random.default_rng(7)
    slots = sizes.helpers * 2
    runs = {
        f"assign {sizes.seekers:,} newcomers to {sizes.helpers:,} helpers × 2": (
            lambda: assign(seekers, helpers, rules=pair_rules, seed=1),
            lambda: linear_sum_assignment(solver.random((sizes.seekers, slots)))),
        f"group {sizes.grouped:,} people into 3-6": (
            lambda: group(members, min_size=3, max_size=6, target=4, rules=group_rules, seed=1),
            # the engine's rounds: people left × groups, about size-of-group times
            lambda: [linear_sum_assignment(solver.random((sizes.grouped - k * sizes.grouped // 4, sizes.grouped // 4)))
                     for k in range(1, 4)]),
    }
    table = Table("Matching engine (pure CPU, no database)", [
        "task", "median s", "max s", "bare solver s", "ratio", f"target < {TARGET:.0f} s"])
    for name, (ours, bare) in runs.items():
        times, floor = _timed(ours, sizes.reps), _timed(bare, sizes.reps)
        median, worst, base = percentile(times, 50), max(times), percentile(floor, 50)
        table.add(name, f"{median:.3f}", f"{worst:.3f}", f"{base:.3f}", ratio(median, base),
                  "met" if worst < TARGET else "MISSED")
    result = assign(seekers, helpers, rules=pair_rules, seed=1)
    grouped = group(members, min_size=3, max_size=6, target=4, rules=group_rules, seed=1)
    table.notes.append(f"{sizes.reps} runs after a warm-up. People have 2 wanted topics, 3 declared, 3 earned, one "
                       "of 6 time zones, one of 41 teams; one blocked pair and one past partner per 20 people. "
                       f"Placed: {len(result.matches):,} of {sizes.seekers:,} newcomers; "
                       f"{len(grouped.groups):,} groups, {len(grouped.unplaced):,} people not placed.")
    return table
