"""Peer feedback end to end (PROGRAMMES.md §7), both transports, controlled
time: requests, answers, the anonymous release at 3, reminders, expiry,
deleting, the give_feedback shortcut, and bad input that changes nothing.
One test reads every table to show no anonymous answer links to its giver."""

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.services import feedback
from peerbot.store.models import Base, FeedbackAnswer, FeedbackAsk, FeedbackRequest, OutboxPost

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # London is on UTC until 29 March
QUESTION = "How clear was my design review on Tuesday?"


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


@pytest.fixture
def fb(world):
    class Clock:
        now = MONDAY

    world.deps.clock = lambda: Clock.now
    people = {name: world.slack.add_user(name) for name in ("dana", "eve", "finn", "gus", "hal", "ivy")}
    people["robo"] = world.slack.add_user("robo", is_bot=True)
    return Clock, people


def at(world, clock, moment) -> str:
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


def open_form(world, user):
    slack = world.slack
    assert slack.command(user, world.general, "/feedback").acked
    view = slack.wait_for(lambda: slack.modal(user))
    world.settle()
    assert view["callback_id"] == ids.FEEDBACK_REQUEST_MODAL
    return view


def request(world, user, peers, question=QUESTION, *, anonymous=False, days=None, link=None, template=None):
    """Fill in and send the request form; returns (outcome, errors shown in the form)."""
    view = open_form(world, user)
    values = {ids.FEEDBACK_PEERS: {ids.FEEDBACK_PEERS: list(peers)}}
    if question:
        values[ids.FEEDBACK_QUESTION] = {ids.FEEDBACK_QUESTION: question}
    if template is not None:
        values[ids.FEEDBACK_TEMPLATE] = {ids.FEEDBACK_TEMPLATE: str(template)}
    if anonymous:
        values[ids.FEEDBACK_ANONYMOUS] = {ids.FEEDBACK_ANONYMOUS: ["anonymous"]}
    if days is not None:
        values[ids.FEEDBACK_EXPIRY] = {ids.FEEDBACK_EXPIRY: str(days)}
    if link:
        values[ids.FEEDBACK_LINK] = {ids.FEEDBACK_LINK: link}
    delivery = world.slack.submit_view(user, view["id"], values)
    world.settle()
    errors = (world.slack.modal(user) or {}).get("errors") or {}
    return delivery.outcome, errors


def ask_dm(world, user, fragment="peerbot-feedback-ask-"):
    found = with_block(world.slack.dms(user), fragment)
    assert len(found) == 1, found
    return found[0]


def ask_from(world, user, requester):
    found = [m for m in with_block(world.slack.dms(user), "peerbot-feedback-ask-") if f"<@{requester}>" in shown(m)]
    assert len(found) == 1, found
    return found[0]


def click(world, user, action_id, message):
    delivery = world.slack.click(user, action_id, channel=world.slack.dm_channel(user), ts=message["ts"])
    world.settle()
    return delivery


def answer(world, user, words, message=None):
    slack = world.slack
    click(world, user, ids.FEEDBACK_ANSWER, message or ask_dm(world, user))
    view = slack.wait_for(lambda: slack.modal(user))
    delivery = slack.submit_view(user, view["id"], {ids.FEEDBACK_ANSWER_TEXT: {ids.FEEDBACK_ANSWER_TEXT: words}})
    world.settle()
    return delivery.outcome


def home(world, user) -> str:
    world.slack.open_home(user)
    world.settle()
    return shown(world.slack.home(user))


def bot_posts_in_channels(world):
    return [m for c in (world.general, world.secret) for m in world.slack.messages(c) if m.get("bot_id")]


ANSWERS = {"dana": "Slides were clear; the demo ran long.", "eve": "Start with the decision you need from us.",
           "finn": "Fewer acronyms, please: not everyone knows them."}


