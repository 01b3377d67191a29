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

The rules are written once per pair (`excluded`, `score`) and applied to
whole populations at once with numpy (`_excluded_matrix`, `_score_matrix`,
`_pair_costs`; a property test holds the two equal), so 1,000 newcomers onto
500 helpers, or 2,000 people into groups, take well under a second. An
admin's preview of a round before it is published is `services/rounds.py`.

Deterministic for a seed: inputs are sorted by id and shuffled by the seed,
so the same people and seed always give the same result, whatever order
they came in. Nobody is dropped silently: every seeker or member is placed
or has a reason in `unplaced`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    import numpy as np

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
    return np.random.default_rng(rng.getrandbits(64)).random((rows, cols)) * 1e-6


# ---- the same rules as `excluded` and `score`, for whole populations at once (numpy) -----------------


def _offsets(people: list[Person]) -> np.ndarray:
    return np.array([np.nan if p.tz_offset is None else p.tz_offset for p in people], dtype=float)


def _tz_distance(a: list[Person], b: list[Person]) -> np.ndarray:
    """Hours apart on the clock (NaN where a zone is unknown), as `tz_hours`."""
    diff = np.abs(_offsets(a)[:, None] - _offsets(b)[None, :]) / 3600
    return np.minimum(diff, 24 - diff)


def _same(a: list, b: list) -> np.ndarray:
    """a[i] == b[j], never for unknown (None) values."""
    codes: dict = {}
    left = np.array([-1 if x is None else codes.setdefault(x, len(codes)) for x in a])
    right = np.array([-2 if x is None else codes.setdefault(x, len(codes)) for x in b])
    return left[:, None] == right[None, :]


def _pairs_mask(a: list[Person], b: list[Person], pairs: frozenset[frozenset[str]]) -> np.ndarray:
    mask = np.zeros((len(a), len(b)), dtype=bool)
    rows, cols = {p.id: i for i, p in enumerate(a)}, {p.id: j for j, p in enumerate(b)}
    for pair in pairs:
        x, y = tuple(pair)
        for one, other in ((x, y), (y, x)):
            if one in rows and other in cols:
                mask[rows[one], cols[other]] = True
    return mask


def _topic_matrix(people: list[Person], index: dict[str, int], values) -> np.ndarray:
    matrix = np.zeros((len(people), len(index)))
    for i, person in enumerate(people):
        for topic, value in values(person):
            if topic in index:
                matrix[i, index[topic]] = value
    return matrix


def _excluded_matrix(seekers: list[Person], helpers: list[Person], rules: Rules, weights: Weights) -> np.ndarray:
    """`excluded` for every seeker and helper."""
    out = _same([s.id for s in seekers], [h.id for h in helpers])
    out |= _same([s.manager for s in seekers], [h.id for h in helpers])
    out |= _pairs_mask(seekers, helpers, rules.blocked)
    if weights.max_tz_hours is not None:
        with np.errstate(invalid="ignore"):
            out |= _tz_distance(seekers, helpers) > weights.max_tz_hours  # NaN compares False: unknown passes
    return out


def _score_matrix(seekers: list[Person], helpers: list[Person], weights: Weights) -> np.ndarray:
    """`score` for every seeker and helper."""
    index = {t: i for i, t in enumerate(sorted({t for s in seekers for t in s.topics}))}
    wants = _topic_matrix(seekers, index, lambda p: ((t, 1.0) for t in p.topics))
    earned = _topic_matrix(helpers, index, lambda p: ((t, math.log1p(max(v, 0))) for t, v in p.earned.items()))
    declared = _topic_matrix(helpers, index, lambda p: ((t, 1.0) for t in p.declared))
    total = weights.earned * wants @ earned.T + weights.declared * wants @ declared.T
    distance = _tz_distance(seekers, helpers)
    total += np.where(np.isnan(distance), 0.0, weights.timezone * (1 - distance / 12))
    total += weights.same_team * _same([s.team for s in seekers], [h.team for h in helpers])
    total -= weights.past_matches * np.array([h.past_matches for h in helpers], dtype=float)[None, :]
    total += weights.waited * np.array([s.waited for s in seekers], dtype=float)[:, None]
    return total


def _load_numpy() -> None:
    """numpy and scipy (about 50 MB resident) load on the first whole-population
    run, not when peerbot starts: most processes never match a round, and
    `rank` (suggestions for one person) needs neither."""
    global np, linear_sum_assignment
    import numpy as np
    from scipy.optimize import linear_sum_assignment


# ---- pairs: seekers with helpers -------------------------------------------------------------------


def assign(seekers: Iterable[Person], helpers: Iterable[Person], *, rules: Rules = Rules(),
           weights: Weights = Weights(), seed: int = 0) -> Assignment:
    _load_numpy()
    rng = random.Random(seed)
    seekers_, helpers_ = _ordered(seekers, rng), _ordered(helpers, rng)
    excluded_ = _excluded_matrix(seekers_, helpers_, rules, weights)
    recent = _pairs_mask(seekers_, helpers_, rules.recent)
    scores = _score_matrix(seekers_, helpers_, weights)
    left = np.array([max(h.capacity, 0) for h in helpers_], dtype=int)
    matches: list[Match] = []
    # Pass 1: nobody with a past partner. Pass 2: the leftovers, with a past
    # partner, only where nobody else had room (pass 1 placed as many as possible).
    waiting = np.arange(len(seekers_))
    for allow_repeat in (False, True):
        if not len(waiting):
            break
        allowed = ~excluded_[waiting] if allow_repeat else ~(excluded_[waiting] | recent[waiting])
        placed = _solve(allowed, scores[waiting], left, rng)
        for row, helper in placed:
            seeker = waiting[row]
            left[helper] -= 1
            matches.append(Match(seekers_[seeker].id, helpers_[helper].id, round(float(scores[seeker, helper]), 6),
                                 bool(recent[seeker, helper])))
        done = {seekers_[waiting[row]].id for row, _ in placed}
        waiting = np.array([i for i in waiting if seekers_[i].id not in done], dtype=int)
    capacity = np.array([h.capacity > 0 for h in helpers_], dtype=bool)
    unplaced = {seekers_[i].id: FULL if (~excluded_[i] & capacity).any() else NO_CANDIDATES for i in waiting}
    return Assignment(tuple(sorted(matches, key=lambda m: m.seeker)), unplaced)


