"""search_items on the database's own full-text engine (FTS5 or tsvector)."""

from datetime import datetime, timedelta, timezone
from itertools import count

import pytest

from peerbot.store.models import KnowledgeItem, Workspace
from peerbot.store.search import SNIPPET_MAX_CHARS, search_items

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
_ts = count(1)


def add_item(session, *, text, title="", team_id="T1", channel_id="CPUB", is_public=True, kind="message", score=0, age=0):
    if session.get(Workspace, team_id) is None:
        session.add(Workspace(team_id=team_id, name=team_id, created_at=NOW))
        session.flush()  # no ORM relationship orders the two inserts
    when = NOW - timedelta(minutes=age)
    item = KnowledgeItem(
        team_id=team_id, channel_id=channel_id, message_ts=f"{next(_ts)}.000100", is_public=is_public,
        kind=kind, title=title, text=text, author_id="UA", saved_by="US", score=score,
        created_at=when, updated_at=when,
    )
    session.add(item)
    session.flush()
    return item.id


def ids(db, query, *, team_id="T1", channel_id="CPUB", limit=5):
    with db.read() as session:
        return [hit.item_id for hit in search_items(session, team_id=team_id, channel_id=channel_id, query=query, limit=limit)]


def test_finds_by_title_words_text_words_and_a_prefix_of_the_last_word(db):
    with db.begin() as session:
        vpn = add_item(session, title="Connecting to the VPN", text="Install the client and sign in.")
        deploy = add_item(session, title="Release checklist", text="Deployment happens on Tuesdays via the pipeline.")
        add_item(session, title="Lunch", text="The canteen opens at noon.")
    assert ids(db, "vpn") == [vpn]
    assert ids(db, "pipeline tuesdays") == [deploy]
    assert ids(db, "release pipel") == [deploy]  # last word as a prefix
    assert ids(db, "deplo") == [deploy]  # a prefix of the stem ("deploym" is not: both indexes stem)
    assert ids(db, "conn") == [vpn]
    assert ids(db, "pipel") == [deploy]
    assert ids(db, "pipel checklist") == [deploy]  # "pipel" is no prefix here: found by "checklist" alone
    assert ids(db, "kangaroo") == []


def test_a_short_last_word_is_not_a_prefix(db):
    with db.begin() as session:
        add_item(session, text="Ask the gopher about goroutines")
        go = add_item(session, text="We write go at work")
    assert ids(db, "go") == [go]


def test_all_words_first_then_any_word(db):
    with db.begin() as session:
        both = add_item(session, text="kubernetes helm charts")
        add_item(session, text="kubernetes only")
        helm = add_item(session, text="helm only", age=5)
    assert ids(db, "kubernetes helm") == [both]
    # No item has all the words: fall back to any of them.
    assert set(ids(db, "helm xylophone")) == {both, helm}


def test_accepted_answers_and_often_saved_items_rank_higher(db):
    with db.begin() as session:
        plain = add_item(session, text="rotate the signing keys every quarter", age=0)
        answer = add_item(session, text="rotate the signing keys every quarter", kind="answer", age=10)
    assert ids(db, "signing keys") == [answer, plain]

    with db.begin() as session:
        plain2 = add_item(session, text="flaky tests need a retry budget", age=0)
        saved = add_item(session, text="flaky tests need a retry budget", score=6, age=10)
    with db.read() as session:
        hits = search_items(session, team_id="T1", channel_id=None, query="flaky retry", limit=5)
    assert [hit.item_id for hit in hits] == [saved, plain2]
    assert hits[0].rank > hits[1].rank > 0


def test_equal_relevance_lists_the_newest_first(db):
    with db.begin() as session:
        old = add_item(session, text="onboarding buddy guide", age=60)
        new = add_item(session, text="onboarding buddy guide", age=1)
    assert ids(db, "onboarding") == [new, old]


def test_limit_is_applied(db):
    with db.begin() as session:
        for age in range(8):
            add_item(session, text=f"postgres tuning note {age}", age=age)
    assert len(ids(db, "postgres", limit=3)) == 3


def test_privacy_follows_the_channel(db):
    with db.begin() as session:
        public = add_item(session, text="salary bands explained", channel_id="CPUB")
        private = add_item(session, text="salary bands explained", channel_id="GSECRET", is_public=False)
        dm = add_item(session, text="salary bands explained", channel_id="D1", is_public=False)
        other_team = add_item(session, text="salary bands explained", team_id="T2", channel_id="CPUB")
    assert set(ids(db, "salary", channel_id="GSECRET")) == {public, private}
    assert set(ids(db, "salary", channel_id="D1")) == {public, dm}
    assert ids(db, "salary", channel_id="COTHER") == [public]
    assert ids(db, "salary", channel_id=None) == [public]
    # The other workspace sees only its own, even from a channel with the same id.
    assert ids(db, "salary", team_id="T2", channel_id="GSECRET") == [other_team]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "foo AND (bar",
        "NEAR(x y)",
        "c++ / c#",
        "*",
        ":",
        "😀",
        "'; DROP TABLE knowledge_items; --",
        "title:foo",
        "-foo ^bar",
        "foo:* & !bar | (",
        "\\' \\\\",
        "naïve café straße Ǆ ﬁ",
        "a\u0301\u200b\u0000b",
        "",
        "   ",
        "x" * 2000,
        "_",
        "___ foo",
        "foo ___",
        "foo_bar",
        "²⁵ ٠١",
        " ".join(["foo"] * 500),
    ],
)
def test_odd_queries_never_raise(db, query):
    with db.begin() as session:
        item = add_item(session, text="foo bar baz c naive cafe strasse knowledge items drop table")
    found = ids(db, query)
    assert found in ([], [item])
    with db.read() as session:
        assert session.get(KnowledgeItem, item) is not None  # nothing was dropped


def test_punctuation_is_ignored_around_words(db):
    with db.begin() as session:
        item = add_item(session, text="How do I reset my password?")
    assert ids(db, '"reset" (password)!!') == [item]
    assert ids(db, "NEAR(reset password)") == [item]  # NEAR is a word here, dropped by the OR fallback


def test_snippet_is_short_plain_text_around_the_match(db):
    filler = " ".join(f"word{n}" for n in range(300))
    with db.begin() as session:
        add_item(session, title="Long one", text=f"{filler} the zebracorn appears here {filler}")
    with db.read() as session:
        [hit] = search_items(session, team_id="T1", channel_id=None, query="zebracorn")
    assert "zebracorn" in hit.snippet
    assert len(hit.snippet) <= SNIPPET_MAX_CHARS
    assert "<" not in hit.snippet and "\n" not in hit.snippet
