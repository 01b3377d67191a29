"""/ask end to end: what the asker, the channel and the answerer see, and what is stored."""

import json

from sqlalchemy import func, select

from peerbot.blocks import ids
from peerbot.store.models import Answer, KnowledgeItem, Question


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def cards(world, channel=None):
    return [m for m in world.slack.messages(channel or world.general) if m.get("bot_id")]


def ask(world, text, user=None, channel=None):
    delivery = world.slack.command(user or world.alice, channel or world.general, "/ask", text)
    assert delivery.acked
    return delivery


def test_ask_posts_a_card_and_the_accepted_answer_is_saved_and_credited(world):
    slack = world.slack
    ask(world, "How do I rotate the staging database password?")
    card = slack.wait_for(lambda: cards(world) and cards(world)[0])
    assert f"<@{world.alice}> asks" in shown(card)
    assert "rotate the staging database password" in shown(card)

    reply_ts = slack.post(world.bob, world.general, "Run `vault rotate staging-db`, then redeploy.", thread_ts=card["ts"])
    # The asker is told in a DM, with a button to accept.
    notice = slack.wait_for(lambda: slack.dms(world.alice) and slack.dms(world.alice)[-1])
    assert f"<@{world.bob}> answered your question" in shown(notice)

    slack.react(world.alice, world.general, reply_ts, "white_check_mark")
    updated = slack.wait_for(lambda: "Answered" in shown(slack.message(world.general, card["ts"])) and
                             slack.message(world.general, card["ts"]))
    assert f"by <@{world.bob}>" in shown(updated)
    thanks = slack.wait_for(lambda: slack.dms(world.bob) and slack.dms(world.bob)[-1])
    assert "Your answer was accepted" in shown(thanks)

    with world.deps.db.read() as session:
        question = session.scalars(select(Question)).one()
        item = session.scalars(select(KnowledgeItem)).one()
    assert question.status == "answered" and question.answered_at is not None
    assert (item.kind, item.author_id, item.is_public) == ("answer", world.bob, True)
    assert item.title.startswith("How do I rotate")
    assert "vault rotate" in item.text


def test_only_the_asker_accepts_and_a_bystander_check_mark_changes_nothing(world):
    slack = world.slack
    ask(world, "Where is the on-call rota?")
    card = slack.wait_for(lambda: cards(world) and cards(world)[0])
    reply_ts = slack.post(world.bob, world.general, "In PagerDuty.", thread_ts=card["ts"])
    slack.wait_for(lambda: slack.dms(world.alice))
    slack.react(world.carol, world.general, reply_ts, "white_check_mark")
    world.settle()
    with world.deps.db.read() as session:
        assert session.scalars(select(Question.status)).one() == "open"
        assert session.scalar(select(func.count()).select_from(KnowledgeItem)) == 0


def test_empty_ask_opens_the_modal_and_an_anonymous_question_never_shows_the_asker(world):
    slack = world.slack
    ask(world, "", user=world.bob)
    modal = slack.wait_for(lambda: slack.modal(world.bob))
    assert modal["callback_id"] == ids.ASK_MODAL
    outcome = slack.submit_view(world.bob, modal["id"], {
        "question": {"question": "Is it OK to expense a second monitor?"},
        "topic": {"topic": "Expenses"},
        "anonymous": {"anonymous": ["yes"]},
    })
    assert outcome.acked and slack.modal(world.bob) is None
    card = slack.wait_for(lambda: cards(world) and cards(world)[0])
    assert "anonymously" in shown(card) and world.bob not in shown(card)
    assert "expenses" in shown(card)
    # bob is told privately that it went out anonymously.
    slack.wait_for(lambda: any("anonymously" in shown(e) for e in slack.ephemerals(user=world.bob)))

    reply_ts = slack.post(world.alice, world.general, "Yes, up to 200 EUR.", thread_ts=card["ts"])
    notice = slack.wait_for(lambda: slack.dms(world.bob) and slack.dms(world.bob)[-1])
    slack.click(world.bob, ids.ANSWER_ACCEPT, channel=slack.dm_channel(world.bob), ts=notice["ts"])
    slack.wait_for(lambda: "Answered" in shown(slack.message(world.general, card["ts"])))
    # Nothing anyone else can see names bob.
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update") and call.args.get("channel") == world.general:
            assert world.bob not in json.dumps(call.args)
    with world.deps.db.read() as session:
        assert session.scalars(select(Answer.accepted_at)).one() is not None


