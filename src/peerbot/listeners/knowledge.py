"""The knowledge base in Slack: /kb, /tip (command, modal, Home button) and
the "Save to knowledge base" message shortcut with its modal.

Acks are pure (validate, answer); the database and the Web API are used in
the lazy functions Bolt runs right after the ack, and Slack is called
between transactions, never inside one. Where a form opens, views.open is
the first Web API call: the trigger lasts about three seconds."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import ids
from peerbot.blocks.knowledge import (
    MAX_TOPIC_LENGTH,
    TIP_USAGE,
    Entry,
    kb_most_useful,
    kb_results,
    save_errors,
    save_modal,
    saved_notice,
    tip_error,
    tip_failed,
    tip_message,
    tip_modal,
)
from peerbot.blocks.text import unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.services import events, knowledge, metrics, topics
from peerbot.slack_api import dm_channel, error_hint, fetch_message, permalink, privacy_of
from peerbot.store.models import PUBLIC, KnowledgeItem

logger = logging.getLogger("peerbot")

Say = Callable[..., object]  # Bolt's respond(), or a fallback: ephemeral in the channel, else a DM
RECENT = timedelta(days=90)  # "most useful lately" for /kb with no query


def register(app: App, deps: Deps) -> None:
    kb = KnowledgeFlow(deps)

    # ---- /kb ---------------------------------------------------------------------------------

    def ack_kb(ack: Ack) -> None:
        ack()  # the answer follows through response_url, after the search

    @after_ack
    def handle_kb(command: dict, respond: Respond) -> None:
        query = unescape(command.get("text", "")).strip()
        respond(response_type="ephemeral", **kb.answer(command["team_id"], command["channel_id"], query,
                                                          user_id=command["user_id"]))

    app.command("/kb")(ack=ack_kb, lazy=[handle_kb])

    # ---- /tip --------------------------------------------------------------------------------

    def ack_tip(ack: Ack, command: dict) -> None:
        text = unescape(command.get("text", ""))
        if _is_help(text):
            ack(text=TIP_USAGE)
            return
        error = tip_error(text) if text.strip() else None  # blank opens the form
        ack(text=error) if error else ack()

    @after_ack
    def handle_tip(command: dict, client: WebClient, respond: Respond) -> None:
        text = unescape(command.get("text", ""))
        if not text.strip():
            kb.open_tip_modal(client, command["trigger_id"], command["channel_id"], respond)
            return
        if _is_help(text) or tip_error(text):
            return
        kb.share_tip(team_id=command["team_id"], channel_id=command["channel_id"], user_id=command["user_id"],
                     text=text, topic=None, request_key=f"tip:{command['trigger_id']}", say=respond)

    app.command("/tip")(ack=ack_tip, lazy=[handle_tip])

    @after_ack
    def home_tip(body: dict, client: WebClient) -> None:
        kb.open_tip_modal(client, body["trigger_id"], None, kb.dm_say(body["user"]["id"]))

    app.action(ids.HOME_TIP)(ack=ack_only, lazy=[home_tip])

    def ack_tip_modal(ack: Ack, view: dict) -> None:
        form = _tip_form(view)
        errors = {}
        if error := tip_error(form["text"]):
            errors["tip"] = error if len(form["text"]) > 3000 else "Write your tip here."
        if not form["channel"]:
            errors["channel"] = "Pick the channel to share it in."
        if len(form["topic"]) > MAX_TOPIC_LENGTH:
            errors["topic"] = f"Keep the topic to {MAX_TOPIC_LENGTH} characters."
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def handle_tip_modal(view: dict, body: dict) -> None:
        form = _tip_form(view)
        if tip_error(form["text"]) or not form["channel"] or len(form["topic"]) > MAX_TOPIC_LENGTH:
            return
        user_id = body["user"]["id"]
        kb.share_tip(team_id=body["team"]["id"], channel_id=form["channel"], user_id=user_id, text=form["text"],
                     topic=form["topic"] or None, request_key=f"tip:{view['id']}",
                     say=kb.ephemeral_or_dm(form["channel"], user_id))

    app.view(ids.TIP_MODAL)(ack=ack_tip_modal, lazy=[handle_tip_modal])

    # ---- the "Save to knowledge base" message shortcut -----------------------------------------

    @after_ack
    def open_save(shortcut: dict, client: WebClient, respond: Respond) -> None:
        message = shortcut.get("message") or {}
        text = message.get("text", "")
        view = save_modal(
            channel_id=shortcut["channel"]["id"], message_ts=shortcut["message_ts"], author_id=message.get("user"),
            text=knowledge.readable(text), title=knowledge.title_from(text),
        )
        try:
            client.views_open(trigger_id=shortcut["trigger_id"], view=view)
        except SlackApiError as error:
            code = error.response.get("error")
            respond(response_type="ephemeral", replace_original=False,
                    text=(error_hint(code) or f"I couldn't open the form (`{code}`).")
                    + " You can also save a message by reacting to it with :bookmark:.")

    app.shortcut(ids.SAVE_TO_KB)(ack=ack_only, lazy=[open_save])

    def ack_save(ack: Ack, view: dict) -> None:
        form = _save_form(view)
        errors = save_errors(form["title"], form["topic"])
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def handle_save(view: dict, body: dict, client: WebClient) -> None:
        form = _save_form(view)
        if save_errors(form["title"], form["topic"]):
            return
        metadata = json.loads(view.get("private_metadata") or "{}")
        kb.save_message(client, team_id=body["team"]["id"], user_id=body["user"]["id"],
                        channel_id=metadata["channel"], ts=metadata["ts"], fallback_author=metadata.get("author"),
                        title=form["title"].strip(), topic=form["topic"].strip() or None)

    app.view(ids.SAVE_MODAL)(ack=ack_save, lazy=[handle_save])


def _is_help(text: str) -> bool:
    return text.strip().lower() in ("help", "?")


def _tip_form(view: dict) -> dict:
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    channel = metadata.get("channel") or values.get("channel", {}).get("channel", {}).get("selected_conversation")
    return {
        "text": values["tip"]["tip"].get("value") or "",
        "topic": (values.get("topic", {}).get("topic", {}).get("value") or "").strip(),
        "channel": channel,
    }


def _save_form(view: dict) -> dict:
    values = view["state"]["values"]
    return {
        "title": values["title"]["title"].get("value") or "",
        "topic": values.get("topic", {}).get("topic", {}).get("value") or "",
    }


def entry_of(item: KnowledgeItem, snippet: str | None = None) -> Entry:
    """What a reader sees of an item; `snippet` from a search hit, else the start of its text."""
    return Entry(
        title=item.title or knowledge.title_from(item.text),
        snippet=snippet if snippet is not None else knowledge.readable(item.text),
        author_id=item.author_id,
        posted_at=_posted_at(item),
        score=item.score,
        link=item.permalink,
        kind=item.kind,
    )


def _posted_at(item: KnowledgeItem) -> datetime:
    """When the message was posted (its ts), or when it was saved."""
    try:
        return datetime.fromtimestamp(float(item.message_ts), tz=timezone.utc)
    except (TypeError, ValueError):
        return item.created_at


class KnowledgeFlow:
    def __init__(self, deps: Deps):
        self.deps = deps
        self.db = deps.db
        self.client = deps.client

    # ---- /kb -------------------------------------------------------------------------------------

    def answer(self, team_id: str, channel_id: str, query: str, user_id: str | None = None) -> dict:
        """/kb's answer, with what this channel may see: public items plus its own."""
        if query:
            with self.db.read() as session:
                found = knowledge.search(session, team_id=team_id, channel_id=channel_id, query=query, limit=5)
                reply = kb_results(query, [entry_of(item, hit.snippet) for item, hit in found])
            if user_id is not None:  # counted for the dashboard (the query text is not kept)
                with self.db.begin() as session:
                    metrics.record_search(session, team_id=team_id, channel_id=channel_id, user_id=user_id,
                                          query=query, results=len(found), now=self.deps.clock())
            return reply
        with self.db.read() as session:
            items = knowledge.most_useful(session, team_id=team_id, channel_id=channel_id, limit=5,
                                          since=self.deps.clock() - RECENT)
            if not items:  # a quiet workspace: the best of all time
                items = knowledge.most_useful(session, team_id=team_id, channel_id=channel_id, limit=5)
            return kb_most_useful([entry_of(item) for item in items])

    # ---- tips -----------------------------------------------------------------------------------

    def open_tip_modal(self, client: WebClient, trigger_id: str, channel_id: str | None, say: Say) -> None:
        # views.open first: the trigger is only good for ~3 seconds.
        try:
            client.views_open(trigger_id=trigger_id, view=tip_modal(channel_id))
        except SlackApiError as error:
            code = error.response.get("error")
            say(response_type="ephemeral", replace_original=False,
                text=(error_hint(code) or f"I couldn't open the form (`{code}`).")
                + " You can also share a tip directly: `/tip your tip`.")

    def share_tip(self, *, team_id: str, channel_id: str, user_id: str, text: str, topic: str | None,
                  request_key: str, say: Say) -> None:
        """Post the tip, credited, then save it: once per request (a command's
        trigger, a form submission), however often it is delivered."""
        now = self.deps.clock()
        with self.db.begin() as session:
            if not events.claim(session, team_id, request_key, now):
                return
        try:
            posted = self.client.chat_postMessage(channel=channel_id, **tip_message(user_id, text))
        except SlackApiError as error:
            with self.db.begin() as session:
                events.release(session, request_key)  # nothing was posted; a new try may post
            code = error.response.get("error")
            say(response_type="ephemeral", replace_original=False,
                **tip_failed(error_hint(code) or f"Slack said `{code}`.", text))
            return
        ts = posted["ts"]
        link = permalink(self.client, channel_id, ts)
        is_public = privacy_of(self.client, self.db, team_id, channel_id, now) == PUBLIC
        with self.db.begin() as session:
            topic_row = topics.get_or_create(session, team_id, topic, now) if topic else None
            knowledge.save(
                session,
                knowledge.MessageToSave(
                    team_id=team_id, channel_id=channel_id, message_ts=ts, is_public=is_public, text=text.strip(),
                    author_id=user_id, permalink=link, kind=knowledge.TIP, title=knowledge.title_from(text),
                    topic_id=topic_row.id if topic_row else None,
                ),
                saved_by=user_id, via="tip", now=now,
            )
        say(response_type="ephemeral", replace_original=False,
            text=":bulb: Thanks for sharing! Your tip is saved to the knowledge base; anyone can find it with `/kb`.")

    # ---- saving a message -------------------------------------------------------------------------

    def save_message(self, client: WebClient, *, team_id: str, user_id: str, channel_id: str, ts: str,
                     fallback_author: str | None, title: str, topic: str | None) -> None:
        say = self.ephemeral_or_dm(channel_id, user_id)
        # Slack reads first, outside any transaction; the saved text is what Slack holds now.
        try:
            message = fetch_message(client, channel_id, ts)
        except SlackApiError as error:
            code = error.response.get("error")
            say(text=f"I couldn't read that message, so it is not saved. {error_hint(code) or f'Slack said `{code}`.'}")
            return
        if message is None:
            say(text="That message was deleted, so there is nothing to save.")
            return
        now = self.deps.clock()
        is_public = privacy_of(client, self.db, team_id, channel_id, now) == PUBLIC
        link = permalink(client, channel_id, ts)
        with self.db.begin() as session:
            topic_row = topics.get_or_create(session, team_id, topic, now) if topic else None
            result = knowledge.save(
                session,
                knowledge.MessageToSave(
                    team_id=team_id, channel_id=channel_id, message_ts=ts, is_public=is_public,
                    text=unescape(message.get("text", "")), author_id=message.get("user") or fallback_author,
                    permalink=link, kind=knowledge.MESSAGE, title=title,
                    topic_id=topic_row.id if topic_row else None,
                ),
                saved_by=user_id, via="shortcut", now=now,
            )
            notice = saved_notice(result.item.title, result.item.score, counted=result.counted)
        say(text=notice)

    # ---- talking to people ------------------------------------------------------------------------

    def ephemeral_or_dm(self, channel_id: str, user_id: str) -> Say:
        """Without a response_url (a form), reach the person in the channel,
        or by DM when the bot cannot post there."""

        def say(text: str = "", blocks: list | None = None, **_ignored) -> None:
            try:
                self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            except SlackApiError:
                self.client.chat_postMessage(channel=dm_channel(self.client, user_id), text=text, blocks=blocks)

        return say

    def dm_say(self, user_id: str) -> Say:
        def say(text: str = "", blocks: list | None = None, **_ignored) -> None:
            self.client.chat_postMessage(channel=dm_channel(self.client, user_id), text=text, blocks=blocks)

        return say