def _solve(allowed: np.ndarray, scores: np.ndarray, left: np.ndarray,
           rng: random.Random) -> list[tuple[int, int]]:
    """(row, helper column) pairs of an optimal assignment, a column per free slot."""
    slots = np.repeat(np.arange(len(left)), left)
    if not allowed.shape[0] or not len(slots):
        return []
    cost = np.where(allowed, -(_FEASIBLE + scores), _INFEASIBLE)[:, slots]
    cost = cost + _jitter(rng, *cost.shape)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(slots[j])) for i, j in zip(rows, cols) if cost[i, j] < _INFEASIBLE / 2]


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


def _pair_costs(people: list[Person], rules: Rules, weights: Weights) -> np.ndarray:
    """How much each two people would rather not share a group (`_INFEASIBLE`:
    never): blocked or one manages the other; a past group; the same team;
    time zones apart; less for shared topics."""
    ids, managers = [p.id for p in people], [p.manager for p in people]
    never = _pairs_mask(people, people, rules.blocked) | _same(managers, ids) | _same(ids, managers)
    cost = 100.0 * _pairs_mask(people, people, rules.recent)
    cost += weights.same_team * _same([p.team for p in people], [p.team for p in people])
    distance = _tz_distance(people, people)
    cost += np.where(np.isnan(distance), 0.0, weights.timezone * distance / 12)
    index = {t: i for i, t in enumerate(sorted({t for p in people for t in p.topics}))}
    topics = _topic_matrix(people, index, lambda p: ((t, 1.0) for t in p.topics))
    cost -= weights.declared * topics @ topics.T
    return np.where(never, _INFEASIBLE, cost)


def group(people: Iterable[Person], *, min_size: int, max_size: int, target: int | None = None,
          rules: Rules = Rules(), weights: Weights = Weights(), seed: int = 0) -> Grouping:
    if not 1 <= min_size <= max_size:
        raise ValueError("group sizes need 1 <= min_size <= max_size")
    _load_numpy()
    rng = random.Random(seed)
    everyone = _ordered(people, rng)
    target = min(max(target or min_size, min_size), max_size)
    sizes = _sizes(len(everyone), min_size, max_size, target)
    if not sizes:
        return Grouping((), {p.id: TOO_FEW for p in everyone})
    costs = _pair_costs(everyone, rules, weights)
    # People who waited longest (then the most constrained) go first.
    blocked_count = (costs >= _INFEASIBLE).sum(axis=1)
    queue = sorted(range(len(everyone)), key=lambda i: (-everyone[i].waited, -blocked_count[i]))
    groups: list[list[int]] = [[i] for i in queue[:len(sizes)]]
    # toward[p, g]: what person p would add to group g (the sum over its members).
    toward = costs[:, [g[0] for g in groups]].copy()
    rest = queue[len(sizes):]
    # Fill round by round: each round every group with room takes one more
    # person, by an optimal assignment of the remaining people to the groups.
    while rest:
        open_groups = [k for k, size in enumerate(sizes) if len(groups[k]) < size]
        if not open_groups:
            break
        cost = toward[np.ix_(rest, open_groups)] + _jitter(rng, len(rest), len(open_groups))
        rows, cols = linear_sum_assignment(cost)
        taken = set()
        for i, j in zip(rows, cols):
            if cost[i, j] < _INFEASIBLE / 2:
                groups[open_groups[j]].append(rest[i])
                toward[:, open_groups[j]] += costs[:, rest[i]]
                taken.add(i)
        if not taken:
            break
        rest = [p for i, p in enumerate(rest) if i not in taken]
    return _settle(everyone, costs, groups, rest, min_size, max_size)


def _settle(everyone: list[Person], costs: np.ndarray, groups: list[list[int]], rest: list[int], min_size: int,
            max_size: int) -> Grouping:
    """Leftovers join groups with room; groups that end up too small are
    dissolved and their members tried elsewhere; whoever still has no place
    gets a reason."""

    def fits(person: int, members: list[int]) -> bool:
        return bool((costs[person, members] < _INFEASIBLE / 2).all())

    while True:
        still = []
        for person in rest:
            options = [g for g in groups if len(g) < max_size and fits(person, g)]
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
    final = tuple(sorted(tuple(sorted(everyone[i].id for i in g)) for g in groups))
    return Grouping(final, {everyone[i].id: reason for i in still})


def pair_up(people: Iterable[Person], *, allow_trio: bool = True, rules: Rules = Rules(),
            weights: Weights = Weights(), seed: int = 0) -> Grouping:
    """Pairs within one pool; an odd count makes one trio where allowed."""
    result = group(people, min_size=2, max_size=3 if allow_trio else 2, target=2, rules=rules, weights=weights,
                   seed=seed)
    if allow_trio:
        return result
    return Grouping(result.groups, {k: ODD_ONE_OUT if v == NO_ROOM else v for k, v in result.unplaced.items()})
