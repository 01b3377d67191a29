"""The mentoring cohort's whole-pool run (`mentoring.pair_cohort`), by
property: for any pool, every placed pair shares a topic and is allowed, no
mentor is over capacity, every mentee is placed or told why, as many mentees
are placed as any assignment could place (checked against scipy's maximum
bipartite matching, an algorithm independent of the engine's), and the same
seed gives the same pairs whatever order people came in."""

from collections import Counter

import numpy as np
from hypothesis import given, settings, strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from peerbot.services import matching, mentoring
from peerbot.services.matching import Person, Rules

TOPICS = ["sql", "python", "design"]
MENTEES = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "both"]
MENTORS = ["h0", "h1", "h2", "h3", "both"]  # "both" enrolled as mentor and mentee

topics = st.frozensets(st.sampled_from(TOPICS), max_size=2)
mentee_pool = st.lists(st.sampled_from(MENTEES), unique=True, max_size=len(MENTEES)).flatmap(
    lambda ids: st.tuples(*[st.builds(Person, st.just(i), topics=topics) for i in ids]))
mentor_pool = st.lists(st.sampled_from(MENTORS), unique=True, max_size=len(MENTORS)).flatmap(
    lambda ids: st.tuples(*[st.builds(Person, st.just(i), declared=topics,
                                      earned=st.dictionaries(st.sampled_from(TOPICS), st.integers(0, 2), max_size=2),
                                      capacity=st.integers(0, 3)) for i in ids]))
blocked = st.lists(st.tuples(st.sampled_from(MENTEES), st.sampled_from(MENTORS)), max_size=4)


def most_placeable(mentees, mentors, rules) -> int:
    """The largest number of mentees any assignment could place: a maximum
    matching with one column per free mentor slot."""
    slots = [h for h in mentors for _ in range(h.capacity)]
    if not mentees or not slots:
        return 0
    allowed = np.array([[s.id != h.id and mentoring.fits(s, h) and frozenset((s.id, h.id)) not in rules.blocked
                         for h in slots] for s in mentees], dtype=int)
    matched = maximum_bipartite_matching(csr_matrix(allowed), perm_type="column")
    return int((matched >= 0).sum())


@settings(max_examples=200, deadline=None)
@given(mentee_pool, mentor_pool, blocked, st.integers(0, 5))
def test_cohort_run_properties(mentees, mentors, pairs, seed):
    mentees, mentors, rules = list(mentees), list(mentors), Rules.of(blocked=pairs)
    placed, unplaced = mentoring.pair_cohort(mentees, mentors, rules, seed=seed)
    by_id = {h.id: h for h in mentors}
    people = {s.id: s for s in mentees}
    load = Counter(mentor for _, mentor in placed)
    assert all(load[h] <= by_id[h].capacity for h in load)
    for mentee, mentor in placed:
        assert mentee != mentor
        assert mentoring.fits(people[mentee], by_id[mentor])
        assert frozenset((mentee, mentor)) not in rules.blocked
    matched = [mentee for mentee, _ in placed]
    assert len(matched) == len(set(matched))
    assert set(matched) | set(unplaced) == set(people) and not set(matched) & set(unplaced)
    assert len(placed) == most_placeable(mentees, mentors, rules)
    for mentee, why in unplaced.items():
        if any(mentoring.fits(people[mentee], h) for h in mentors if h.id != mentee):
            assert why in (matching.FULL, matching.NO_CANDIDATES)
        else:
            assert why == mentoring.NO_TOPIC_MENTOR
    again = mentoring.pair_cohort(list(reversed(mentees)), list(reversed(mentors)), rules, seed=seed)
    assert sorted(map(tuple, again[0])) == sorted(map(tuple, placed)) and again[1] == unplaced