def test_anonymous_answers_are_shown_only_once_three_have_answered(world, fb):
    clock, p = fb
    slack = world.slack
    assert request(world, world.alice, [p["dana"], p["eve"], p["finn"]], anonymous=True) == ("closed", {})
    for name in ("dana", "eve", "finn"):
        assert "anonymous" in shown(ask_dm(world, p[name]))
    assert "went to" in shown(ask_dm(world, world.alice, "peerbot-feedback-requested-"))
    for name in ("dana", "eve"):
        clock.now += timedelta(hours=2)
        assert answer(world, p[name], ANSWERS[name]) == "updated"
        assert "saved without your name" in shown(slack.modal(p[name]))
        slack.views_api.close_all(p[name])
    # Two answers: nothing about them is shown to the requester, not even a count.
    seen = "".join(shown(m) for m in slack.dms(world.alice)) + home(world, world.alice)
    assert not any(words[:20] in seen for words in ANSWERS.values())
    assert "appear once 3 people have answered" in seen and "2 anonymous" not in seen
    assert "nothing due" in at(world, clock, clock.now + timedelta(hours=1))  # the job releases nothing either
    clock.now += timedelta(hours=2)
    assert answer(world, p["finn"], ANSWERS["finn"]) == "updated"
    released = with_block(slack.dms(world.alice), "peerbot-feedback-answers-")
    assert len(released) == 1
    assert all(words in shown(released[0]) for words in ANSWERS.values())
    assert not any(f"<@{p[name]}>" in shown(released[0]) for name in ANSWERS)
    page = home(world, world.alice)
    assert "3 anonymous answers" in page and all(words[:20] in page for words in ANSWERS.values())
    assert not any(f"<@{p[name]}>" in page for name in ANSWERS)
    assert not bot_posts_in_channels(world)
    # No message of a giver's was edited when they answered (an edit would carry the moment).
    assert not {c.args.get("channel") for c in slack.calls_to("chat.update")} & {
        slack.dm_channel(p[name]) for name in ANSWERS}


def test_no_row_id_or_timestamp_links_an_anonymous_answer_to_its_giver(world, fb, caplog):
    caplog.set_level(logging.INFO)  # peerbot's level: nothing it logs may carry an answer
    clock, p = fb
    givers = [p["dana"], p["eve"], p["finn"]]
    request(world, world.alice, givers + [p["gus"]], anonymous=True)
    assert "4 reminders" in at(world, clock, datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc))
    moments = []
    for name in ("dana", "eve", "finn"):  # on three different days, after their reminders
        clock.now += timedelta(days=1, minutes=37)
        moments.append(clock.now)
        answer(world, p[name], ANSWERS[name])
    release_day = clock.now.date().isoformat()
    db = world.deps.db
    with db.read() as session:
        answers = list(session.scalars(select(FeedbackAnswer)))
        asks = list(session.scalars(select(FeedbackAsk)))
        # The answer row: no giver, a random 128-bit id, a date and no time.
        assert set(FeedbackAnswer.__table__.columns.keys()) == {"id", "team_id", "request_id", "giver_id", "text",
                                                                "released_on"}
        assert len(answers) == 3 and {a.giver_id for a in answers} == {None}
        assert all(len(a.id) == 32 and int(a.id, 16) >= 0 for a in answers)
        assert {a.released_on for a in answers} == {release_day}
        # The givers' ask rows say only that they answered: no time, nothing pointing at an answer.
        assert {(a.user_id, a.status, a.responded_at) for a in asks} == (
            {(g, "answered", None) for g in givers} | {(p["gus"], "asked", None)})
        # Physical order and row versions tell nothing either: no rowid; every answer and every ask
        # of the request carries the same (the last answer's) row version.
        if db.engine.dialect.name == "sqlite":
            with pytest.raises(Exception):
                session.execute(text("SELECT rowid FROM feedback_answers"))
        else:
            for table in ("feedback_answers", "feedback_asks"):
                assert len(set(session.execute(text(f"SELECT xmin::text FROM {table}")).scalars())) == 1
    # No stored value anywhere names an answer id next to a giver, and nothing a giver is keyed by
    # carries the moment they answered.
    answer_ids = {a.id for a in answers}
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                values = set(map(str, row.values()))
                if table.name != "feedback_answers":
                    assert not values & answer_ids, table.name
                    assert not any(words in v for v in values for words in ANSWERS.values()), table.name
                if set(givers) & values:
                    stamps = {v for v in row.values() if isinstance(v, datetime)}
                    assert not stamps & set(moments), (table.name, dict(row))
        # Which reminders a giver got would say until when they had not answered: those records are gone.
        posts = session.scalars(select(OutboxPost).where(OutboxPost.channel_id.in_(givers))).all()
        assert {post.kind for post in posts} == {"feedback-ask"}
    logged = [r for r in caplog.records if any(w in r.getMessage() for w in ANSWERS.values())]
    assert not logged


