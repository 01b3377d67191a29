"""/kb, /tip and the "Save to knowledge base" shortcut end to end: what people
see in the sandbox and what the database holds.

(Named test_knowledge_base.py: tests/services/test_knowledge.py already owns
the module name test_knowledge, and the test folders are not packages.)"""

import json

from sqlalchemy import select

from peerbot.blocks import ids
from peerbot.store.models import KnowledgeItem, KnowledgeSave, ProcessedEvent, Topic


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def items(world):
    with world.deps.db.read() as session:
        return list(session.scalars(select(KnowledgeItem).order_by(KnowledgeItem.id)))


def saves(world):
    with world.deps.db.read() as session:
        return [(s.user_id, s.via) for s in session.scalars(select(KnowledgeSave).order_by(KnowledgeSave.user_id))]


def bot_posts(world, channel):
    return [m for m in world.slack.messages(channel) if m.get("bot_id")]


def kb(world, user, channel, query=""):
    """Run /kb and return what the caller was shown afterwards (only to them)."""
    slack = world.slack
    before = len(slack.ephemerals(user=user))
    delivery = slack.command(user, channel, "/kb", query)
    assert delivery.acked and delivery.status == 200
    answer = slack.wait_for(lambda: slack.ephemerals(user=user)[before:])
    world.settle()
    [answer] = slack.ephemerals(user=user)[before:]
    assert answer["channel"] == channel
    return answer


def bookmark(world, author, channel, text, savers):
    ts = world.slack.post(author, channel, text)
    for user in savers:
        world.slack.react(user, channel, ts, "bookmark")
    world.settle()
    return ts


# ---- /kb ---------------------------------------------------------------------------------------

def test_kb_finds_a_bookmarked_public_message_from_another_channel(world):
    slack = world.slack
    dev = slack.add_channel("dev", members=[world.alice, world.bob, world.carol])
    ts = bookmark(world, world.bob, world.general, "Squash fixups with `git rebase -i --autosquash`", [world.alice])

    answer = kb(world, world.carol, dev, "rebase autosquash")
    text = shown(answer)
    assert "git rebase -i --autosquash" in text
    assert f"by <@{world.bob}>" in text
    assert "<!date^" in text and "{date_short}" in text
    assert ":bookmark: 1 save" in text
    [item] = items(world)
    assert item.permalink and f"<{item.permalink}|" in text and item.permalink.endswith(ts.replace(".", ""))
    # Only carol saw it; nothing was posted anywhere.
    assert bot_posts(world, dev) == [] and bot_posts(world, world.general) == []
    assert not any("results" in shown(e) for e in slack.ephemerals(user=world.alice))


def test_kb_keeps_private_channel_items_inside_that_channel(world):
    bookmark(world, world.alice, world.secret, "The launch codename is BLUEBIRD", [world.bob])

    elsewhere = kb(world, world.alice, world.general, "launch codename")
    assert "BLUEBIRD" not in shown(elsewhere)
    assert "/ask launch codename" in shown(elsewhere)

    inside = kb(world, world.alice, world.secret, "launch codename")
    assert "BLUEBIRD" in shown(inside)


def test_kb_without_results_suggests_asking(world):
    answer = kb(world, world.alice, world.general, "kubernetes ingress timeouts")
    assert "Nothing in the knowledge base matches" in shown(answer)
    assert "`/ask kubernetes ingress timeouts`" in shown(answer)


def test_kb_alone_lists_the_most_useful_items_visible_there(world):
    bookmark(world, world.bob, world.general, "Expenses go through Pleo, receipts within 30 days", [world.alice])
    bookmark(world, world.alice, world.general, "The VPN profile is in the IT wiki", [world.bob, world.carol])
    bookmark(world, world.alice, world.secret, "Board meeting notes live in the leads drive",
             [world.bob, world.alice])

    answer = shown(kb(world, world.carol, world.general))
    assert "Most useful" in answer
    assert answer.index("VPN profile") < answer.index("Pleo")  # 2 saves before 1
    assert "Board meeting" not in answer  # private to #team-secret


def test_kb_query_with_search_operators_quotes_and_mentions_is_safe_and_escaped(world):
    bookmark(world, world.bob, world.general, "Rebase onto main before you merge", [world.alice])
    answer = shown(kb(world, world.carol, world.general, 'rebase" OR NEAR( * -main <!channel> & <@U0X|x>'))
    assert "Rebase onto main" in answer
    assert "<!channel>" not in answer and "&lt;!channel&gt;" in answer
    assert "<@U0X|x>" not in answer and "&amp;" in answer


