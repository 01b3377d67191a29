"""One matching engine for every programme (PROGRAMMES.md §2). Pure: no
database, no Slack; callers read people from the store and pass them in.

- `assign` pairs seekers with helpers (hires with buddies, mentees with
  mentors): hard filters first (not oneself, blocked pairs, the manager,
  capacity, the same pair within the last 12 months while an alternative
  exists, optionally a time-zone limit), then a weighted score (earned and
  declared expertise on the seeker's topics, time-zone closeness, same team
  where known, fewest past matches, a bonus for people left over before), then
  an optimal assignment by `scipy.optimize.linear_sum_assignment` with a
  column per capacity slot. Cardinality comes first (a large constant per
  feasible pair), so nobody is left out to make someone else's match nicer.
  A second pass places the leftovers with a past partner when nobody else
  can take them.
- `rank` lists the best helpers for one seeker (the buddy suggestions).
- `group` forms sets within a size range (circles; `pair_up` is groups of
  two, with one trio for an odd count where the programme allows).

Deterministic for a seed: inputs are sorted by id and shuffled by the seed,
so the same people and seed always give the same result, whatever order
they came in. Nobody is dropped silently: every seeker or member is placed
or has a reason in `unplaced`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

# Reasons people are told when they cannot be placed.
NO_CANDIDATES = "nobody suitable is in the pool: everyone possible is blocked, your manager, or yourself"
FULL = "everyone suitable already has as many matches as they can take"
TOO_FEW = "too few people joined to form a group"
NO_ROOM = "no group could take you without going over its size or pairing you with someone you blocked"
ODD_ONE_OUT = "an odd number of people joined and this programme has no trios"

_FEASIBLE = 1_000_000.0  # per feasible pair: more matches always beat better matches
_INFEASIBLE = 1e12


@dataclass(frozen=True)
class Person:
    id: str
    topics: frozenset[str] = frozenset()  # what a seeker wants to learn / a member cares about
    declared: frozenset[str] = frozenset()  # topics declared with /experts
    earned: Mapping[str, int] = field(default_factory=dict)  # topic -> earned points
    tz_offset: int | None = None  # seconds east of UTC, from users.info
    team: str | None = None
    manager: str | None = None
    capacity: int = 1  # helpers: slots free in this round
    past_matches: int = 0  # helpers: how often they were matched before
    waited: int = 0  # rounds this person was left over


@dataclass(frozen=True)
class Weights:
    earned: float = 2.0  # per shared topic, times log(1 + points)
    declared: float = 1.5  # per shared declared topic
    timezone: float = 3.0  # times closeness: 1 for the same offset, 0 at 12 h apart
    same_team: float = 1.0  # negative to prefer other teams
    past_matches: float = 0.5  # penalty per past match: spread the load
    waited: float = 5.0  # bonus per round left over
    max_tz_hours: float | None = None  # a hard limit, when the programme sets one


@dataclass(frozen=True)
class Rules:
    blocked: frozenset[frozenset[str]] = frozenset()  # pairs never matched or grouped
    recent: frozenset[frozenset[str]] = frozenset()  # pairs matched within the last 12 months

    @staticmethod
    def of(blocked: Iterable[tuple[str, str]] = (), recent: Iterable[tuple[str, str]] = ()) -> "Rules":
        return Rules(frozenset(frozenset(p) for p in blocked if p[0] != p[1]),
                     frozenset(frozenset(p) for p in recent if p[0] != p[1]))


@dataclass(frozen=True)
class Match:
    seeker: str
    helper: str
    score: float
    repeat: bool = False  # a past partner: nobody else could take the seeker


@dataclass(frozen=True)
class Assignment:
    matches: tuple[Match, ...]
    unplaced: Mapping[str, str]  # seeker id -> reason

    def helper_of(self, seeker: str) -> str | None:
        return next((m.helper for m in self.matches if m.seeker == seeker), None)


@dataclass(frozen=True)
class Grouping:
    groups: tuple[tuple[str, ...], ...]
    unplaced: Mapping[str, str]


# ---- scoring ---------------------------------------------------------------------------------------


def tz_hours(a: Person, b: Person) -> float | None:
    if a.tz_offset is None or b.tz_offset is None:
        return None
    diff = abs(a.tz_offset - b.tz_offset) / 3600
    return min(diff, 24 - diff)


def excluded(seeker: Person, helper: Person, rules: Rules, weights: Weights) -> bool:
    """The hard filters that hold whatever else happens."""
    if seeker.id == helper.id or seeker.manager == helper.id:
        return True
    if frozenset((seeker.id, helper.id)) in rules.blocked:
        return True
    distance = tz_hours(seeker, helper)
    return weights.max_tz_hours is not None and distance is not None and distance > weights.max_tz_hours


def score(seeker: Person, helper: Person, weights: Weights = Weights()) -> float:
    total = 0.0
    for topic in seeker.topics:
        total += weights.earned * math.log1p(max(helper.earned.get(topic, 0), 0))
        if topic in helper.declared:
            total += weights.declared
    distance = tz_hours(seeker, helper)
    if distance is not None:
        total += weights.timezone * (1 - distance / 12)
    if seeker.team and helper.team and seeker.team == helper.team:
        total += weights.same_team
    total -= weights.past_matches * helper.past_matches
    total += weights.waited * seeker.waited
    return total


def _ordered(people: Iterable[Person], rng: random.Random) -> list[Person]:
    by_id = {p.id: p for p in people}  # one entry per id
    ordered = [by_id[k] for k in sorted(by_id)]
    rng.shuffle(ordered)
    return ordered


def _jitter(rng: random.Random, rows: int, cols: int) -> np.ndarray:
    """Tiny seeded noise: ties are broken by the seed, never by input order."""
    return np.array([[rng.random() * 1e-6 for _ in range(cols)] for _ in range(rows)]).reshape(rows, cols)


# ---- pairs: seekers with helpers -------------------------------------------------------------------


def assign(seekers: Iterable[Person], helpers: Iterable[Person], *, rules: Rules = Rules(),
           weights: Weights = Weights(), seed: int = 0) -> Assignment:
    rng = random.Random(seed)
    seekers_, helpers_ = _ordered(seekers, rng), _ordered(helpers, rng)
    left = {h.id: max(h.capacity, 0) for h in helpers_}
    matches: list[Match] = []
    # Pass 1: nobody with a past partner. Pass 2: the leftovers, with a past
    # partner, only where nobody else had room (pass 1 placed as many as possible).
    waiting = seekers_
    for allow_repeat in (False, True):
        if not waiting:
            break
        placed = _solve(waiting, helpers_, left, rules, weights, rng, allow_repeat)
        for seeker, helper, value in placed:
            left[helper.id] -= 1
            repeat = frozenset((seeker.id, helper.id)) in rules.recent
            matches.append(Match(seeker.id, helper.id, round(value, 6), repeat))
        done = {m.seeker for m in matches}
        waiting = [s for s in waiting if s.id not in done]
    unplaced = {}
    for seeker in waiting:
        possible = [h for h in helpers_ if not excluded(seeker, h, rules, weights) and h.capacity > 0]
        unplaced[seeker.id] = FULL if possible else NO_CANDIDATES
    return Assignment(tuple(sorted(matches, key=lambda m: m.seeker)), unplaced)


def _solve(seekers: list[Person], helpers: list[Person], left: Mapping[str, int], rules: Rules,
           weights: Weights, rng: random.Random, allow_repeat: bool) -> list[tuple[Person, Person, float]]:
    slots = [h for h in helpers for _ in range(left[h.id])]
    if not seekers or not slots:
        return []
    cost = np.full((len(seekers), len(slots)), _INFEASIBLE)
    values: dict[tuple[int, str], float] = {}
    for i, seeker in enumerate(seekers):
        for j, helper in enumerate(slots):
            if excluded(seeker, helper, rules, weights):
                continue
            if not allow_repeat and frozenset((seeker.id, helper.id)) in rules.recent:
                continue
            value = values.setdefault((i, helper.id), score(seeker, helper, weights))
            cost[i, j] = -(_FEASIBLE + value)
    cost = cost + _jitter(rng, *cost.shape)
    rows, cols = linear_sum_assignment(cost)
    return [(seekers[i], slots[j], values[(i, slots[j].id)])
            for i, j in zip(rows, cols) if cost[i, j] < _INFEASIBLE / 2]


def rank(seeker: Person, helpers: Iterable[Person], *, rules: Rules = Rules(), weights: Weights = Weights(),
         limit: int = 3, seed: int = 0) -> list[tuple[str, float]]:
    """The best helpers with room for one seeker, best first: no past partner
    while others exist; within the time-zone limit while others exist."""
    rng = random.Random(seed)
    pool = [h for h in _ordered(helpers, rng) if h.capacity > 0]
    loose = replace(weights, max_tz_hours=None)
    candidates = [h for h in pool if not excluded(seeker, h, rules, loose)]
    fresh = [h for h in candidates if frozenset((seeker.id, h.id)) not in rules.recent]
    candidates = fresh or candidates
    near = [h for h in candidates if not excluded(seeker, h, rules, weights)]
    candidates = near or candidates
    ranked = sorted(candidates, key=lambda h: (-score(seeker, h, weights), h.id))
    return [(h.id, round(score(seeker, h, weights), 6)) for h in ranked[:limit]]


# ---- groups ------------------------------------------------------------------------------------------


def _sizes(n: int, min_size: int, max_size: int, target: int) -> list[int]:
    """How many groups of which sizes for n people, all within [min, max]; as
    close to `target` as possible. Fewer people than fit are left over."""
    if n < min_size:
        return []
    low, high = math.ceil(n / max_size), n // min_size
    if low <= high:
        count = min(max(round(n / target), low), high)
        base, extra = divmod(n, count)
        return [base + 1] * extra + [base] * (count - extra)
    count = high  # cannot use everyone: fill `count` groups to the brim
    return [max_size] * count


def _pair_cost(a: Person, b: Person, rules: Rules, weights: Weights) -> float:
    key = frozenset((a.id, b.id))
    if key in rules.blocked or a.manager == b.id or b.manager == a.id:
        return _INFEASIBLE
    cost = 0.0
    if key in rules.recent:
        cost += 100.0
    if a.team and b.team and a.team == b.team:
        cost += weights.same_team
    distance = tz_hours(a, b)
    if distance is not None:
        cost += weights.timezone * distance / 12
    cost -= weights.declared * len(a.topics & b.topics)
    return cost


def group(people: Iterable[Person], *, min_size: int, max_size: int, target: int | None = None,
          rules: Rules = Rules(), weights: Weights = Weights(), seed: int = 0) -> Grouping:
    if not 1 <= min_size <= max_size:
        raise ValueError("group sizes need 1 <= min_size <= max_size")
    rng = random.Random(seed)
    everyone = _ordered(people, rng)
    target = min(max(target or min_size, min_size), max_size)
    sizes = _sizes(len(everyone), min_size, max_size, target)
    if not sizes:
        return Grouping((), {p.id: TOO_FEW for p in everyone})
    # People who waited longest (then the most constrained) go first.
    blocked_count = {p.id: sum(1 for q in everyone if _pair_cost(p, q, rules, weights) >= _INFEASIBLE)
                     for p in everyone}
    queue = sorted(everyone, key=lambda p: (-p.waited, -blocked_count[p.id]))
    groups: list[list[Person]] = [[p] for p in queue[:len(sizes)]]
    rest = queue[len(sizes):]
    # Fill round by round: each round every group with room takes one more
    # person, by an optimal assignment of the remaining people to the groups.
    while rest:
        open_groups = [g for g, size in zip(groups, sizes) if len(g) < size]
        if not open_groups:
            break
        cost = np.array([[sum(_pair_cost(p, m, rules, weights) for m in g) for g in open_groups] for p in rest])
        cost = cost.reshape(len(rest), len(open_groups)) + _jitter(rng, len(rest), len(open_groups))
        rows, cols = linear_sum_assignment(cost)
        taken = set()
        for i, j in zip(rows, cols):
            if cost[i, j] < _INFEASIBLE / 2:
                open_groups[j].append(rest[i])
                taken.add(i)
        if not taken:
            break
        rest = [p for i, p in enumerate(rest) if i not in taken]
    return _settle(groups, rest, min_size, max_size, rules, weights)


def _fits(person: Person, members: list[Person], rules: Rules, weights: Weights) -> bool:
    return all(_pair_cost(person, m, rules, weights) < _INFEASIBLE / 2 for m in members)


def _settle(groups: list[list[Person]], rest: list[Person], min_size: int, max_size: int, rules: Rules,
            weights: Weights) -> Grouping:
    """Leftovers join groups with room; groups that end up too small are
    dissolved and their members tried elsewhere; whoever still has no place
    gets a reason."""
    unplaced: dict[str, str] = {}
    while True:
        still = []
        for person in rest:
            options = [g for g in groups if len(g) < max_size and _fits(person, g, rules, weights)]
            if options:
                min(options, key=len).append(person)
            else:
                still.append(person)
        small = [g for g in groups if len(g) < min_size]
        if not small:
            break
        groups = [g for g in groups if len(g) >= min_size]
        rest = still + [p for g in small for p in g]
        if not groups:
            still = rest
            break
    reason = NO_ROOM if groups else TOO_FEW
    for person in still:
        unplaced[person.id] = reason
    final = tuple(sorted(tuple(sorted(p.id for p in g)) for g in groups))
    return Grouping(final, unplaced)


def pair_up(people: Iterable[Person], *, allow_trio: bool = True, rules: Rules = Rules(),
            weights: Weights = Weights(), seed: int = 0) -> Grouping:
    """Pairs within one pool; an odd count makes one trio where allowed."""
    result = group(people, min_size=2, max_size=3 if allow_trio else 2, target=2, rules=rules, weights=weights,
                   seed=seed)
    if allow_trio:
        return result
    return Grouping(result.groups, {k: ODD_ONE_OUT if v == NO_ROOM else v for k, v in result.unplaced.items()})