def test_a_second_answer_by_the_same_person_is_refused(world, fb):
    clock, p = fb
    slack = world.slack
    request(world, world.alice, [p["dana"], p["eve"]])
    assert "2 reminders" in at(world, clock, datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc))
    reminder = ask_dm(world, p["dana"], "peerbot-feedback-remind-")
    # A second device submits an answer while this form is open: the form says no, nothing is added.
    click(world, p["dana"], ids.FEEDBACK_ANSWER, reminder)
    form = slack.wait_for(lambda: slack.modal(p["dana"]))
    with world.deps.db.begin() as session:
        request_id = session.scalars(select(FeedbackRequest.id)).one()
        assert feedback.answer(session, request_id, p["dana"], "First answer, from my phone.", clock.now) is None
    outcome = slack.submit_view(p["dana"], form["id"], {ids.FEEDBACK_ANSWER_TEXT: {ids.FEEDBACK_ANSWER_TEXT: "Again"}})
    world.settle()
    assert outcome.outcome == "errors"
    assert "already answered" in slack.modal(p["dana"])["errors"][ids.FEEDBACK_ANSWER_TEXT]
    # The reminder's button, clicked later: a clear answer, no form.
    before = len(slack.ephemerals(user=p["dana"]))
    slack.views_api.close_all(p["dana"])
    click(world, p["dana"], ids.FEEDBACK_ANSWER, reminder)
    assert "already answered" in slack.ephemerals(user=p["dana"])[before]["text"]
    assert slack.modal(p["dana"]) is None
    with world.deps.db.read() as session:
        assert [a.text for a in session.scalars(select(FeedbackAnswer))] == ["First answer, from my phone."]
    # The job delivers the answer stored outside the listeners, once.
    assert "1 answers delivered" in at(world, clock, clock.now)
    assert "answers delivered" not in at(world, clock, clock.now)
    assert len(with_block(slack.dms(world.alice), "peerbot-feedback-answers-")) == 1


def test_reminders_go_only_to_those_who_have_not_answered_once_each(world, fb):
    clock, p = fb
    slack = world.slack
    request(world, world.alice, [p["dana"], p["eve"], p["finn"]])
    clock.now += timedelta(hours=3)
    answer(world, p["dana"], "The structure was great.")
    named = with_block(slack.dms(world.alice), "peerbot-feedback-answers-")
    assert len(named) == 1 and f"<@{p['dana']}>" in shown(named[0])
    assert "nothing due" in at(world, clock, datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc))  # before day 3
    day3 = datetime(2026, 3, 5, 10, 30, tzinfo=timezone.utc)
    assert "2 reminders" in at(world, clock, day3)
    assert "reminders" not in at(world, clock, day3)  # the job runs twice: nothing more
    assert "reminders" not in at(world, clock, day3 + timedelta(hours=2))
    assert not with_block(slack.dms(p["dana"]), "peerbot-feedback-remind-")
    for name in ("eve", "finn"):
        assert len(with_block(slack.dms(p[name]), "peerbot-feedback-remind-")) == 1
    click(world, p["eve"], ids.FEEDBACK_DECLINE, ask_dm(world, p["eve"]))
    # A day before expiry is Sunday 15 March: the last reminder waits for Monday 09:00 London.
    assert "reminders" not in at(world, clock, datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc))
    assert "1 reminders" in at(world, clock, datetime(2026, 3, 16, 9, 5, tzinfo=timezone.utc))
    assert "reminders" not in at(world, clock, datetime(2026, 3, 16, 9, 50, tzinfo=timezone.utc))
    assert len(with_block(slack.dms(p["finn"]), "peerbot-feedback-remind-")) == 2
    assert len(with_block(slack.dms(p["eve"]), "peerbot-feedback-remind-")) == 1
    # At most two: "remind me tomorrow" after both says so and sends nothing more.
    before = len(slack.ephemerals(user=p["finn"]))
    click(world, p["finn"], ids.FEEDBACK_SNOOZE, ask_dm(world, p["finn"]))
    assert "both reminders" in slack.ephemerals(user=p["finn"])[before]["text"]


def test_remind_me_tomorrow_brings_the_first_reminder_forward(world, fb):
    clock, p = fb
    slack = world.slack
    request(world, world.alice, [p["dana"]])
    before = len(slack.ephemerals(user=p["dana"]))
    click(world, p["dana"], ids.FEEDBACK_SNOOZE, ask_dm(world, p["dana"]))
    assert "remind you tomorrow" in slack.ephemerals(user=p["dana"])[before]["text"]
    assert "reminders" not in at(world, clock, MONDAY + timedelta(hours=20))
    assert "1 reminders" in at(world, clock, MONDAY + timedelta(days=1, minutes=5))
    assert "nothing due" in at(world, clock, datetime(2026, 3, 5, 10, 30, tzinfo=timezone.utc))


