"""/experts, routing questions to experts, escalation and /peerbot stats, end to end."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from peerbot import cli
from peerbot.blocks import ids
from peerbot.jobs import JOBS, run_job
from peerbot.services import routing
from peerbot.store.models import Expertise, Question, Routing, RoutingStep

WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # working hours (PEERBOT_TIMEZONE=UTC)
NEXT_MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc)  # 24 working hours later


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


@pytest.fixture
def clock(world):
    """The app's clock, set by the test (never slept towards)."""

    class Clock:
        now = WEDNESDAY

        def set(self, moment):
            self.now = moment

    fixed = Clock()
    world.deps.clock = lambda: fixed.now
    return fixed


@pytest.fixture
def team(world, clock):
    """Five more people, all in #help with alice, bob and carol."""
    slack = world.slack
    people = {name: slack.add_user(name) for name in ("dave", "erin", "frank", "gina", "hugo")}
    channel = slack.add_channel("help", members=[world.alice, world.bob, world.carol, *people.values()])
    return people, channel


def declare(world, channel, topics, *users):
    for user in users:
        assert "listed for" in world.say(user, channel, "/experts", f"add {topics}")


def ask(world, user, channel, text):
    slack = world.slack
    before = {m["ts"] for m in slack.messages(channel)}
    assert slack.command(user, channel, "/ask", text).acked
    card = slack.wait_for(lambda: [m for m in slack.messages(channel) if m.get("bot_id") and m["ts"] not in before])
    world.settle()
    return card[0]


def mentions(world, channel, card) -> list[str]:
    """Who peerbot mentioned in the question's thread, in order."""
    found = []
    for reply in world.slack.replies(channel, card["ts"])[1:]:
        if reply.get("bot_id"):
            found += [part.split(">")[0] for part in reply["text"].split("<@")[1:]]
    return found


def test_directory_shows_declared_and_earned_and_ranks_who_helps(world, team, clock):
    slack = world.slack
    people, help_ = team
    reply = world.say(people["dave"], help_, "/experts", "add Python, postgres")
    assert "*python*" in reply and "*postgresql*" in reply  # normalised, synonym folded
    declare(world, help_, "python", people["erin"])

    # frank never declared python, but his answer gets accepted and bookmarked.
    card = ask(world, world.alice, help_, "[python] How do I pin a dependency version?")
    answer_ts = slack.post(people["frank"], help_, "Use `pip-compile` and commit the lock file.", thread_ts=card["ts"])
    slack.wait_for(lambda: slack.dms(world.alice))
    slack.react(world.alice, help_, answer_ts, "white_check_mark")
    slack.wait_for(lambda: "Answered" in shown(slack.message(help_, card["ts"])))
    for user in (world.bob, world.carol, people["frank"]):  # frank's own bookmark does not count
        slack.react(user, help_, answer_ts, "bookmark")
    world.settle()
    slack.unreact(world.bob, help_, answer_ts, "bookmark")  # taken back, then given again: still one
    world.settle()
    slack.react(world.bob, help_, answer_ts, "bookmark")
    world.settle()

    directory = world.say(world.bob, help_, "/experts", "Python")
    assert "Who knows python" in directory
    order = [directory.index(f"<@{people[name]}>") for name in ("frank", "dave", "erin")]
    assert order == sorted(order)  # earned 3 + 2 bookmarks outranks declared
    assert "earned 5" in directory and "declared" in directory

    mine = world.say(people["dave"], help_, "/experts")
    assert "Your expertise" in mine and "*postgresql*" in mine and "Top topics" in mine
    assert "removed" in world.say(people["dave"], help_, "/experts", "remove postgresql").lower()
    assert "postgresql" not in world.say(people["dave"], help_, "/experts").split("Top topics")[0]

    # Nobody knows it yet: a helpful answer, with the text escaped.
    assert "Nobody knows *&lt;b&gt;*" in world.say(world.bob, help_, "/experts", "<b>")