def test_kb_query_mentioning_payload_is_searched_not_mistaken_for_a_button(world):
    bookmark(world, world.bob, world.general, "The webhook payload schema is in the API docs", [world.alice])
    assert "webhook payload schema" in shown(kb(world, world.carol, world.general, "payload schema"))


# ---- /tip --------------------------------------------------------------------------------------

def test_tip_is_posted_credited_once_and_found_with_kb(world):
    slack = world.slack
    delivery = slack.command(world.alice, world.general, "/tip", "Press ctrl+k to jump <anywhere> & fast <!channel>")
    assert delivery.acked
    world.settle()
    [post] = bot_posts(world, world.general)
    text = shown(post)
    assert f":bulb: *Tip from <@{world.alice}>*" in text
    assert "&lt;anywhere&gt; &amp; fast &lt;!channel&gt;" in text and "<!channel>" not in text

    [item] = items(world)
    assert (item.kind, item.author_id, item.saved_by, item.score, item.is_public) == ("tip", world.alice, world.alice,
                                                                                       1, True)
    assert item.message_ts == post["ts"] and item.text == "Press ctrl+k to jump <anywhere> & fast <!channel>"
    assert item.permalink
    assert saves(world) == [(world.alice, "tip")]
    assert any("Thanks for sharing" in shown(e) for e in slack.ephemerals(user=world.alice))

    found = shown(kb(world, world.bob, world.general, "ctrl jump"))
    assert "Press ctrl+k to jump" in found and ":bulb: tip" in found


def test_a_command_delivered_twice_posts_and_saves_the_tip_once(http_world):
    world = http_world  # re-sends the same signed HTTP body
    slack = world.slack
    first = slack.command(world.bob, world.general, "/tip", "Rotate your API keys every 90 days")
    again = slack.deliver_raw(first.body_sent, "application/x-www-form-urlencoded")  # same trigger_id
    assert first.acked and again.status == 200
    world.settle()
    assert len(bot_posts(world, world.general)) == 1
    assert [(i.kind, i.score) for i in items(world)] == [("tip", 1)]


def test_tip_where_the_bot_is_not_a_member_explains_and_gives_the_text_back(world):
    slack = world.slack
    slack.command(world.alice, world.random, "/tip", "Standups are async on Fridays")
    world.settle()
    [hint] = [e for e in slack.ephemerals(user=world.alice) if "/invite" in shown(e)]
    assert "Standups are async on Fridays" in shown(hint)  # nothing is lost
    assert slack.messages(world.random) == []
    assert items(world) == []
    with world.deps.db.read() as session:
        assert list(session.scalars(select(ProcessedEvent))) == []  # a later try is not blocked


def test_tip_too_long_or_help_gets_a_clear_answer_and_posts_nothing(world):
    slack = world.slack
    too_long = slack.command(world.alice, world.general, "/tip", "x" * 3001)
    assert "3,000" in too_long.body and "3,001" in too_long.body
    usage = slack.command(world.alice, world.general, "/tip", "help")
    assert "/tip your tip" in usage.body
    world.settle()
    assert bot_posts(world, world.general) == [] and items(world) == []


def test_tip_alone_opens_a_form_and_the_submitted_tip_is_posted_and_saved(world):
    slack = world.slack
    slack.command(world.bob, world.general, "/tip", "")
    modal = slack.wait_for(lambda: slack.modal(world.bob))
    assert modal["callback_id"] == ids.TIP_MODAL
    outcome = slack.submit_view(world.bob, modal["id"], {
        "tip": {"tip": "Use `make dev` to start everything locally"},
        "topic": {"topic": "Onboarding"},
    })
    assert outcome.acked and slack.modal(world.bob) is None
    world.settle()
    [post] = bot_posts(world, world.general)
    assert f"Tip from <@{world.bob}>" in shown(post) and "make dev" in shown(post)
    [item] = items(world)
    assert (item.kind, item.author_id, item.message_ts) == ("tip", world.bob, post["ts"])
    with world.deps.db.read() as session:
        assert session.get(Topic, item.topic_id).name == "onboarding"


def test_tip_form_that_cannot_open_in_time_is_explained(world):
    slack = world.slack
    slack.fail_next("views.open", error="expired_trigger_id")
    slack.command(world.bob, world.general, "/tip", "")
    world.settle()
    [told] = slack.ephemerals(user=world.bob)
    assert "too long to open the form" in shown(told) and "/tip your tip" in shown(told)


