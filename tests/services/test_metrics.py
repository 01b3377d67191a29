"""The metrics service on seeded data, every answer worked out by hand below.

Time zone UTC, working hours Monday-Friday 09:00-17:00.

    Q1  Fri 27 Feb 16:00  #pub   U1 asks (python); U2 answers Mon 2 Mar 10:00, accepted Mon 12:00
        first answer: 66 calendar h; working h = Fri 16-17 (1) + Mon 9-10 (1) = 2
        accepted:     68 calendar h; working h = 1 + Mon 9-12 (3) = 4
    Q2  Tue 3 Mar 09:00   #pub   U3 asks (python); U4 answers Tue 13:00 (not accepted)
        first answer: 4 calendar h, 4 working h
    Q3  Tue 3 Mar 10:00   #priv  U5 asks anonymously (kubernetes); only U5 replies: unanswered
    Q4  Wed 4 Mar 08:00   #pub   U1 asks; U2 answers Wed 20:00, accepted Wed 21:00
        first answer: 12 calendar h; working h = 9-17 = 8
        accepted:     13 calendar h; 8 working h

    asked 4, answered 3, accepted 2, unanswered 1
    median first answer: calendar [4, 12, 66] -> 12; working [2, 4, 8] -> 4
    median accepted:     calendar [13, 68] -> 40.5; working [4, 8] -> 6
    people behind the question figures: askers U1 U3 U5 + answerers U2 U4 = 5
"""

from datetime import datetime, timedelta, timezone

import pytest

from peerbot.services import conversations, metrics
from peerbot.store.models import (
    PRIVATE,
    PUBLIC,
    Answer,
    Expertise,
    KbSearch,
    KnowledgeItem,
    KnowledgeSave,
    Member,
    Question,
    Routing,
    Topic,
)

T = "T1"
PUB, PRIV = "CPUB", "CPRIV"
SINCE = datetime(2026, 2, 26, tzinfo=timezone.utc)
UNTIL = datetime(2026, 3, 5, tzinfo=timezone.utc)


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def seeded(db):
    with db.begin() as s:
        conversations.remember(s, T, PUB, name="pub", privacy=PUBLIC, now=SINCE)
        conversations.remember(s, T, PRIV, name="priv", privacy=PRIVATE, now=SINCE)
        for n in range(1, 10):
            s.add(Member(team_id=T, user_id=f"U{n}", name=f"user{n}", real_name=f"User {n}", refreshed_at=SINCE))
        python = Topic(team_id=T, name="python", created_at=SINCE)
        kube = Topic(team_id=T, name="kubernetes", created_at=SINCE)
        s.add_all([python, kube])
        s.flush()
        s.add(Expertise(team_id=T, user_id="U2", topic_id=python.id, declared=True, earned=0,
                        declared_at=at(1, 9)))
        s.add(Expertise(team_id=T, user_id="U7", topic_id=kube.id, declared=False, earned=3))

        def question(qid, channel, asker, created, topic=None, status="open", anonymous=False):
            s.add(Question(id=qid, team_id=T, channel_id=channel, message_ts=f"{qid}.1", asker_id=asker,
                           anonymous=anonymous, text=f"question {qid}", topic_id=topic, status=status,
                           created_at=created))

        question(1, PUB, "U1", at(27, 16, month=2), python.id, status="answered")
        question(2, PUB, "U3", at(3, 9), python.id)
        question(3, PRIV, "U5", at(3, 10), kube.id, anonymous=True)
        question(4, PUB, "U1", at(4, 8), status="answered")
        question(5, PUB, "U1", at(1, 9, month=1))  # before the period
        s.flush()
        s.add_all([
            Answer(question_id=1, team_id=T, channel_id=PUB, message_ts="1.2", author_id="U2", text="a",
                   created_at=at(2, 10), accepted_at=at(2, 12)),
            Answer(question_id=2, team_id=T, channel_id=PUB, message_ts="2.2", author_id="U4", text="a",
                   created_at=at(3, 13)),
            Answer(question_id=3, team_id=T, channel_id=PRIV, message_ts="3.2", author_id="U5", text="own",
                   created_at=at(3, 11)),
            Answer(question_id=4, team_id=T, channel_id=PUB, message_ts="4.2", author_id="U2", text="a",
                   created_at=at(4, 20), accepted_at=at(4, 21)),
        ])
        public_item = KnowledgeItem(team_id=T, channel_id=PUB, message_ts="1.2", is_public=True, kind="message",
                                    title="t", text="x", author_id="U2", saved_by="U6", topic_id=python.id,
                                    created_at=at(3, 12), updated_at=at(3, 12))
        private_item = KnowledgeItem(team_id=T, channel_id=PRIV, message_ts="3.2", is_public=False, kind="message",
                                     title="t", text="x", author_id="U5", saved_by="U8", created_at=at(3, 12),
                                     updated_at=at(3, 12))
        s.add_all([public_item, private_item])
        s.flush()
        s.add_all([KnowledgeSave(item_id=public_item.id, user_id="U6", via="reaction", created_at=at(3, 12)),
                   KnowledgeSave(item_id=public_item.id, user_id="U7", via="reaction", created_at=at(3, 13)),
                   KnowledgeSave(item_id=private_item.id, user_id="U8", via="reaction", created_at=at(3, 12))])
        s.add_all([KbSearch(team_id=T, channel_id=PUB, user_id="U1", topic_id=python.id, results=0, created_at=at(3, 9)),
                   KbSearch(team_id=T, channel_id=PUB, user_id="U3", topic_id=None, results=2, created_at=at(3, 9)),
                   KbSearch(team_id=T, channel_id=PRIV, user_id="U5", topic_id=None, results=1, created_at=at(3, 9))])
        s.add_all([Routing(question_id=1, user_id="U2", team_id=T, step=0, routed_at=at(27, 16, month=2)),
                   Routing(question_id=2, user_id="U2", team_id=T, step=0, routed_at=at(3, 9)),
                   Routing(question_id=3, user_id="U7", team_id=T, step=0, routed_at=at(3, 10))])
    return db


