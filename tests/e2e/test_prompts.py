"""The daily "ask an expert" prompt, end to end: who is spotlighted (fairly,
never someone away), what it lists (privacy), misfires, and questions asked
in its thread (tracked, and routed to the spotlighted expert first)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot.jobs import run_job
from peerbot.store.models import Question, Routing

WEDNESDAY = datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)
PROMPT_TIME = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)  # default 10:00, PEERBOT_TIMEZONE=UTC


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


@pytest.fixture
def clock(world):
    class Clock:
        now = WEDNESDAY

    fixed = Clock()
    world.deps.clock = lambda: fixed.now
    return fixed


def prompts_in(world, channel):
    return [m for m in world.slack.messages(channel)
            if m.get("bot_id") and "peerbot-prompt-" in json.dumps(m.get("blocks"))]


def test_without_experts_the_prompt_invites_people_to_declare_topics(world, clock):
    assert "are on" in world.say(world.alice, world.general, "/peerbot", "prompts on")
    assert "nothing due" in run_job(world.deps, "prompts", PROMPT_TIME - timedelta(minutes=5))
    assert "1 posted" in run_job(world.deps, "prompts", PROMPT_TIME)
    assert "/experts add" in shown(prompts_in(world, world.general)[0])
    # Down all Thursday until the evening: still posted that day, once; Saturday never.
    assert "1 posted" in run_job(world.deps, "prompts", PROMPT_TIME + timedelta(days=1, hours=8))
    assert "nothing due" in run_job(world.deps, "prompts", PROMPT_TIME + timedelta(days=1, hours=9))
    assert "nothing due" in run_job(world.deps, "prompts", PROMPT_TIME + timedelta(days=3))
    assert len(prompts_in(world, world.general)) == 2


def test_spotlight_rotates_skips_away_experts_and_keeps_private_questions_private(http_world):
    world, slack = http_world, http_world.slack

    class Clock:
        now = WEDNESDAY

    world.deps.clock = lambda: Clock.now
    dave = slack.add_user("dave")
    erin = slack.add_user("erin")
    frank = slack.add_user("frank")
    help_ = slack.add_channel("python-help", members=[world.alice, world.bob, dave, erin, frank])
    for person in (dave, erin, frank):
        world.say(person, help_, "/experts", "add python")
    world.say(frank, help_, "/experts", "away")
    for channel, text in ((help_, "[python] Which test runner do we use?"),
                          (world.secret, "[python] Is the secret migration script safe?")):
        assert slack.command(world.alice, channel, "/ask", text).acked
        slack.wait_for(lambda: [m for m in slack.messages(channel) if m.get("bot_id")])
        world.settle()
    assert "are on" in world.say(world.alice, help_, "/peerbot", "prompts on")

    spotlit = []
    for day in range(3):
        assert "1 posted" in run_job(world.deps, "prompts", PROMPT_TIME + timedelta(days=day))
        text = shown(prompts_in(world, help_)[-1])
        spotlit.append(next(p for p in (dave, erin, frank) if f"<@{p}>" in text))
        assert "*python*" in text and "Which test runner" in text and "secret migration" not in text
    assert spotlit[0] != spotlit[1] and spotlit[2] == spotlit[0]  # fair turns
    assert frank not in spotlit  # away


def test_a_question_in_the_prompt_thread_is_tracked_and_goes_to_the_spotlighted_expert(world, clock):
    slack = world.slack
    dave = slack.add_user("dave")
    erin = slack.add_user("erin")
    help_ = slack.add_channel("help", members=[world.alice, world.bob, dave, erin])
    world.say(dave, help_, "/experts", "add python")
    world.say(erin, help_, "/experts", "add python")
    assert "are on" in world.say(world.alice, help_, "/peerbot", "prompts on")
    clock.now = PROMPT_TIME
    assert "1 posted" in run_job(world.deps, "prompts", PROMPT_TIME)
    prompt = prompts_in(world, help_)[0]
    expert = dave if f"<@{dave}>" in shown(prompt) else erin

    asked = slack.post(world.alice, help_, "How do I pin a dependency version?", thread_ts=prompt["ts"])
    world.settle()
    with world.deps.db.read() as session:
        question = session.scalars(select(Question)).one()
        assert (question.message_ts, question.status, question.asker_id) == (asked, "open", world.alice)
        assert list(session.scalars(select(Routing.user_id))) == [expert]  # the spotlighted expert only
    mention = slack.wait_for(lambda: [m for m in slack.replies(help_, prompt["ts"])
                                      if m.get("bot_id") and f"<@{expert}>" in m.get("text", "")])
    assert mention

    # The expert's reply in the thread answers it; the asker hears about it.
    slack.post(expert, help_, "Put it in requirements.txt with ==", thread_ts=prompt["ts"])
    world.settle()
    slack.wait_for(lambda: any("requirements.txt" in shown(m) for m in slack.dms(world.alice)))
    with world.deps.db.read() as session:
        assert len(session.scalars(select(Question)).one().answers) == 1
    # A thank-you that is not a question asks nothing new.
    slack.post(world.bob, help_, "Good to know, thanks", thread_ts=prompt["ts"])
    world.settle()
    with world.deps.db.read() as session:
        assert len(session.scalars(select(Question)).all()) == 1