def test_bad_experts_input_gets_usage_and_changes_nothing(world, team):
    people, help_ = team
    for text, problem in [("away until next week", "not a date"), ("away until 2020-01-01", "in the past"),
                          ("add", "Which topics"), ("back now", "takes nothing"), ("help", "/experts add")]:
        assert problem in world.say(people["dave"], help_, "/experts", text)
    with world.deps.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Expertise)) == 0


def test_routing_is_fair_and_never_mentions_the_asker(world, team, clock):
    people, help_ = team
    experts = [people[n] for n in ("dave", "erin", "frank", "gina")]
    declare(world, help_, "python", world.alice, *experts)
    first = ask(world, world.alice, help_, "How do I profile a slow Python script?")  # detected from the text
    clock.set(WEDNESDAY + timedelta(minutes=5))
    second = ask(world, world.alice, help_, "[python] Which formatter do we use?")
    first_routed, second_routed = mentions(world, help_, first), mentions(world, help_, second)
    assert len(first_routed) == len(second_routed) == routing.EXPERTS_PER_STEP
    assert world.alice not in first_routed + second_routed  # never the asker
    # The one left out the first time comes first the second time.
    [left_out] = set(experts) - set(first_routed)
    assert second_routed[0] == left_out
    with world.deps.db.read() as session:
        topic_ids = set(session.scalars(select(Question.topic_id)))
    assert len(topic_ids) == 1 and None not in topic_ids


def test_away_and_deactivated_experts_are_skipped_and_a_daily_cap_holds(world, team, clock):
    slack = world.slack
    people, help_ = team
    declare(world, help_, "terraform", people["dave"], people["erin"], people["frank"])
    assert "away" in world.say(people["dave"], help_, "/experts", "away until 2026-03-06")
    with slack.ws.lock:  # erin leaves the company: Slack deactivates her account
        slack.ws.users[people["erin"]]["deleted"] = True
    clock.set(WEDNESDAY + routing.MEMBER_TTL + timedelta(minutes=1))  # our copy of users.info is stale now

    routed = []
    for n in range(routing.DAILY_CAP + 1):
        card = ask(world, world.bob, help_, f"[terraform] question number {n}?")
        routed.append(mentions(world, help_, card))
    assert routed == [[people["frank"]]] * routing.DAILY_CAP + [[]]
    assert any(c.method == "users.info" and c.args.get("user") == people["erin"] for c in slack.calls)

    # Saturday is the day after dave's last day away; on Monday he is asked again.
    clock.set(NEXT_MONDAY)
    card = ask(world, world.bob, help_, "[terraform] state lock stuck?")
    assert mentions(world, help_, card) == [people["dave"], people["frank"]]
    assert "Welcome back" in world.say(people["dave"], help_, "/experts", "back")


def test_anonymous_questions_are_routed_without_naming_the_asker(world, team, clock):
    slack = world.slack
    people, help_ = team
    declare(world, help_, "expenses", people["gina"])
    slack.command(world.bob, help_, "/ask", "")
    modal = slack.wait_for(lambda: slack.modal(world.bob))
    slack.submit_view(world.bob, modal["id"], {
        "question": {"question": "Can I expense a standing desk?"},
        "topic": {"topic": "Expenses"},
        "anonymous": {"anonymous": ["yes"]},
    })
    card = slack.wait_for(lambda: [m for m in slack.messages(help_) if m.get("bot_id")])[0]
    world.settle()
    assert mentions(world, help_, card) == [people["gina"]]
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update") and call.args.get("channel") == help_:
            assert world.bob not in json.dumps(call.args)