def test_overview_counts_shares_and_medians(seeded):
    with seeded.read() as s:
        report = metrics.overview(s, T, since=SINCE, until=UNTIL, tz="UTC")
    o = report.total
    assert (o.asked, o.answered, o.accepted, o.unanswered) == (4, 3, 2, 1)
    assert o.answered_share == 0.75 and o.accepted_share == 0.5
    assert o.first_answer_hours == 12 and o.first_answer_working_hours == 4
    assert o.accepted_hours == 40.5 and o.accepted_working_hours == 6
    assert o.question_people == 5
    # Items: one public, one private (counted, never shown); savers U6, U7, U8.
    assert (o.items_saved, o.item_people) == (2, 3)
    # Searches: 3, two found something.
    assert (o.searches, o.searches_found, o.search_people) == (3, 2, 3)
    assert o.found_share == pytest.approx(2 / 3)


def test_weekly_trend_splits_on_mondays(seeded):
    with seeded.read() as s:
        weeks = metrics.overview(s, T, since=SINCE, until=UNTIL, tz="UTC").weeks
    assert [w.start.isoformat() for w in weeks] == ["2026-02-23", "2026-03-02"]
    first, second = (w.overview for w in weeks)
    assert (first.asked, first.answered, first.first_answer_working_hours) == (1, 1, 2)
    assert (second.asked, second.answered, second.accepted, second.unanswered) == (3, 2, 1, 1)
    assert second.first_answer_hours == 8  # median of 4 and 12
    assert sum(w.overview.asked for w in weeks) == 4


def test_channel_filter(seeded):
    with seeded.read() as s:
        o = metrics.overview(s, T, since=SINCE, until=UNTIL, tz="UTC", channels=[PUB]).total
    assert (o.asked, o.answered, o.unanswered, o.items_saved, o.searches) == (3, 3, 0, 1, 2)
    assert o.question_people == 4  # U1, U3 asked; U2, U4 answered


def test_an_empty_period_has_zeroes_and_no_medians(seeded):
    with seeded.read() as s:
        report = metrics.overview(s, T, since=at(1, 0, month=6), until=at(15, 0, month=6), tz="UTC")
    o = report.total
    assert (o.asked, o.answered, o.items_saved, o.searches, o.question_people) == (0, 0, 0, 0, 0)
    assert o.answered_share is None and o.first_answer_hours is None and o.found_share is None
    assert [w.overview.asked for w in report.weeks] == [0, 0, 0]  # weeks of 1, 8 and 15 June
    assert metrics.guarded(o.asked, o.question_people) == 0  # nobody to single out


def test_working_hours_follow_the_time_zone(seeded):
    """In New York (UTC-5) Q2 is asked at 04:00 and answered at 08:00 local: 0 working hours;
    Q4 is asked Wed 03:00, answered 15:00 local: 6 working hours; Q1: Fri 11:00 to Mon 05:00
    local: 6 working hours. Median of [0, 6, 6] = 6."""
    with seeded.read() as s:
        o = metrics.overview(s, T, since=SINCE, until=UNTIL, tz="America/New_York").total
    assert o.first_answer_working_hours == 6
    assert o.first_answer_hours == 12  # calendar hours do not care


