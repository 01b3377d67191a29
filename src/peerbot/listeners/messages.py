"""Message and reaction events: answers in question threads, edits and
deletes of saved messages, :bookmark: saves and :white_check_mark: accepts."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from peerbot.blocks.text import unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack, once_per_event
from peerbot.question_flow import QuestionFlow
from peerbot.services import experts, knowledge, questions, subscriptions
from peerbot.slack_api import fetch_message, permalink, privacy_of
from peerbot.store.models import PUBLIC

logger = logging.getLogger("peerbot")



def base_emoji(name: str) -> str:
    """`thumbsup::skin-tone-2` → `thumbsup`."""
    return name.split("::", 1)[0]


def register(app: App, deps: Deps) -> None:
    flow = QuestionFlow(deps)

    def on_message(body: dict, event: dict) -> None:
        subtype = event.get("subtype")
        team_id = body["team_id"]
        if subtype == "message_changed":
            edited = event.get("message", {})
            text = unescape(edited.get("text", ""))
            with deps.db.begin() as session:
                knowledge.update_text(session, team_id=team_id, channel_id=event["channel"],
                                      message_ts=edited["ts"], text=text, now=deps.clock())
                questions.update_answer_text(session, team_id, event["channel"], edited["ts"], text)
        elif subtype == "message_deleted":
            with deps.db.begin() as session:
                knowledge.forget(session, team_id=team_id, channel_id=event["channel"], message_ts=event["deleted_ts"])
        elif subtype in (None, "thread_broadcast") and event.get("thread_ts") not in (None, event.get("ts")):
            if event.get("bot_id") or not event.get("user"):
                return
            reply = dict(team_id=team_id, channel_id=event["channel"], thread_ts=event["thread_ts"],
                         ts=event["ts"], author_id=event["user"], text=unescape(event.get("text", "")))
            # In a daily prompt's thread a reply may be a new question; elsewhere it may answer one.
            if not flow.prompt_reply(**reply):
                flow.record_answer(**reply)

    # Every message event is acknowledged (Slack counts a 404 as a failure);
    # only the ones above do anything.
    app.event("message")(ack=ack_only, lazy=[after_ack(once_per_event(deps, on_message))])

    def reaction_emoji(team_id: str, channel_id: str) -> tuple[str, str]:
        """The save and accept reactions: :bookmark: and :white_check_mark:
        unless the channel chose others in /peerbot settings."""
        with deps.db.read() as session:
            return subscriptions.reaction_emoji(session, team_id, channel_id)

    def on_reaction_added(body: dict, event: dict, client: WebClient) -> None:
        item = event.get("item", {})
        if item.get("type") != "message":
            return
        emoji = base_emoji(event["reaction"])
        save_emoji, accept_emoji = reaction_emoji(body["team_id"], item["channel"])
        if emoji == save_emoji:
            save_reacted(client, body["team_id"], item["channel"], item["ts"], event["user"])
        elif emoji == accept_emoji:
            flow.accept_by_reaction(body["team_id"], item["channel"], item["ts"], event["user"])

    def save_reacted(client: WebClient, team_id: str, channel_id: str, ts: str, user_id: str) -> None:
        now = deps.clock()
        is_public = privacy_of(client, deps.db, team_id, channel_id, now) == PUBLIC
        with deps.db.read() as session:
            known = knowledge.find(session, team_id=team_id, channel_id=channel_id, message_ts=ts)
        if known is not None:
            # Already saved by someone else: only this person's save is new,
            # so Slack need not be asked for the message again.
            text, author_id, link = known.text, known.author_id, known.permalink
        else:
            message = fetch_message(client, channel_id, ts)
            if message is None:
                return
            text, author_id = unescape(message.get("text", "")), message.get("user")
            link = permalink(client, channel_id, ts)
        with deps.db.begin() as session:
            result = knowledge.save(
                session,
                knowledge.MessageToSave(
                    team_id=team_id, channel_id=channel_id, message_ts=ts, is_public=is_public,
                    text=text, author_id=author_id, permalink=link,
                ),
                saved_by=user_id, via="reaction", now=now,
            )
            score = result.item.score
            if result.counted:  # a new save by this person: credit the answer's author, once
                credit_answer(session, team_id, channel_id, ts, user_id, experts.BOOKMARK_POINTS)
        if result.counted:
            others = f" ({score} people saved it)" if score > 1 else ""
            client.chat_postEphemeral(channel=channel_id, user=user_id,
                                      text=f":bookmark: Saved to the knowledge base{others}. Find it with `/kb`.")

    app.event("reaction_added")(ack=ack_only, lazy=[after_ack(once_per_event(deps, on_reaction_added))])

    def on_reaction_removed(body: dict, event: dict) -> None:
        item = event.get("item", {})
        if item.get("type") != "message":
            return
        save_emoji, _accept = reaction_emoji(body["team_id"], item["channel"])
        if base_emoji(event["reaction"]) != save_emoji:
            return
        with deps.db.begin() as session:
            if knowledge.unsave(session, team_id=body["team_id"], channel_id=item["channel"],
                                message_ts=item["ts"], user_id=event["user"], via="reaction"):
                credit_answer(session, body["team_id"], item["channel"], item["ts"], event["user"],
                              -experts.BOOKMARK_POINTS)

    def credit_answer(session, team_id: str, channel_id: str, ts: str, saver_id: str, points: int) -> None:
        """A bookmark on a recorded answer to a question with a topic is earned
        expertise for its author (not for bookmarking your own answer)."""
        answer = questions.answer_at(session, team_id, channel_id, ts)
        if answer is None or answer.author_id == saver_id or answer.question.topic_id is None:
            return
        experts.earn(session, team_id=team_id, user_id=answer.author_id, topic_id=answer.question.topic_id,
                     points=points, now=deps.clock())

    app.event("reaction_removed")(ack=ack_only, lazy=[after_ack(once_per_event(deps, on_reaction_removed))])