def test_share_a_tip_from_app_home_asks_for_the_channel(world):
    slack = world.slack
    slack.open_home(world.carol)
    home = slack.wait_for(lambda: slack.home(world.carol))
    slack.click(world.carol, ids.HOME_TIP, view_id=home["id"])
    modal = slack.wait_for(lambda: slack.modal(world.carol))
    assert modal["callback_id"] == ids.TIP_MODAL
    slack.submit_view(world.carol, modal["id"], {
        "channel": {"channel": world.general},
        "tip": {"tip": "Lunch & learn is on Thursdays"},
    })
    world.settle()
    [post] = bot_posts(world, world.general)
    assert "Lunch &amp; learn" in shown(post)
    assert [(i.kind, i.channel_id) for i in items(world)] == [("tip", world.general)]


# ---- the "Save to knowledge base" shortcut --------------------------------------------------------

def save_via_shortcut(world, user, channel, ts, values):
    slack = world.slack
    assert slack.message_shortcut(user, channel, ts, ids.SAVE_TO_KB).acked
    modal = slack.wait_for(lambda: slack.modal(user))
    assert modal["callback_id"] == ids.SAVE_MODAL
    return modal, slack.submit_view(user, modal["id"], values)


def test_shortcut_saves_with_chosen_title_and_topic_after_inline_errors(world):
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Deploys freeze at 16:00 on Fridays <!channel>\nAsk #releases for exceptions")
    slack.message_shortcut(world.alice, world.general, ts, ids.SAVE_TO_KB)
    modal = slack.wait_for(lambda: slack.modal(world.alice))
    assert modal["callback_id"] == ids.SAVE_MODAL
    title_input = next(b for b in modal["blocks"] if b.get("block_id") == "title")
    assert title_input["element"]["initial_value"].startswith("Deploys freeze at 16:00 on Fridays")
    preview = modal["blocks"][0]["text"]["text"]  # mrkdwn: the typed text is shown, escaped, never a ping
    assert "&lt;!channel&gt;" in preview and "<!channel>" not in preview

    blank = slack.submit_view(world.alice, modal["id"], {"title": {"title": "   "}})
    assert blank.outcome == "errors"
    assert "title" in slack.modal(world.alice)["errors"]  # the form stays open, with the error inline
    too_long = slack.submit_view(world.alice, modal["id"], {"title": {"title": "t" * 151}})
    assert too_long.outcome == "errors" and "150" in slack.modal(world.alice)["errors"]["title"]
    assert items(world) == []

    # The saved text is what Slack holds at submit time, not what the form showed.
    slack.edit(world.bob, world.general, ts, "Deploys freeze at 15:00 on Fridays")
    done = slack.submit_view(world.alice, modal["id"], {"title": {"title": "Deploy freeze"},
                                                         "topic": {"topic": "Releases"}})
    assert done.outcome == "closed"
    world.settle()
    [item] = items(world)
    assert (item.title, item.text, item.author_id, item.kind) == ("Deploy freeze", "Deploys freeze at 15:00 on Fridays",
                                                                  world.bob, "message")
    assert item.permalink and item.is_public
    with world.deps.db.read() as session:
        assert session.get(Topic, item.topic_id).name == "releases"
    assert saves(world) == [(world.alice, "shortcut")]
    assert any("Saved *Deploy freeze*" in shown(e) for e in slack.ephemerals(user=world.alice))


def test_a_second_person_saving_the_same_message_raises_its_score(world):
    slack = world.slack
    ts = slack.post(world.carol, world.general, "Interview loop guide: see the hiring handbook")
    save_via_shortcut(world, world.alice, world.general, ts, {"title": {"title": "Interview loop guide"}})
    world.settle()
    save_via_shortcut(world, world.bob, world.general, ts, {"title": {"title": "Hiring"}})
    world.settle()
    [item] = items(world)
    assert item.score == 2 and item.title == "Interview loop guide"  # a chosen title is kept
    assert saves(world) == sorted([(world.alice, "shortcut"), (world.bob, "shortcut")])
    assert any("2 people saved it" in shown(e) for e in slack.ephemerals(user=world.bob))

    # Saving again changes nothing.
    save_via_shortcut(world, world.bob, world.general, ts, {"title": {"title": "Hiring"}})
    world.settle()
    assert [i.score for i in items(world)] == [2]
    assert any("already saved" in shown(e) for e in slack.ephemerals(user=world.bob))


def test_shortcut_in_a_channel_the_bot_cannot_read_explains_by_dm(world):
    slack = world.slack
    ts = slack.post(world.bob, world.random, "Random but useful")
    save_via_shortcut(world, world.alice, world.random, ts, {"title": {"title": "Useful"}})
    world.settle()
    assert items(world) == []
    told = slack.wait_for(lambda: slack.dms(world.alice))
    assert "/invite" in shown(told[-1])