def test_stats_and_overview_agree(seeded):
    with seeded.read() as s:
        stats = metrics.compute(s, T, now=UNTIL, period=timedelta(days=7))
        o = metrics.overview(s, T, since=UNTIL - timedelta(days=7), until=UNTIL, tz="UTC").total
    assert (stats.asked, stats.answered, stats.accepted, stats.unanswered) == (o.asked, o.answered, o.accepted,
                                                                              o.unanswered)
    assert stats.median_first_answer == timedelta(hours=o.first_answer_hours)
    assert stats.median_accepted == timedelta(hours=o.accepted_hours)
    assert [(h.user_id, h.accepted, h.answers) for h in stats.helpers] == [("U2", 2, 2), ("U4", 0, 1)]


def test_small_group_rule():
    assert metrics.guarded(3, 4) == "<5"
    assert metrics.guarded(3, 5) == 3
    assert metrics.guarded(None, 2) == "<5"
    assert metrics.guarded(0, 0) == 0


def test_topics_demand_supply_and_privacy(seeded):
    with seeded.read() as s:
        rows = metrics.topics_table(s, T, since=SINCE, until=UNTIL, nameable_channels={PUB})
    python, hidden = rows
    assert python.topic == "python"
    assert (python.questions, python.unanswered, python.failed_searches) == (2, 0, 1)
    assert (python.declared_experts, python.earned_experts, python.experts, python.items) == (1, 0, 1, 1)
    assert python.gap and python.people == 2  # U1 asked and searched, U3 asked
    # kubernetes was only asked about in a private channel and nobody declared it: never named.
    assert hidden.topic is None and hidden.questions == 1 and hidden.earned_experts == 1
    with seeded.read() as s:
        named = metrics.topics_table(s, T, since=SINCE, until=UNTIL, nameable_channels={PUB, PRIV})
    assert {r.topic for r in named} == {"python", "kubernetes"}


def test_topic_page_lists_public_open_questions_only(seeded):
    with seeded.read() as s:
        page = metrics.topic_page(s, T, "python", public_channels={PUB}, nameable_channels={PUB}, now=UNTIL)
        hidden = metrics.topic_page(s, T, "kubernetes", public_channels={PUB}, nameable_channels={PUB}, now=UNTIL)
        missing = metrics.topic_page(s, T, "cobol", public_channels={PUB}, nameable_channels={PUB}, now=UNTIL)
    assert [q.id for q in page.open_questions] == [2]
    assert [e.user_id for e in page.experts] == ["U2"]
    assert hidden is None and missing is None


def test_people_public_help_new_experts_and_load(seeded):
    with seeded.read() as s:
        helpers = metrics.top_helpers(s, T, since=SINCE, until=UNTIL, public_channels={PUB})
        fresh = metrics.new_experts(s, T, since=SINCE, until=UNTIL)
        load = metrics.expert_load(s, T, since=SINCE, until=UNTIL, public_channels={PUB}, now=UNTIL)
    # U2: two accepted answers and two bookmarks (U6, U7) of a public message; U4: one answer.
    assert [(h.user_id, h.accepted, h.bookmarked, h.answers) for h in helpers] == [("U2", 2, 2, 2), ("U4", 0, 0, 1)]
    assert [(e.user_id, e.topics) for e in fresh] == [("U2", ["python"])]
    # U2 was routed Q1 (answered by U2) and Q2 (answered by U4); U7's routing was private.
    assert [(x.user_id, x.routed, x.answered, x.away) for x in load] == [("U2", 2, 1, False)]


def test_channels_fold_private_rows(seeded):
    with seeded.read() as s:
        rows = metrics.channels_table(s, T, since=SINCE, until=UNTIL)
    by_id = {r.channel_id: r for r in rows}
    assert (by_id[PUB].asked, by_id[PUB].answered, by_id[PUB].items, by_id[PUB].searches) == (3, 3, 1, 2)
    assert (by_id[PRIV].asked, by_id[PRIV].unanswered, by_id[PRIV].privacy) == (1, 1, PRIVATE)
    folded = metrics.merge_private(rows, shown=set())
    assert [(r.channel_id, r.name, r.asked) for r in folded] == [(PUB, "pub", 3), (None, "private channels", 1)]
    shown = metrics.merge_private(rows, shown={PRIV})
    assert [r.name for r in shown] == ["pub", "priv"]


def test_record_search_keeps_the_topic_not_the_text(seeded):
    with seeded.begin() as s:
        metrics.record_search(s, team_id=T, channel_id=PUB, user_id="U9", query="how to pin Python deps",
                              results=0, now=at(4, 10))
    with seeded.read() as s:
        row = s.query(KbSearch).filter_by(user_id="U9").one()
        topic = s.get(Topic, row.topic_id)
    assert topic.name == "python" and row.results == 0
    assert not any("pin" in str(getattr(row, c.key)) for c in KbSearch.__table__.columns)
