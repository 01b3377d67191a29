""":bookmark: reactions save messages once, follow edits and deletes, and retries change nothing."""

from sqlalchemy import select

from peerbot.store.models import KnowledgeItem, KnowledgeSave, ProcessedEvent


def items(world):
    with world.deps.db.read() as session:
        return list(session.scalars(select(KnowledgeItem).order_by(KnowledgeItem.id)))


def test_bookmarks_save_once_and_count_people(world):
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Tip: `git rebase -i` lets you squash <fixups> & more")
    for user in (world.alice, world.carol):
        slack.react(user, world.general, ts, "bookmark")
    world.settle()
    [item] = items(world)
    assert (item.score, item.author_id, item.is_public, item.kind) == (2, world.bob, True, "message")
    assert item.text == "Tip: `git rebase -i` lets you squash <fixups> & more"  # stored as typed
    assert item.permalink and item.permalink.endswith(ts.replace(".", ""))

    slack.unreact(world.carol, world.general, ts, "bookmark")
    world.settle()
    assert [i.score for i in items(world)] == [1]


def test_a_bookmarked_thread_reply_is_saved_with_its_own_text(world):
    slack = world.slack
    parent = slack.post(world.alice, world.general, "Which VPN client do we use?")
    reply = slack.post(world.bob, world.general, "WireGuard, config in the IT wiki", thread_ts=parent)
    slack.react(world.carol, world.general, reply, "bookmark")
    world.settle()
    [item] = items(world)
    assert (item.message_ts, item.text) == (reply, "WireGuard, config in the IT wiki")


def test_private_channel_saves_are_marked_private_from_conversations_info(world):
    slack = world.slack
    ts = slack.post(world.alice, world.secret, "The launch date is 3 March")
    slack.react(world.bob, world.secret, ts, "bookmark")
    world.settle()
    [item] = items(world)
    assert world.secret.startswith("C") and item.is_public is False


def test_edits_update_and_deletes_remove_the_saved_copy(world):
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Standup is at 9:30")
    slack.react(world.alice, world.general, ts, "bookmark")
    world.settle()
    slack.edit(world.bob, world.general, ts, "Standup is at 9:45")
    world.settle()
    assert [i.text for i in items(world)] == ["Standup is at 9:45"]
    slack.delete(world.bob, world.general, ts)
    world.settle()
    assert items(world) == []


def test_a_retried_event_is_acknowledged_and_ignored(world):
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Use the staging VPN profile")
    event = {"type": "reaction_added", "user": world.alice, "reaction": "bookmark", "item_user": world.bob,
             "item": {"type": "message", "channel": world.general, "ts": ts}, "event_ts": ts}
    first = slack.deliver_event(event, event_id="Ev0RETRY1")
    again = slack.deliver_event(event, event_id="Ev0RETRY1")
    assert first.acked and again.acked
    world.settle()
    with world.deps.db.read() as session:
        assert len(list(session.scalars(select(KnowledgeSave)))) == 1
        assert session.get(ProcessedEvent, "Ev0RETRY1") is not None
    assert [i.score for i in items(world)] == [1]


def test_a_channel_can_choose_its_own_save_emoji(world):
    from datetime import datetime, timezone

    from peerbot.services.conversations import ensure_workspace
    from peerbot.store.models import ChannelSettings

    now = datetime.now(timezone.utc)
    with world.deps.db.begin() as session:
        ensure_workspace(session, world.slack.team_id, now)
        session.add(ChannelSettings(team_id=world.slack.team_id, channel_id=world.general, save_emoji="star",
                                    created_at=now, updated_at=now))
    slack = world.slack
    ts = slack.post(world.bob, world.general, "Deploys freeze on Fridays after 15:00")
    slack.react(world.alice, world.general, ts, "bookmark")
    world.settle()
    assert items(world) == []
    slack.react(world.alice, world.general, ts, "star")
    world.settle()
    assert [i.text for i in items(world)] == ["Deploys freeze on Fridays after 15:00"]
