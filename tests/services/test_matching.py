"""Property tests of the one matching engine (PROGRAMMES.md §2), plus a few
hand-worked cases whose answer is known."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings, strategies as st

from peerbot.services import matching
from peerbot.services.matching import Person, Rules, Weights

IDS = [f"U{i:02d}" for i in range(12)]
TOPICS = ["sql", "python", "k8s", "design"]


@st.composite
def people(draw, ids, helpers=False):
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    out = []
    for pid in chosen:
        out.append(Person(
            id=pid,
            topics=frozenset(draw(st.lists(st.sampled_from(TOPICS), max_size=2))),
            declared=frozenset(draw(st.lists(st.sampled_from(TOPICS), max_size=2))),
            earned={t: draw(st.integers(0, 20)) for t in draw(st.lists(st.sampled_from(TOPICS), max_size=2))},
            tz_offset=draw(st.one_of(st.none(), st.sampled_from([-28800, -18000, 0, 3600, 19800, 32400]))),
            team=draw(st.one_of(st.none(), st.sampled_from(["eng", "ops"]))),
            manager=draw(st.one_of(st.none(), st.sampled_from(ids))),
            capacity=draw(st.integers(0, 3)) if helpers else 1,
            past_matches=draw(st.integers(0, 3)),
            waited=draw(st.integers(0, 2)),
        ))
    return out


pairs = st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), max_size=15)
SEEKER_IDS, HELPER_IDS = IDS[:8], IDS[4:]  # overlap: nobody may be their own match


@settings(max_examples=150, deadline=None)
@given(people(SEEKER_IDS), people(HELPER_IDS, helpers=True), pairs, pairs, st.integers(0, 3),
       st.one_of(st.none(), st.sampled_from([3.0, 6.0])))
def test_assignment_properties(seekers, helpers, blocked, recent, seed, max_tz):
    rules = Rules.of(blocked, recent)
    weights = Weights(max_tz_hours=max_tz)
    result = matching.assign(seekers, helpers, rules=rules, weights=weights, seed=seed)
    by_id = {h.id: h for h in helpers}
    load = Counter(m.helper for m in result.matches)
    # never over capacity
    assert all(load[h] <= by_id[h].capacity for h in load)
    for m in result.matches:
        seeker = next(s for s in seekers if s.id == m.seeker)
        assert m.seeker != m.helper
        assert frozenset((m.seeker, m.helper)) not in rules.blocked  # never a blocked pair
        assert seeker.manager != m.helper
        # no repeat while an alternative exists: a past partner only when every
        # other helper possible for this seeker is full
        if frozenset((m.seeker, m.helper)) in rules.recent:
            assert m.repeat
            for other in helpers:
                if other.id != m.helper and not matching.excluded(seeker, other, rules, weights) \
                        and frozenset((m.seeker, other.id)) not in rules.recent:
                    assert load[other.id] >= other.capacity
    # everyone placed or told why, and nobody twice
    placed = [m.seeker for m in result.matches]
    assert len(placed) == len(set(placed))
    assert set(placed) | set(result.unplaced) == {s.id for s in seekers}
    assert not set(placed) & set(result.unplaced)
    assert all(result.unplaced.values())
    # same seed, same result, whatever order the people came in
    again = matching.assign(list(reversed(seekers)), list(reversed(helpers)), rules=rules, weights=weights, seed=seed)
    assert again == result


@settings(max_examples=150, deadline=None)
@given(people(IDS), pairs, pairs, st.integers(1, 4), st.integers(0, 3), st.integers(0, 3))
def test_grouping_properties(members, blocked, recent, min_size, spread, seed):
    max_size = min_size + spread
    rules = Rules.of(blocked, recent)
    result = matching.group(members, min_size=min_size, max_size=max_size, target=min_size + 1, rules=rules,
                            seed=seed)
    seen = [p for g in result.groups for p in g]
    assert len(seen) == len(set(seen))
    assert set(seen) | set(result.unplaced) == {p.id for p in members}
    assert not set(seen) & set(result.unplaced)
    assert all(min_size <= len(g) <= max_size for g in result.groups)
    by_id = {p.id: p for p in members}
    for g in result.groups:
        for a in g:
            for b in g:
                if a != b:
                    assert frozenset((a, b)) not in rules.blocked
                    assert by_id[a].manager != b
    assert matching.group(list(reversed(members)), min_size=min_size, max_size=max_size, target=min_size + 1,
                          rules=rules, seed=seed) == result


@settings(max_examples=100, deadline=None)
@given(people(IDS), st.integers(0, 3))
def test_pairs_with_one_trio_for_an_odd_count(members, seed):
    result = matching.pair_up(members, seed=seed)
    sizes = sorted(len(g) for g in result.groups)
    if len(members) >= 2 and not result.unplaced:
        assert sizes.count(3) == len(members) % 2
    assert all(2 <= s <= 3 for s in sizes)
    strict = matching.pair_up(members, allow_trio=False, seed=seed)
    assert all(len(g) == 2 for g in strict.groups)
    assert set(strict.unplaced.values()) <= {matching.ODD_ONE_OUT, matching.TOO_FEW}
    if len(members) % 2 and len(members) > 1 and not any(m.manager for m in members):
        # nothing else stands in the way: exactly one odd one out, and told so
        assert list(strict.unplaced.values()) == [matching.ODD_ONE_OUT]


def test_earned_expertise_and_time_zone_decide_a_hand_worked_case():
    hire = Person("H", topics=frozenset({"sql"}), tz_offset=0, team="data")
    near_expert = Person("A", earned={"sql": 9}, tz_offset=3600, team="data")
    far_expert = Person("B", earned={"sql": 9}, tz_offset=9 * 3600, team="data")
    novice = Person("C", tz_offset=0)
    assert [h for h, _ in matching.rank(hire, [far_expert, novice, near_expert])] == ["A", "B", "C"]
    # within ±3 h while someone is: B drops out of the suggestions
    assert [h for h, _ in matching.rank(hire, [far_expert, novice, near_expert],
                                        weights=Weights(max_tz_hours=3))] == ["A", "C"]


def test_capacity_is_filled_optimally_and_leftovers_are_told_why():
    a, b, c = (Person(x, topics=frozenset({"sql"})) for x in "abc")
    sql = Person("S", earned={"sql": 5}, capacity=2)
    result = matching.assign([a, b, c], [sql], seed=1)
    assert len(result.matches) == 2 and list(result.unplaced.values()) == [matching.FULL]
    blocked = matching.assign([a], [sql], rules=Rules.of([("a", "S")]))
    assert blocked.unplaced == {"a": matching.NO_CANDIDATES}


def test_a_past_partner_only_when_nobody_else_can_take_them():
    seeker = Person("a")
    old, new = Person("old"), Person("new")
    rules = Rules.of(recent=[("a", "old")])
    assert matching.assign([seeker], [old, new], rules=rules).helper_of("a") == "new"
    second = matching.assign([seeker], [old, Person("new", capacity=0)], rules=rules)
    assert second.helper_of("a") == "old" and second.matches[0].repeat


def test_too_few_for_a_group():
    result = matching.group([Person("a"), Person("b")], min_size=3, max_size=6, target=4)
    assert result.groups == () and set(result.unplaced.values()) == {matching.TOO_FEW}


@settings(max_examples=100, deadline=None)
@given(people(SEEKER_IDS), people(HELPER_IDS, helpers=True), pairs, st.one_of(st.none(), st.sampled_from([3.0, 6.0])))
def test_whole_population_rules_agree_with_the_one_pair_rules(seekers, helpers, blocked, max_tz):
    """The engine scores whole populations at once (numpy); `excluded` and
    `score` state the rules for one pair. Both must say the same."""
    rules, weights = Rules.of(blocked), Weights(max_tz_hours=max_tz)
    matching._load_numpy()  # done by `assign` and `group`; these are their parts
    excluded = matching._excluded_matrix(seekers, helpers, rules, weights)
    scores = matching._score_matrix(seekers, helpers, weights)
    for i, s in enumerate(seekers):
        for j, h in enumerate(helpers):
            assert excluded[i, j] == matching.excluded(s, h, rules, weights)
            assert abs(scores[i, j] - matching.score(s, h, weights)) < 1e-9


def test_blocked_pairs_are_stored_once_in_either_order(db):
    from datetime import datetime, timezone

    from peerbot.services import programmes

    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    with db.begin() as session:
        assert programmes.block(session, "T1", "U2", "U1", "U2", now)
        assert not programmes.block(session, "T1", "U1", "U2", "U1", now)
        assert not programmes.block(session, "T1", "U1", "U1", "U1", now)
        assert programmes.blocked_pairs(session, "T1") == [("U1", "U2")]
        assert programmes.blocked_pairs(session, "T1", ["U3"]) == []
        assert programmes.unblock(session, "T1", "U2", "U1")
        assert programmes.blocked_pairs(session, "T1") == []


def test_a_round_is_proposed_once_and_published_once(db):
    from datetime import datetime, timezone

    from peerbot.services import rounds

    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    with db.begin() as session:
        first = rounds.propose(session, team_id="T1", kind="circles", key="2026-03", admin_id="UA",
                               groups=[["U1", "U2", "U3"]], unplaced={"U4": matching.NO_ROOM}, now=now)
        again = rounds.propose(session, team_id="T1", kind="circles", key="2026-03", admin_id="UA",
                               groups=[], unplaced={}, now=now)
        assert again.id == first.id and rounds.proposal_of(again) == ([["U1", "U2", "U3"]], {"U4": matching.NO_ROOM})
        assert [r.id for r in rounds.drafts(session, "T1", "UA")] == [first.id]
        assert rounds.publish(session, first.id, "UA", now)
        assert not rounds.publish(session, first.id, "UB", now)
        assert rounds.drafts(session, "T1", "UA") == []