def test_escalation_runs_once_per_step_and_the_asker_decides(world, team, clock, monkeypatch):
    slack = world.slack
    people, help_ = team
    declare(world, help_, "kafka", *(people[n] for n in ("dave", "erin", "frank", "gina")))
    card = ask(world, world.alice, help_, "[kafka] Why does my consumer group keep rebalancing?")
    first = mentions(world, help_, card)
    assert len(first) == 3

    # Not yet: only 8 working hours have passed; and never at night.
    assert "escalated 0" in run_job(world.deps, "escalations", WEDNESDAY + timedelta(days=1))
    assert "outside working hours" in run_job(world.deps, "escalations", NEXT_MONDAY.replace(hour=3))

    # Twice at the same moment: the scheduler's function, then the CLI with --at.
    assert "escalated 1" in run_job(world.deps, "escalations", NEXT_MONDAY)
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.deps.settings.bot_token)
    monkeypatch.setenv("SLACK_API_URL", world.deps.settings.api_url)
    monkeypatch.setenv("DATABASE_URL", world.deps.settings.database_url)
    assert cli.main(["jobs", "run", "escalations", "--at", NEXT_MONDAY.isoformat()]) == 0
    world.settle()

    [remaining] = {people[n] for n in ("dave", "erin", "frank", "gina")} - set(first)
    assert mentions(world, help_, card) == first + [remaining]  # the next expert, once
    notices = [m for m in slack.dms(world.alice) if "no answer" in shown(m).lower()]
    assert len(notices) == 1
    assert "24 working hours" in shown(notices[0]) and ids.QUESTION_CLOSE in shown(notices[0])
    with world.deps.db.read() as session:
        assert list(session.scalars(select(RoutingStep.step).order_by(RoutingStep.step))) == [0, 1]
        assert session.scalar(select(func.count()).select_from(Routing)) == 4

    slack.click(world.alice, ids.ESCALATION_KEEP_WAITING, channel=slack.dm_channel(world.alice), ts=notices[0]["ts"])
    slack.wait_for(lambda: "stays open" in shown(slack.message(slack.dm_channel(world.alice), notices[0]["ts"])))


def test_the_asker_can_close_from_the_escalation_dm(world, team, clock):
    slack = world.slack
    people, help_ = team
    card = ask(world, world.alice, help_, "[cobol] Who still knows our mainframe batch jobs?")
    assert mentions(world, help_, card) == []  # nobody knows cobol
    assert "escalated 1" in run_job(world.deps, "escalations", NEXT_MONDAY)
    [notice] = [m for m in slack.dms(world.alice) if "no answer" in shown(m).lower()]
    assert "nobody else to ask" in shown(notice)
    slack.click(world.alice, ids.QUESTION_CLOSE, channel=slack.dm_channel(world.alice), ts=notice["ts"])
    slack.wait_for(lambda: "Closed" in shown(slack.message(help_, card["ts"])))
    # Nothing more happens to a closed question.
    assert "escalated 0" in run_job(world.deps, "escalations", NEXT_MONDAY + timedelta(days=7))
    assert "escalations" in JOBS


def test_stats_count_private_activity_but_never_show_it(world, team, clock):
    slack = world.slack
    people, help_ = team
    card = ask(world, world.alice, help_, "[python] How do I read a parquet file?")
    clock.set(WEDNESDAY + timedelta(minutes=20))
    answer_ts = slack.post(world.bob, help_, "pandas.read_parquet", thread_ts=card["ts"])
    slack.wait_for(lambda: slack.dms(world.alice))
    slack.react(world.alice, help_, answer_ts, "white_check_mark")
    slack.wait_for(lambda: "Answered" in shown(slack.message(help_, card["ts"])))
    for n in range(2):
        ask(world, world.alice, world.secret, f"[reorg-plans] secret question {n}?")
    clock.set(WEDNESDAY + timedelta(days=1))

    here = world.say(world.carol, help_, "/peerbot", "stats")
    assert "Questions asked: *1*" in here and "(100%)" in here and "20 min" in here
    assert f"<@{world.bob}>" in here  # top helper

    everywhere = world.say(world.carol, help_, "/peerbot", "stats workspace 7d")
    assert "Questions asked: *3*" in everywhere and "last 7 days" in everywhere
    assert "reorg" not in everywhere and "secret" not in everywhere
    # In the private channel itself, its own gap may be named.
    assert "reorg-plans" in world.say(world.alice, world.secret, "/peerbot", "stats")

    assert "Usage: `/peerbot stats" in world.say(world.carol, help_, "/peerbot", "stats yesterday")
