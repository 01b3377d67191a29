"""Experts: topics, detection, scoring, the directory, routing choices,
escalation steps, knowledge gaps and stats, against a real migrated database."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from peerbot.services import experts, metrics, questions, routing, topics
from peerbot.store.models import Answer, ChannelSettings, Expertise, Member, Question

TZ = "Europe/Berlin"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # Wednesday, 11:00 in Berlin


# ---- pure parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("Python", "python"), ("  PostgreSQL ", "postgresql"), ("postgres", "postgresql"), ("#SQL", "sql"),
     ("k8s", "kubernetes"), ("Machine   Learning", "machine learning"), ("", "")],
)
def test_topic_names_are_normalised_and_synonyms_folded(typed, canonical):
    assert topics.normalise(typed) == canonical


def test_synonyms_are_configurable():
    assert topics.normalise("pg", {"pg": "postgresql"}) == "postgresql"


def test_topic_lists_split_on_commas_and_deduplicate():
    assert experts.parse_topic_list("Python, sql; postgres,  PostgreSQL ,,") == ["python", "sql", "postgresql"]
    assert experts.parse_topic_list(" , ") == []


def test_inline_topic_in_brackets_opens_the_question():
    assert experts.split_inline_topic("[Python] how do I pin a version?") == ("python", "how do I pin a version?")
    assert experts.split_inline_topic("[postgres]why is VACUUM slow") == ("postgresql", "why is VACUUM slow")
    assert experts.split_inline_topic("how do I use [python] here?") == (None, "how do I use [python] here?")
    assert experts.split_inline_topic("[python]") == (None, "[python]")  # nothing left to ask
    assert experts.split_inline_topic("[ ] hmm") == (None, "[ ] hmm")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("How do I read a CSV in Python?", "python"),
        ("Our POSTGRES replica lags, why?", "postgresql"),  # synonym folded to a known topic
        ("Is sqlite fine for this?", None),  # whole words only: sql is not in sqlite
        ("mysql or my-sql?", None),
        ("SQL first, then python", "sql"),  # the first mention wins
        ("How do I train a machine learning model?", "machine learning"),
        ("Where is the coffee?", None),
    ],
)
def test_topics_are_detected_from_the_question_text(text, found):
    assert experts.detect_topic(text, ["python", "sql", "postgresql", "machine learning"]) == found


def test_detection_only_knows_the_workspace_topics():
    assert experts.detect_topic("python question", []) is None
    assert experts.detect_topic("k8s pods restart", ["kubernetes"]) == "kubernetes"
    assert experts.detect_topic("k8s pods restart", ["python"]) is None


def test_away_dates_must_be_real_and_not_past():
    today = date(2026, 3, 4)
    assert experts.parse_away_until("2026-03-10", today) == date(2026, 3, 10)
    assert experts.parse_away_until("2026-03-04", today) == today
    with pytest.raises(ValueError, match="past"):
        experts.parse_away_until("2026-03-03", today)
    with pytest.raises(ValueError, match="not a date"):
        experts.parse_away_until("next week", today)


def test_score_counts_declared_and_earned():
    assert experts.score(False, 0) == 0
    assert experts.score(True, 0) == experts.DECLARED_POINTS
    assert experts.score(True, 4) == experts.DECLARED_POINTS + 4
    assert experts.score(False, 7) > experts.score(True, 0)


# ---- profiles and the directory ---------------------------------------------------------------

def declare(db, user, *names, now=NOW):
    with db.begin() as session:
        return experts.declare(session, "T1", user, list(names), now)


def earn(db, user, topic, points):
    with db.begin() as session:
        topic_id = topics.get_or_create(session, "T1", topic, NOW).id
        experts.earn(session, team_id="T1", user_id=user, topic_id=topic_id, points=points, now=NOW)


def test_declare_remove_and_earn_shape_the_ranking(db):
    assert declare(db, "UANN", "Python", "postgres") == ["python", "postgresql"]
    declare(db, "UBEN", "python")
    earn(db, "UCAT", "python", experts.ACCEPTED_POINTS * 2)  # earned only, never declared
    earn(db, "UBEN", "python", experts.BOOKMARK_POINTS)
    with db.read() as session:
        ranked = experts.experts_on(session, "T1", "python", NOW)
    assert [(e.user_id, e.declared, e.earned) for e in ranked] == [
        ("UCAT", False, 6), ("UBEN", True, 1), ("UANN", True, 0)]

    with db.begin() as session:
        assert experts.undeclare(session, "T1", "UANN", ["python", "go"]) == (["python"], ["go"])
        # Earned expertise stays when the declaration goes.
        assert experts.undeclare(session, "T1", "UCAT", ["python"]) == ([], ["python"])
    with db.read() as session:
        assert [e.user_id for e in experts.experts_on(session, "T1", "python", NOW)] == ["UCAT", "UBEN"]
        profile = experts.profile(session, "T1", "UANN", NOW)
    assert [(e.topic, e.declared) for e in profile.topics] == [("postgresql", True)]


def test_earned_never_goes_below_zero(db):
    earn(db, "UANN", "sql", 1)
    earn(db, "UANN", "sql", -3)
    with db.read() as session:
        assert session.scalars(select(Expertise.earned)).one() == 0


def test_deleted_members_leave_the_directory_and_away_is_shown(db):
    declare(db, "UANN", "python")
    declare(db, "UBEN", "python")
    with db.begin() as session:
        session.execute(update(Member).where(Member.user_id == "UANN").values(deleted=True))
        experts.set_away(session, "T1", "UBEN", date(2026, 3, 6), TZ, NOW)
    with db.read() as session:
        [entry] = experts.experts_on(session, "T1", "python", NOW)
        top = experts.top_topics(session, "T1", NOW)
        member = session.get(Member, ("T1", "UBEN"))
    assert (entry.user_id, entry.away) == ("UBEN", True)
    assert [name for name, _ in top] == ["python"]
    # Away through Friday 6 March: back at midnight Saturday, Berlin time.
    assert member.away_until == datetime(2026, 3, 6, 23, tzinfo=timezone.utc)
    assert not experts.is_away(member, datetime(2026, 3, 7, 0, 0, tzinfo=timezone.utc))


# ---- routing choices --------------------------------------------------------------------------

def question(db, asker="UASK", topic="python", now=NOW, channel="CPUB", n=[0]):
    n[0] += 1
    with db.begin() as session:
        topic_id = topics.get_or_create(session, "T1", topic, now).id if topic else None
        q, _ = questions.ask(session, team_id="T1", channel_id=channel, asker_id=asker, text=f"q{n[0]} about {topic}",
                             anonymous=False, topic_id=topic_id, request_key=f"k{n[0]}", now=now)
        questions.card_posted(session, q.id, f"1700000000.{n[0]:06d}")
        return q.id


def route(db, question_id, step=0, now=NOW):
    """What the question flow does, minus Slack: claim, choose, record."""
    with db.begin() as session:
        q = session.get(Question, question_id)
        if not routing.claim_step(session, q, step, now):
            return None
        chosen = [c.user_id for c in routing.candidates(session, q, now, TZ)][: routing.EXPERTS_PER_STEP]
        return routing.record(session, q, chosen, step, now)


def fresh(db):
    with db.begin() as session:
        session.execute(update(Member).values(refreshed_at=NOW))


def test_routing_prefers_the_strongest_then_rotates_fairly(db):
    for user in ("U1", "U2", "U3", "U4", "U5"):
        declare(db, user, "python")
    earn(db, "U5", "python", 9)
    earn(db, "U4", "python", 3)
    fresh(db)
    first = route(db, question(db))
    assert first == ["U5", "U4", "U1"]  # nobody routed yet: strongest first
    second = route(db, question(db), now=NOW + timedelta(minutes=5))
    assert second[:2] == ["U2", "U3"]  # least recently routed first
    third = question(db)
    with db.read() as session:
        pool = routing.candidates(session, session.get(Question, third), NOW + timedelta(minutes=10), TZ)
    assert all(not c.needs_refresh for c in pool)
    # U4 and U1 were routed longest ago (U5 went again on the second question).
    assert [c.user_id for c in pool] == ["U4", "U1", "U5", "U2", "U3"]


def test_never_the_asker_nor_someone_away_nor_twice_on_one_question(db):
    declare(db, "UASK", "python")
    declare(db, "UAWAY", "python")
    declare(db, "UOK", "python")
    with db.begin() as session:
        experts.set_away(session, "T1", "UAWAY", None, TZ, NOW)
    q = question(db, asker="UASK")
    assert route(db, q) == ["UOK"]
    assert route(db, q) is None  # step 0 already ran
    assert route(db, q, step=1) == []  # nobody new
    with db.begin() as session:
        experts.set_back(session, "T1", "UAWAY", NOW)
    assert route(db, q, step=2) == ["UAWAY"]


def test_a_daily_cap_per_expert_in_local_days(db):
    declare(db, "UONLY", "python")
    for minute in range(routing.DAILY_CAP):
        assert route(db, question(db), now=NOW + timedelta(minutes=minute)) == ["UONLY"]
    assert route(db, question(db), now=NOW + timedelta(hours=1)) == []
    # 23:30 UTC is already the next day in Berlin.
    assert route(db, question(db), now=datetime(2026, 3, 4, 23, 30, tzinfo=timezone.utc)) == ["UONLY"]


def test_questions_without_topic_route_to_nobody(db):
    declare(db, "UANN", "python")
    assert route(db, question(db, topic=None)) == []


# ---- escalation steps -------------------------------------------------------------------------

def due(db, now):
    with db.read() as session:
        return [(d.question_id, d.step) for d in routing.due(session, now, TZ)]


def test_escalation_is_due_after_24_working_hours_once_per_step(db):
    for user in ("U1", "U2", "U3", "U4"):
        declare(db, user, "python")
    q = question(db)
    assert due(db, NOW) == [(q, 0)]  # never routed (say, posted at night)
    assert route(db, q) == ["U1", "U2", "U3"]
    assert due(db, NOW + timedelta(days=1)) == []  # 8 working hours
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc)  # Wed 11:00 + 24 working hours = Mon 11:00 Berlin
    assert due(db, monday - timedelta(minutes=1)) == []
    assert due(db, monday) == [(q, 1)]
    assert route(db, q, step=1, now=monday) == ["U4"]
    assert route(db, q, step=1, now=monday) is None
    assert due(db, monday) == []
    # An escalation that found nobody new ends the escalations.
    later = datetime(2026, 3, 12, 10, 0, tzinfo=timezone.utc)
    assert due(db, later) == [(q, 2)]
    assert route(db, q, step=2, now=later) == []
    assert due(db, later + timedelta(days=7)) == []


def test_a_channel_can_escalate_sooner_than_the_default(db):
    for user in ("U1", "U2", "U3", "U4"):
        declare(db, user, "python")
    q = question(db)
    assert route(db, q) == ["U1", "U2", "U3"]
    with db.begin() as session:
        session.add(ChannelSettings(team_id="T1", channel_id="CPUB", escalation_hours=4, created_at=NOW,
                                    updated_at=NOW))
    # Wednesday 11:00 Berlin + 4 working hours = 15:00 the same day.
    assert due(db, NOW + timedelta(hours=4) - timedelta(minutes=1)) == []
    assert due(db, NOW + timedelta(hours=4)) == [(q, 1)]


def test_answered_and_closed_questions_are_not_escalated(db):
    answered, closed, own_reply = question(db), question(db), question(db)
    with db.begin() as session:
        session.add(Answer(question_id=answered, team_id="T1", channel_id="CPUB", message_ts="1.1", author_id="UB",
                           text="this", created_at=NOW))
        session.add(Answer(question_id=own_reply, team_id="T1", channel_id="CPUB", message_ts="1.2",
                           author_id="UASK", text="more details", created_at=NOW))
        session.execute(update(Question).where(Question.id == closed).values(status="closed"))
    assert due(db, NOW) == [(own_reply, 0)]


# ---- knowledge gaps and stats -----------------------------------------------------------------

def test_knowledge_gaps_list_demand_without_experts_and_respect_privacy(db):
    declare(db, "UANN", "python")
    declare(db, "UBEN", "python")
    for _ in range(3):
        question(db, topic="terraform")
    for _ in range(2):
        question(db, topic="kafka")
    question(db, topic="kafka", channel="CSECRET")
    for _ in range(3):
        question(db, topic="python")  # two experts: no gap
    for _ in range(2):
        question(db, topic="layoffs", channel="CSECRET")  # only a private channel knows this topic
    with db.read() as session:
        gaps = experts.knowledge_gaps(session, "T1", since=NOW - timedelta(days=30), now=NOW,
                                      nameable_channels={"CPUB"})
        everything = experts.knowledge_gaps(session, "T1", since=NOW - timedelta(days=30), now=NOW)
    assert [(g.topic, g.questions, g.experts) for g in gaps] == [("kafka", 3, 0), ("terraform", 3, 0)]
    assert "layoffs" in [g.topic for g in everything]


def test_stats_count_answers_medians_and_helpers(db):
    q1, q2, q3 = question(db), question(db), question(db, channel="COTHER")
    with db.begin() as session:
        session.add_all([
            Answer(question_id=q1, team_id="T1", channel_id="CPUB", message_ts="2.1", author_id="UB",
                   text="a", created_at=NOW + timedelta(minutes=10), accepted_at=NOW + timedelta(hours=2)),
            Answer(question_id=q1, team_id="T1", channel_id="CPUB", message_ts="2.2", author_id="UC",
                   text="b", created_at=NOW + timedelta(minutes=30)),
            Answer(question_id=q3, team_id="T1", channel_id="COTHER", message_ts="2.3", author_id="UC",
                   text="c", created_at=NOW + timedelta(minutes=50)),
        ])
    later = NOW + timedelta(days=1)
    with db.read() as session:
        channel = metrics.compute(session, "T1", now=later, channel_id="CPUB")
        workspace = metrics.compute(session, "T1", now=later)
        old = metrics.compute(session, "T1", now=NOW + timedelta(days=40))
    assert (channel.asked, channel.answered, channel.accepted, channel.unanswered) == (2, 1, 1, 1)
    assert channel.median_first_answer == timedelta(minutes=10)
    assert channel.median_accepted == timedelta(hours=2)
    assert channel.answered_share == 0.5
    assert (workspace.asked, workspace.answered) == (3, 2)
    assert workspace.median_first_answer == timedelta(minutes=30)
    assert [(h.user_id, h.accepted, h.answers) for h in workspace.helpers] == [("UB", 1, 1), ("UC", 0, 2)]
    assert old.asked == 0 and old.answered_share is None


def test_stats_periods_parse():
    assert metrics.parse_period("7d") == timedelta(days=7)
    assert metrics.parse_period("4W") == timedelta(days=28)
    for bad in ("0d", "400d", "d", "7", "7x", "-7d"):
        assert metrics.parse_period(bad) is None


def test_top_topics_name_only_declared_topics(db):
    declare(db, "UANN", "python")
    earn(db, "UBEN", "python", 3)
    earn(db, "UBEN", "reorg-plans", 9)  # earned in a private channel, never declared
    with db.read() as session:
        top = experts.top_topics(session, "T1", NOW)
        profile = experts.profile(session, "T1", "UBEN", NOW)
    assert [(name, [e.user_id for e in entries]) for name, entries in top] == [("python", ["UBEN", "UANN"])]
    assert {e.topic for e in profile.topics} == {"python", "reorg-plans"}  # your own profile shows everything
