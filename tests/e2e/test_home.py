"""App Home end to end: each person sees their own questions, answers, saves
and topics, the workspace's most useful public items, and never someone
else's anonymous question."""

import json
from datetime import datetime, timezone

from peerbot.blocks import ids
from peerbot.blocks.home import Home, ItemRow, QuestionRow, home_view
from peerbot.sandbox.blockkit import validate_view
from peerbot.store.models import Expertise, Member


def shown(view) -> str:
    return json.dumps(view["blocks"])


def cards(world):
    return [m for m in world.slack.messages(world.general) if m.get("bot_id")]


def home_of(world, user):
    slack = world.slack
    before = len(slack.calls_to("views.publish"))
    assert slack.open_home(user).acked
    slack.wait_for(lambda: [c for c in slack.calls_to("views.publish")[before:] if c.args.get("user_id") == user])
    world.settle()
    return slack.home(user)


def ask(world, user, text):
    count = len(cards(world))
    world.slack.command(user, world.general, "/ask", text)
    return world.slack.wait_for(lambda: len(cards(world)) > count and cards(world)[-1])


def ask_anonymously(world, user, text):
    slack = world.slack
    count = len(cards(world))
    slack.command(user, world.general, "/ask", "")
    modal = slack.wait_for(lambda: slack.modal(user))
    slack.submit_view(user, modal["id"], {"question": {"question": text}, "anonymous": {"anonymous": ["yes"]}})
    return slack.wait_for(lambda: len(cards(world)) > count and cards(world)[-1])


def declare(world, user, topic):
    now = datetime.now(timezone.utc)
    with world.deps.db.begin() as session:
        from peerbot.services import topics

        row = topics.get_or_create(session, world.slack.team_id, topic, now)
        session.merge(Member(team_id=world.slack.team_id, user_id=user, refreshed_at=now))
        session.flush()
        session.add(Expertise(team_id=world.slack.team_id, user_id=user, topic_id=row.id, declared=True,
                              declared_at=now))


def test_home_shows_your_questions_answers_saves_and_topics_but_never_another_persons_anonymous_question(world):
    slack = world.slack
    ask(world, world.alice, "Where is the SQL style guide?")
    anonymous = ask_anonymously(world, world.bob, "Is the parking garage open on Sundays?")
    slack.post(world.alice, world.general, "Yes, from 10:00 to 18:00.", thread_ts=anonymous["ts"])
    meeting = ask(world, world.carol, "How do I book a meeting room?")
    slack.post(world.alice, world.general, "Use the Rooms app in the intranet.", thread_ts=meeting["ts"])
    notion = slack.post(world.bob, world.general, "The style guide lives in Notion under Engineering")
    slack.react(world.alice, world.general, notion, "bookmark")
    roadmap = slack.post(world.alice, world.secret, "Secret roadmap: we ship the mobile app in May")
    slack.react(world.alice, world.secret, roadmap, "bookmark")
    slack.react(world.bob, world.secret, roadmap, "bookmark")
    declare(world, world.alice, "Postgres")
    world.settle()

    alice = shown(home_of(world, world.alice))
    assert "Where is the SQL style guide?" in alice  # her open question
    assert "How do I book a meeting room?" in alice  # a question she answered
    assert "The style guide lives in Notion" in alice  # her saved item, linked
    assert "Secret roadmap" in alice  # her own save, on her own Home
    assert "postgresql" in alice  # her declared topic
    assert "parking garage" not in alice  # bob asked that anonymously
    assert ids.HOME_ASK in alice and ids.HOME_TIP in alice

    bob = shown(home_of(world, world.bob))
    assert "parking garage" in bob and "(asked anonymously)" in bob  # only bob sees his own

    carol = shown(home_of(world, world.carol))
    assert "parking garage" not in carol and world.bob not in carol
    assert "How do I book a meeting room?" in carol
    assert "The style guide lives in Notion" in carol  # most useful in the workspace
    assert "Secret roadmap" not in carol  # private to #team-secret, even with the most saves


def test_home_view_stays_within_slack_limits_and_escapes_user_text():
    long = "<!channel> & " + "x" * 5000
    rows = [QuestionRow(text=long, channel_id="C1", asked_anonymously=True) for _ in range(20)]
    items = [ItemRow(title=long, link="https://example.slack.com/archives/C1/p1", score=3) for _ in range(20)]
    view = home_view(Home(user_id="U1", open_questions=rows, answered=rows, saved=items,
                          topics=["<!here>"] * 50, popular=items))
    assert validate_view(view) == []
    text = shown(view)
    assert "<!channel>" not in text and "<!here>" not in text and "&lt;!channel&gt; &amp;" in text
    assert text.count("(asked anonymously)") == 5 * 2  # at most five rows a list
