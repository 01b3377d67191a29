"""The knowledge base service against a real, migrated database."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from peerbot.services import knowledge
from peerbot.services.knowledge import MessageToSave, title_from
from peerbot.store.models import KnowledgeItem, KnowledgeSave, Question, Workspace

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def kb(db):
    """The database with workspaces T1 and T2."""
    with db.begin() as session:
        session.add_all([Workspace(team_id=team, name=team, created_at=NOW) for team in ("T1", "T2")])
    return db


def message(ts="1700000000.000100", text="Use `kubectl rollout undo` to roll back a deploy", **fields):
    values = dict(team_id="T1", channel_id="CPUB", message_ts=ts, is_public=True, text=text,
                  author_id="UAUTHOR", permalink=f"https://x.slack.com/archives/CPUB/p{ts}")
    return MessageToSave(**(values | fields))


def save(db, msg, user, via="reaction", now=NOW):
    with db.begin() as session:
        result = knowledge.save(session, msg, saved_by=user, via=via, now=now)
        return result.created, result.counted, result.item.score


def stored(db, msg=None):
    msg = msg or message()
    with db.read() as session:
        item = session.scalars(select(KnowledgeItem).where(KnowledgeItem.message_ts == msg.message_ts)).one()
        saves = session.scalar(select(func.count()).select_from(KnowledgeSave).where(KnowledgeSave.item_id == item.id))
        return item, saves


def found(db, query, channel_id="CPUB", team_id="T1"):
    with db.read() as session:
        return [item.message_ts for item, _ in knowledge.search(session, team_id=team_id, channel_id=channel_id, query=query)]


# ---- title_from ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, title",
    [
        ("\n  \n  How do   I\treset it?  \nmore", "How do I reset it?"),
        ("ask <@U123> in <#C1|general> or <#C2>", "ask @U123 in #general or #C2"),
        ("see <https://wiki.example.com/x|the wiki> or <https://example.com>", "see the wiki or https://example.com"),
        ("<!here> <!subteam^S1|@oncall> fish &amp; chips &lt;3", "@here @oncall fish & chips <3"),
        ("", ""),
    ],
)
def test_title_from_gives_the_readable_first_line(text, title):
    assert title_from(text) == title


def test_title_from_truncates_with_an_ellipsis():
    title = title_from("word " * 40, limit=30)
    assert len(title) <= 30 and title.endswith("…") and title.startswith("word word")
    assert len(title_from("x" * 500)) == 80


def test_an_excerpt_drops_markup_cut_at_its_edges():
    assert knowledge.readable("…ample.com|the wiki> then ask <@U1> at <https://exa", excerpt=True) == "… then ask @U1 at …"


# ---- saving and counting ------------------------------------------------------------------------

def test_one_person_saving_twice_counts_once(kb):
    assert save(kb, message(), "U1") == (True, True, 1)
    assert save(kb, message(), "U1") == (False, False, 1)
    item, saves = stored(kb)
    assert (item.score, saves, item.saved_by, item.kind) == (1, 1, "U1", "message")
    assert item.title == "Use `kubectl rollout undo` to roll back a deploy"


def test_each_new_person_raises_the_score_and_unsave_lowers_it(kb):
    save(kb, message(), "U1")
    assert save(kb, message(), "U2") == (False, True, 2)
    assert stored(kb)[0].score == 2

    with kb.begin() as session:
        assert knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts, user_id="U2")
    with kb.begin() as session:  # already removed
        assert not knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts, user_id="U2")
    item, saves = stored(kb)
    assert (item.score, saves) == (1, 1)  # the item stays


def test_unsave_only_undoes_a_save_made_the_same_way(kb):
    save(kb, message(), "U1", via="shortcut")
    with kb.begin() as session:
        assert not knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts, user_id="U1")
        assert not knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts="9.9", user_id="U1")
    assert stored(kb)[0].score == 1


def test_unsave_never_takes_the_score_below_zero(kb):
    save(kb, message(), "U1")
    with kb.begin() as session:
        session.execute(update(KnowledgeItem).values(score=0))
    with kb.begin() as session:
        assert knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts, user_id="U1")
    assert stored(kb)[0].score == 0


def test_unsave_refreshes_a_loaded_item(kb):
    save(kb, message(), "U1")
    save(kb, message(), "U2")
    with kb.begin() as session:
        item = session.scalars(select(KnowledgeItem)).one()
        assert item.score == 2
        knowledge.unsave(session, team_id="T1", channel_id="CPUB", message_ts=item.message_ts, user_id="U1")
        assert item.score == 1


def test_concurrent_saves_make_one_item_with_the_right_score(kb):
    users = [f"U{n % 4}" for n in range(8)]  # four people, each saving twice at once
    barrier = threading.Barrier(len(users))
    results, errors = [], []

    def worker(user):
        try:
            barrier.wait()
            with kb.begin() as session:
                result = knowledge.save(session, message(), saved_by=user, via="reaction", now=NOW)
                results.append((result.created, result.counted))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(created for created, _ in results) == 1
    assert sum(counted for _, counted in results) == 4
    with kb.read() as session:
        assert session.scalar(select(func.count()).select_from(KnowledgeItem)) == 1
    item, saves = stored(kb)
    assert (item.score, saves) == (4, 4)


def test_an_accepted_answer_upgrades_an_existing_bookmark(kb):
    with kb.begin() as session:
        question = Question(team_id="T1", channel_id="CPUB", asker_id="UASK", text="How to roll back?", created_at=NOW)
        session.add(question)
        session.flush()
        question_id = question.id
    save(kb, message(), "UREADER")
    later = NOW + timedelta(hours=1)
    assert save(kb, message(kind="answer", question_id=question_id), "UASK", via="accept", now=later) == (False, True, 2)
    item, saves = stored(kb)
    assert (item.kind, item.question_id, item.score, saves) == ("answer", question_id, 2, 2)
    assert (item.created_at, item.updated_at, item.saved_by) == (NOW, later, "UREADER")

    # A later plain bookmark never downgrades it.
    save(kb, message(), "U3")
    assert stored(kb)[0].kind == "answer"


def test_a_chosen_title_replaces_a_derived_one_but_not_another_chosen_one(kb):
    save(kb, message(), "U1")
    save(kb, message(title="Rolling back a deploy"), "U2", via="shortcut")
    assert stored(kb)[0].title == "Rolling back a deploy"
    save(kb, message(title="Something else"), "U3", via="shortcut")
    assert stored(kb)[0].title == "Rolling back a deploy"


def test_a_save_from_a_channel_gone_private_makes_the_item_private(kb):
    save(kb, message(), "U1")
    save(kb, message(is_public=False), "U2")
    assert stored(kb)[0].is_public is False
    assert found(kb, "kubectl", channel_id="COTHER") == []


def test_the_same_message_ts_in_another_channel_or_team_is_another_item(kb):
    save(kb, message(), "U1")
    save(kb, message(channel_id="COTHER"), "U1")
    save(kb, message(team_id="T2"), "U1")
    with kb.read() as session:
        assert session.scalar(select(func.count()).select_from(KnowledgeItem)) == 3


# ---- search, edits and deletes ------------------------------------------------------------------

def test_search_returns_items_with_their_hits_in_rank_order(kb):
    save(kb, message(ts="1.1", text="rollback steps for the payments service"), "U1")
    save(kb, message(ts="2.2", text="rollback steps for the payments service", kind="answer"), "U1")
    save(kb, message(ts="3.3", text="lunch menu"), "U1")
    with kb.read() as session:
        results = knowledge.search(session, team_id="T1", channel_id="CPUB", query="payments rollb")
    assert [item.message_ts for item, _ in results] == ["2.2", "1.1"]
    assert all(item.id == hit.item_id and "payments" in hit.snippet for item, hit in results)
    assert results[0][1].rank > results[1][1].rank


def test_search_snippets_are_readable_without_slack_markup(kb):
    save(kb, message(text="for visas ask <@UHR> or read <https://wiki.example.com/visa|the visa page> &amp; apply"), "U1")
    with kb.read() as session:
        [(_, hit)] = knowledge.search(session, team_id="T1", channel_id=None, query="visas")
    assert "visas ask @UHR or read" in hit.snippet  # each engine picks its own window
    assert not any(char in hit.snippet for char in "<>|")


def test_search_respects_privacy(kb):
    save(kb, message(ts="1.1", text="incident postmortem notes"), "U1")
    save(kb, message(ts="2.2", text="incident postmortem notes", channel_id="GPRIV", is_public=False), "U1")
    assert sorted(found(kb, "postmortem", channel_id="GPRIV")) == ["1.1", "2.2"]
    assert found(kb, "postmortem", channel_id="CPUB") == ["1.1"]
    assert found(kb, "postmortem", channel_id="GPRIV", team_id="T2") == []


def test_an_edit_updates_search_and_a_derived_title(kb):
    save(kb, message(text="deploy with capistrano"), "U1")
    later = NOW + timedelta(minutes=5)
    with kb.begin() as session:
        assert knowledge.update_text(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts,
                                     text="deploy with argocd", now=later)
        assert not knowledge.update_text(session, team_id="T1", channel_id="CPUB", message_ts="9.9", text="x", now=later)
    assert found(kb, "capistrano") == []
    assert found(kb, "argocd") == [message().message_ts]
    item, _ = stored(kb)
    assert (item.text, item.title, item.updated_at) == ("deploy with argocd", "deploy with argocd", later)


def test_an_edit_keeps_a_chosen_title(kb):
    save(kb, message(title="Deploys"), "U1", via="shortcut")
    with kb.begin() as session:
        knowledge.update_text(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts,
                              text="changed", now=NOW)
    assert stored(kb)[0].title == "Deploys"
    assert found(kb, "deploys") == [message().message_ts]  # the title is searchable too


def test_a_deleted_message_is_forgotten(kb):
    save(kb, message(), "U1")
    save(kb, message(), "U2")
    with kb.begin() as session:
        assert knowledge.forget(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts)
        assert not knowledge.forget(session, team_id="T1", channel_id="CPUB", message_ts=message().message_ts)
    assert found(kb, "kubectl") == []
    with kb.read() as session:
        assert session.scalar(select(func.count()).select_from(KnowledgeItem)) == 0
        assert session.scalar(select(func.count()).select_from(KnowledgeSave)) == 0


# ---- lists --------------------------------------------------------------------------------------

def test_most_useful_orders_by_score_then_newest_and_keeps_privacy(kb):
    for ts, savers, hours_ago in [("1.1", 1, 3), ("2.2", 3, 2), ("3.3", 1, 1), ("4.4", 1, 0)]:
        for n in range(savers):
            save(kb, message(ts=ts, text=f"tip {ts}"), f"U{n}", now=NOW - timedelta(hours=hours_ago))
    save(kb, message(ts="5.5", channel_id="GPRIV", is_public=False), "U1")
    for n in range(5):
        save(kb, message(ts="6.6", team_id="T2"), f"U{n}")

    def listed(channel_id, **kwargs):
        with kb.read() as session:
            items = knowledge.most_useful(session, team_id="T1", channel_id=channel_id, **kwargs)
            return [item.message_ts for item in items]

    assert listed("CPUB") == ["2.2", "4.4", "3.3", "1.1"]
    assert listed("GPRIV", limit=2) == ["2.2", "5.5"]
    assert listed(None, since=NOW - timedelta(hours=1, minutes=30)) == ["4.4", "3.3"]


def test_saved_by_user_lists_what_they_saved_newest_first(kb):
    save(kb, message(ts="1.1"), "U1", now=NOW)
    save(kb, message(ts="2.2"), "U2", now=NOW)
    save(kb, message(ts="2.2"), "U1", now=NOW + timedelta(minutes=1))
    save(kb, message(ts="3.3", team_id="T2"), "U1")
    with kb.read() as session:
        items = knowledge.saved_by_user(session, team_id="T1", user_id="U1")
        assert [item.message_ts for item in items] == ["2.2", "1.1"]