def test_expiry_tells_the_requester_and_closes_the_request(world, fb):
    clock, p = fb
    slack = world.slack
    request(world, world.alice, [p["dana"], p["eve"]], days=2)
    request(world, world.bob, [p["dana"], p["eve"], p["finn"]], anonymous=True, days=2)
    answer(world, p["eve"], "Clear and short.", ask_from(world, p["eve"], world.alice))
    answer(world, p["dana"], "Anonymous and sealed.", ask_from(world, p["dana"], world.bob))
    # A day before expiry, finn is reminded of bob's request and opens the form, but sends it too late.
    assert "reminders" in at(world, clock, MONDAY + timedelta(days=1))
    reminder = with_block(slack.dms(p["finn"]), "peerbot-feedback-remind-")[0]
    click(world, p["finn"], ids.FEEDBACK_ANSWER, reminder)
    late_form = slack.wait_for(lambda: slack.modal(p["finn"]))
    expiry = MONDAY + timedelta(days=2)
    assert "expired" not in at(world, clock, expiry - timedelta(minutes=1))
    assert "2 expired" in at(world, clock, expiry)
    late = slack.submit_view(p["finn"], late_form["id"], {ids.FEEDBACK_ANSWER_TEXT: {ids.FEEDBACK_ANSWER_TEXT: "Late!"}})
    world.settle()
    assert late.outcome == "errors" and "expired" in slack.modal(p["finn"])["errors"][ids.FEEDBACK_ANSWER_TEXT]
    slack.views_api.close_all(p["finn"])
    assert "expired" not in at(world, clock, expiry + timedelta(minutes=5))
    closed = with_block(slack.dms(world.alice), "peerbot-feedback-expired-")
    assert len(closed) == 1 and "1 answer in all" in shown(closed[0])
    sealed = with_block(slack.dms(world.bob), "peerbot-feedback-expired-")
    assert len(sealed) == 1 and "Fewer than 3 people answered" in shown(sealed[0])
    with world.deps.db.read() as session:
        assert [a.text for a in session.scalars(select(FeedbackAnswer))] == ["Clear and short."]
    # The asks lose their buttons; the reminder's button, clicked after expiry: a clear answer, no form.
    assert "has closed" in shown(slack.message(slack.dm_channel(p["finn"]), ask_from(world, p["finn"], world.bob)["ts"]))
    before = len(slack.ephemerals(user=p["finn"]))
    click(world, p["finn"], ids.FEEDBACK_ANSWER, reminder)
    assert "expired" in slack.ephemerals(user=p["finn"])[before]["text"]
    assert slack.modal(p["finn"]) is None


QUESTION_0 = feedback.TEMPLATES[0]


def test_the_requester_deletes_a_request_with_its_answers(world, fb):
    clock, p = fb
    slack = world.slack
    request(world, world.alice, [p["dana"], p["eve"]], template=0, question=None)
    assert QUESTION_0 in shown(ask_dm(world, p["dana"]))
    answer(world, p["dana"], "Keep the weekly notes.")
    page = home(world, world.alice)
    assert "Keep the weekly notes." in page and "1 of 2 answered" in page
    assert "Answer" in home(world, p["eve"])  # the ask waiting for eve is in her Home, and in /feedback list
    assert QUESTION_0 in world.say(p["eve"], slack.dm_channel(p["eve"]), "/feedback", "list")
    assert "Keep the weekly notes." in world.say(world.alice, world.general, "/feedback", "list")
    slack.click(world.alice, ids.FEEDBACK_DELETE, view_id=slack.home(world.alice)["id"])
    world.settle()
    assert "Keep the weekly notes." not in shown(slack.home(world.alice))
    with world.deps.db.read() as session:
        row = session.scalars(select(FeedbackRequest)).one()
        assert (row.status, row.question) == ("deleted", "")
        assert not session.scalars(select(FeedbackAnswer)).all()
    assert "withdrawn" in shown(slack.message(slack.dm_channel(p["eve"]), ask_dm(world, p["eve"])["ts"]))
    assert "Keep the weekly notes." not in home(world, world.alice)