def test_bad_input_gets_a_clear_answer_and_posts_nothing(world):
    slack = world.slack
    too_long = ask(world, "x" * 3001)
    assert "3,000" in too_long.body
    ask(world, "   ")  # blank opens the modal instead
    slack.wait_for(lambda: slack.modal(world.alice))
    world.settle()
    assert cards(world) == []


def test_ask_where_the_bot_is_not_a_member_explains_how_to_invite_it(world):
    slack = world.slack
    ask(world, "Who owns the billing service?", channel=world.random)
    hint = slack.wait_for(lambda: [e for e in slack.ephemerals(user=world.alice) if "/invite" in shown(e)])
    assert "Who owns the billing service?" in shown(hint[0])  # nothing is lost
    with world.deps.db.read() as session:
        assert session.scalars(select(Question.status)).one() == "pending"


def test_user_text_is_escaped_and_payload_works(world):
    ask(world, "<!channel> what is a payload & why <https://evil.example|docs>?")
    card = world.slack.wait_for(lambda: cards(world) and cards(world)[0])
    text = shown(card)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example|docs>" not in text


def test_same_question_again_suggests_the_saved_answer_first(world):
    slack = world.slack
    ask(world, "How do I rotate the staging database password?")
    card = slack.wait_for(lambda: cards(world) and cards(world)[0])
    reply_ts = slack.post(world.bob, world.general, "vault rotate staging-db", thread_ts=card["ts"])
    slack.wait_for(lambda: slack.dms(world.alice))
    slack.react(world.alice, world.general, reply_ts, "white_check_mark")
    slack.wait_for(lambda: "Answered" in shown(slack.message(world.general, card["ts"])))

    ask(world, "how to rotate the staging database password", user=world.carol)
    suggestion = slack.wait_for(lambda: [e for e in slack.ephemerals(user=world.carol) if "may already answer" in shown(e)])
    assert len(cards(world)) == 1
    # Double-clicking "Post my question anyway" posts once.
    slack.click(world.carol, ids.ASK_ANYWAY, ephemeral=suggestion[0])
    slack.click(world.carol, ids.ASK_ANYWAY, ephemeral=suggestion[0])
    world.settle()
    assert len(cards(world)) == 2


def test_plus_one_counts_each_person_once(world):
    slack = world.slack
    ask(world, "Is there a style guide for SQL?")
    card = slack.wait_for(lambda: cards(world) and cards(world)[0])
    for user in (world.bob, world.bob, world.carol):
        slack.click(user, ids.QUESTION_VOTE, channel=world.general, ts=card["ts"])
    world.settle()
    assert "I have this question too (2)" in shown(slack.message(world.general, card["ts"]))


def test_a_rate_limited_post_is_retried_after_retry_after_and_posted_once(world):
    slack = world.slack
    slack.fail_next("chat.postMessage", times=1, status=429, retry_after=1)
    ask(world, "Which linter config do we share?")
    world.settle()
    posts = slack.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [429, 200]
    assert len(cards(world)) == 1


def test_a_slack_server_error_is_retried_and_posted_once(world):
    slack = world.slack
    slack.fail_next("chat.postMessage", times=1, status=500)
    ask(world, "Who reviews database migrations?")
    world.settle()
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500, 200]
    assert len(cards(world)) == 1