def test_give_feedback_sends_the_author_private_feedback_with_a_link(world, fb):
    clock, p = fb
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Here is my plan for the migration.")
    assert slack.message_shortcut(world.alice, world.general, ts, ids.GIVE_FEEDBACK).acked
    form = slack.wait_for(lambda: slack.modal(world.alice))
    world.settle()
    too_short = slack.submit_view(world.alice, form["id"], {ids.FEEDBACK_DIRECT_TEXT: {ids.FEEDBACK_DIRECT_TEXT: "ok"}})
    world.settle()
    assert too_short.outcome == "errors"
    sent = slack.submit_view(world.alice, form["id"],
                             {ids.FEEDBACK_DIRECT_TEXT: {ids.FEEDBACK_DIRECT_TEXT: "Great plan; add a rollback step."}})
    world.settle()
    assert sent.outcome == "updated"
    got = with_block(slack.dms(world.bob), "peerbot-feedback-direct-")
    assert len(got) == 1
    assert f"<@{world.alice}>" in shown(got[0]) and "rollback" in shown(got[0]) and ts.replace(".", "") in shown(got[0])
    # Your own message, or a bot's: a clear answer, no form.
    own = world.deps.client.chat_postMessage(channel=world.general, text="A bot's announcement")["ts"]
    for user, message_ts, words in ((world.bob, ts, "your own message"), (world.alice, own, "app or bot")):
        slack.views_api.close_all(user)
        before = len(slack.ephemerals(user=user))
        slack.message_shortcut(user, world.general, message_ts, ids.GIVE_FEEDBACK)
        world.settle()
        assert words in slack.ephemerals(user=user)[before]["text"]
        assert slack.modal(user) is None
    assert len(with_block(slack.dms(world.bob), "peerbot-feedback-direct-")) == 1


@pytest.mark.parametrize("case", ["yourself", "bot", "six people", "too short", "too long", "anonymous with 2",
                                  "no people"])
def test_bad_requests_get_a_clear_answer_and_change_nothing(world, fb, case):
    clock, p = fb
    peers, question, anonymous = [p["dana"], p["eve"], p["finn"]], QUESTION, False
    block, words = ids.FEEDBACK_PEERS, ""
    if case == "yourself":
        peers, words = [world.alice, p["dana"]], "can't ask yourself"
    elif case == "bot":
        peers, words = [p["dana"], p["robo"]], "is a bot"
    elif case == "six people":
        peers, words = [p[n] for n in ("dana", "eve", "finn", "gus", "hal", "ivy")], "at most 5 people"
    elif case == "too short":
        question, block, words = "Thoughts?", ids.FEEDBACK_QUESTION, "at least 10 characters"
    elif case == "too long":
        question, block, words = "x" * 301, ids.FEEDBACK_QUESTION, "300 characters"
    elif case == "anonymous with 2":
        peers, anonymous, block, words = peers[:2], True, ids.FEEDBACK_ANONYMOUS, "at least 3 people"
    else:
        peers, words = [], "at least one person"
    if case == "no people":  # the Slack client refuses an empty required picker: check the rule itself
        assert words in feedback.request_problems(feedback.RequestForm((), QUESTION, "", "", False),
                                                  world.alice)["peers"]
        return
    outcome, errors = request(world, world.alice, peers, question, anonymous=anonymous)
    assert outcome == "errors" and words in errors[block], errors
    with world.deps.db.read() as session:
        assert not session.scalars(select(FeedbackRequest)).all()
    assert not any(world.slack.dms(user) for user in p.values() if user != p["robo"])


def test_at_most_five_requests_a_week(world, fb):
    clock, p = fb
    slack = world.slack
    for n in range(5):
        clock.now = MONDAY + timedelta(hours=n)
        assert request(world, world.alice, [p["dana"]], f"Question number {n} for you?") == ("closed", {})
    before = len(slack.ephemerals(user=world.alice))
    slack.command(world.alice, world.general, "/feedback")
    world.settle()
    assert "5 times in the last 7 days" in slack.ephemerals(user=world.alice)[before]["text"]
    assert slack.modal(world.alice) is None
    clock.now = MONDAY + timedelta(days=7, hours=1)  # a week after the first: one more is fine
    assert request(world, world.alice, [p["dana"]], "And one more question?") == ("closed", {})
    with world.deps.db.read() as session:
        assert len(session.scalars(select(FeedbackRequest)).all()) == 6
