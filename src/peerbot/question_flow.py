"""The steps of a question's life that talk to Slack, shared by every surface
that starts them (/ask, the modal, buttons, reactions, thread replies) and by
the scheduled jobs (routing, escalation, prompts).

Database work happens in short transactions; Slack is called between them,
never inside one (SQLite holds its write lock for the whole transaction)."""

from __future__ import annotations

import logging
import time
from typing import Callable

from slack_sdk.errors import SlackApiError

from peerbot.blocks.experts import escalation_dm, routing_message
from peerbot.blocks.questions import (
    Card,
    Suggestion,
    accepted_notice,
    new_answer_notice,
    post_failed,
    question_card,
    similar_found,
)
from peerbot.deps import Deps
from peerbot.services import experts, knowledge, prompts, questions, routing, topics
from peerbot.services.conversations import remember_member
from peerbot.services.worktime import is_working_time
from peerbot.slack_api import dm_channel, error_hint, permalink, privacy_of
from peerbot.store.models import PUBLIC, Answer, Question, Topic

logger = logging.getLogger("peerbot")

Say = Callable[..., object]  # Bolt's respond(), or a fallback that DMs the person
MAX_SUGGESTIONS = 3


class QuestionFlow:
    def __init__(self, deps: Deps):
        self.deps = deps
        self.db = deps.db
        self.client = deps.client

    def known_topics(self, team_id: str) -> list[str]:
        with self.db.read() as session:
            return topics.names(session, team_id)

    # ---- asking ---------------------------------------------------------------------------------

    def submit(self, *, team_id: str, channel_id: str, asker_id: str, text: str, anonymous: bool,
               topic: str | None, request_key: str, respond: Say | None) -> None:
        """Record the question, show close matches first if there are any,
        otherwise post it at once."""
        now = self.deps.clock()
        if not topic:
            # `/ask [python] how do I ...` names the topic inline.
            topic, text = experts.split_inline_topic(text)
        if not topic:
            # Otherwise a known topic the question mentions, if any (read
            # before the write transaction, which holds SQLite's write lock).
            with self.db.read() as session:
                topic = experts.detect_topic(text, topics.names(session, team_id, limit=1000))
        with self.db.begin() as session:
            topic_row = topics.get_or_create(session, team_id, topic, now) if topic else None
            question, created = questions.ask(
                session, team_id=team_id, channel_id=channel_id, asker_id=asker_id, text=text,
                anonymous=anonymous, topic_id=topic_row.id if topic_row else None,
                request_key=request_key, now=now,
            )
        if not created:
            return  # a repeated delivery of the same request
        suggestions = self._similar(team_id, channel_id, text)
        say = respond or self._ephemeral_or_dm(channel_id, asker_id)
        if suggestions:
            say(response_type="ephemeral", **similar_found(suggestions, question.id))
            return
        self.post_pending(question.id, asker_id, say, replace=False)

    def _similar(self, team_id: str, channel_id: str, text: str) -> list[Suggestion]:
        with self.db.read() as session:
            found = knowledge.search(session, team_id=team_id, channel_id=channel_id, query=text, limit=10)
        return [
            Suggestion(title=item.title or item.text, link=item.permalink)
            for item, _hit in found
            if questions.is_close_match(text, f"{item.title} {item.text}")
        ][:MAX_SUGGESTIONS]

    def post_pending(self, question_id: int, user_id: str, say: Say, *, replace: bool) -> None:
        """Post the question card, exactly once however often this is called.
        `replace`: the person is looking at our suggestions; replace them."""
        with self.db.begin() as session:
            question = session.get(Question, question_id)
            if question is None or question.asker_id != user_id:
                return
            if not questions.claim_for_posting(session, question_id):
                return
            card = self._card(session, question)
        try:
            posted = self.client.chat_postMessage(channel=question.channel_id, **question_card(card))
        except Exception as error:  # Slack refused, or could not be reached even after retries
            with self.db.begin() as session:
                questions.posting_failed(session, question_id)
            if not isinstance(error, SlackApiError):
                logger.exception("posting question %s failed", question_id)
            say(response_type="ephemeral", replace_original=replace,
                **post_failed(question_id, question.text, _failure_hint(error)))
            return
        with self.db.begin() as session:
            questions.card_posted(session, question_id, posted["ts"])
        if question.anonymous:
            say(response_type="ephemeral", replace_original=replace,
                text="Your question is posted anonymously: nobody can see it was you. I'll DM you when someone answers.")
        elif replace:
            say(response_type="ephemeral", replace_original=True, text="Your question is posted.")
        now = self.deps.clock()
        if is_working_time(now, self.deps.settings.timezone):
            # Outside working hours the escalations job routes it when the day starts.
            try:
                self.route(question_id, step=0, now=now)
            except Exception:  # the card is out; a failed mention must not look like a failed question
                logger.exception("routing question %s failed", question_id)

    # ---- routing to experts -------------------------------------------------------------------

    def route(self, question_id: int, *, step: int, now, after_hours: float = routing.ESCALATE_AFTER_HOURS) -> list[str] | None:
        """Run one routing step of a question, once: mention up to
        EXPERTS_PER_STEP experts in its thread; for an escalation (step > 0)
        also tell the asker by DM. None when the step had already run."""
        tz = self.deps.settings.timezone
        with self.db.begin() as session:
            question = session.get(Question, question_id)
            if question is None or question.message_ts is None:
                return None
            if not routing.claim_step(session, question, step, now):
                return None
            pool = routing.candidates(session, question, now, tz)
            topic = session.get(Topic, question.topic_id).name if question.topic_id else None
            # A question asked in a daily prompt's thread goes to the spotlighted expert first.
            preferred = prompts.preferred_expert(session, question) if step == 0 else None
            thread_ts = prompts.thread_of(question)
        spotlit = [c for c in pool if c.user_id == preferred]
        chosen = (spotlit and self._active(question.team_id, spotlit, now)) or self._active(question.team_id, pool, now)
        with self.db.begin() as session:
            routed = routing.record(session, question, chosen, step, now)
        if routed and topic:
            try:
                self.client.chat_postMessage(channel=question.channel_id, thread_ts=thread_ts,
                                             **routing_message(topic, routed, step))
            except SlackApiError as error:
                logger.warning("could not mention experts on question %s: %s", question_id,
                               error.response.get("error"))
        if step > 0:
            link = permalink(self.client, question.channel_id, question.message_ts)
            self._dm(question.asker_id, **escalation_dm(question.id, question.text, topic, routed, after_hours, link))
        return routed

    def _active(self, team_id: str, pool: list, now) -> list[str]:
        """The first EXPERTS_PER_STEP candidates still active in Slack:
        users.info (`deleted`) is read again when our copy is stale."""
        chosen: list[str] = []
        for candidate in pool:
            if len(chosen) == routing.EXPERTS_PER_STEP:
                break
            if candidate.needs_refresh:
                try:
                    user = self.client.users_info(user=candidate.user_id)["user"]
                except SlackApiError:
                    continue
                with self.db.begin() as session:
                    remember_member(session, team_id, user, now)
                if user.get("deleted") or user.get("is_bot"):
                    continue
            chosen.append(candidate.user_id)
        return chosen

    # ---- the card -------------------------------------------------------------------------------

    def _card(self, session, question: Question) -> Card:
        topic = session.get(Topic, question.topic_id) if question.topic_id else None
        accepted = questions.accepted_answer(question)
        return Card(
            question_id=question.id,
            text=question.text,
            asker_id=None if question.anonymous else question.asker_id,
            topic=topic.name if topic else None,
            votes=questions.vote_count(session, question.id),
            status=question.status if question.status in ("answered", "closed") else "open",
            accepted_author_id=accepted.author_id if accepted else None,
            accepted_link=self._answer_link(accepted) if accepted else None,
        )

    def _answer_link(self, answer: Answer) -> str | None:
        return permalink(self.client, answer.channel_id, answer.message_ts)

    def refresh_card(self, question_id: int) -> None:
        with self.db.read() as session:
            question = session.get(Question, question_id)
            if question is None or question.message_ts is None or not prompts.has_card(question):
                return  # a question asked in a prompt's thread is the person's own message: no card
            card = self._card(session, question)
        self.client.chat_update(channel=question.channel_id, ts=question.message_ts, **question_card(card))

    def vote(self, question_id: int, user_id: str) -> None:
        with self.db.begin() as session:
            question = session.get(Question, question_id)
            if question is None or not questions.vote(session, question, user_id, self.deps.clock()):
                return
        self.refresh_card(question_id)

    # ---- answers --------------------------------------------------------------------------------

    def record_answer(self, *, team_id: str, channel_id: str, thread_ts: str, ts: str, author_id: str,
                      text: str) -> None:
        """A reply in a question's thread: store it and tell the asker (in a
        DM, which also reaches anonymous askers) with a button to accept it."""
        self._wait_for_card(team_id, channel_id, thread_ts)
        with self.db.begin() as session:
            recorded = questions.record_answer(
                session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts, ts=ts,
                author_id=author_id, text=text, now=self.deps.clock(),
            )
            if recorded is None:
                return
            question, answer = recorded
        if author_id == question.asker_id:
            return
        link = permalink(self.client, channel_id, ts)
        notice = new_answer_notice(question.id, question.text, answer.id, author_id, text, link)
        self.client.chat_postMessage(channel=dm_channel(self.client, question.asker_id), **notice)

    def _wait_for_card(self, team_id: str, channel_id: str, thread_ts: str,
                       attempts: int = 15, pause: float = 0.2) -> None:
        """A reply can arrive between Slack accepting a question card and us
        storing the card's ts: while a card is being posted in this channel,
        give it a moment rather than mistake the reply for ordinary chat."""
        for _ in range(attempts):
            with self.db.read() as session:
                if (questions.by_card(session, team_id, channel_id, thread_ts) is not None
                        or not questions.card_in_flight(session, team_id, channel_id)):
                    return
            time.sleep(pause)

    def prompt_reply(self, *, team_id: str, channel_id: str, thread_ts: str, ts: str, author_id: str,
                     text: str) -> bool:
        """A reply in a daily prompt's thread: a question (tracked, and routed
        to the spotlighted expert first) or an answer to the latest one. False
        when the thread is not a prompt's."""
        now = self.deps.clock()
        with self.db.read() as session:
            prompt = prompts.by_thread(session, team_id, channel_id, thread_ts)
        if prompt is None:
            return False
        if prompts.is_question(text) and author_id != prompt.expert_id:
            topic, text = experts.split_inline_topic(text)
            with self.db.begin() as session:
                topic_row = topics.get_or_create(session, team_id, topic, now) if topic else None
                question, created = prompts.ask_in_thread(session, prompt, asker_id=author_id, ts=ts, text=text,
                                                          topic_id=topic_row.id if topic_row else None, now=now)
            if created and is_working_time(now, self.deps.settings.timezone):
                # Outside working hours the escalations job routes it when the day starts.
                self.route(question.id, step=0, now=now)
            return True
        with self.db.begin() as session:
            recorded = prompts.answer_in_thread(session, prompt, author_id=author_id, ts=ts, text=text, now=now)
        if recorded is not None:
            question, answer = recorded
            link = permalink(self.client, channel_id, ts)
            notice = new_answer_notice(question.id, question.text, answer.id, author_id, text, link)
            self.client.chat_postMessage(channel=dm_channel(self.client, question.asker_id), **notice)
        return True

    def answers_for_marking(self, question_id: int, user_id: str) -> tuple[str | None, list[tuple[int, str, str]]]:
        with self.db.read() as session:
            question = session.get(Question, question_id)
            if question is None:
                return "That question no longer exists.", []
            if question.asker_id != user_id:
                return "Only the person who asked can mark the question answered.", []
            if question.status != questions.OPEN:
                return "This question is already answered or closed.", []
            answers = [(a.id, a.author_id, a.text) for a in question.answers]
        if not answers:
            return "There are no replies in the thread yet. Once someone answers, you can mark it.", []
        return None, answers

    def accept_by_id(self, answer_id: int, user_id: str, *, notify_problem: bool) -> str:
        with self.db.read() as session:
            answer = session.get(Answer, answer_id)
        if answer is None:
            return "That answer no longer exists."
        return self._accept(answer, user_id, notify_problem=notify_problem)

    def accept_by_reaction(self, team_id: str, channel_id: str, ts: str, user_id: str) -> None:
        with self.db.read() as session:
            answer = questions.answer_at(session, team_id, channel_id, ts)
            if answer is None or answer.question.anonymous:
                # A reaction shows who reacted: anonymous askers accept from their DM.
                return
        self._accept(answer, user_id, notify_problem=False)

    def _accept(self, answer: Answer, user_id: str, *, notify_problem: bool) -> str:
        # Slack reads first, outside the transaction.
        link = self._answer_link(answer)
        is_public = privacy_of(self.client, self.db, answer.team_id, answer.channel_id, self.deps.clock()) == PUBLIC
        with self.db.begin() as session:
            answer = session.get(Answer, answer.id)
            question = answer.question
            previous = questions.accepted_answer(question)
            try:
                acceptance = questions.accept(session, question=question, answer=answer, by_user=user_id,
                                              now=self.deps.clock())
            except questions.NotAllowed as refusal:
                if notify_problem:
                    self._dm(user_id, str(refusal))
                return str(refusal)
            if not acceptance.newly:
                return "You already accepted that answer."
            # Earned expertise moves with the acceptance (once: `newly` guards it).
            if answer.author_id != question.asker_id:
                experts.earn(session, team_id=answer.team_id, user_id=answer.author_id, topic_id=question.topic_id,
                             points=experts.ACCEPTED_POINTS, now=self.deps.clock())
            if previous is not None and previous.id != answer.id and previous.author_id != question.asker_id:
                experts.earn(session, team_id=answer.team_id, user_id=previous.author_id, topic_id=question.topic_id,
                             points=-experts.ACCEPTED_POINTS, now=self.deps.clock())
            knowledge.save(
                session,
                knowledge.MessageToSave(
                    team_id=answer.team_id, channel_id=answer.channel_id, message_ts=answer.message_ts,
                    is_public=is_public, text=answer.text, author_id=answer.author_id, permalink=link,
                    kind="answer", title=knowledge.title_from(question.text), topic_id=question.topic_id,
                    question_id=question.id,
                ),
                saved_by=question.asker_id, via="accept", now=self.deps.clock(),
            )
            question_id, question_text, author_id = question.id, question.text, answer.author_id
        self.refresh_card(question_id)
        if author_id != user_id:
            self._dm(author_id, **accepted_notice(question_text, link))
        return "Thanks! The answer is accepted and saved to the knowledge base."

    def close(self, question_id: int, user_id: str) -> str:
        with self.db.begin() as session:
            question = session.get(Question, question_id)
            if question is None:
                return "That question no longer exists."
            try:
                closed = questions.close(session, question=question, by_user=user_id, now=self.deps.clock())
            except questions.NotAllowed as refusal:
                return str(refusal)
        if not closed:
            return "That question is already answered or closed."
        self.refresh_card(question_id)
        return "Your question is closed."

    # ---- talking to people ------------------------------------------------------------------------

    def _dm(self, user_id: str, text: str = "", **message) -> None:
        self.client.chat_postMessage(channel=dm_channel(self.client, user_id), text=text or message.pop("text"),
                                     **message)

    def _ephemeral_or_dm(self, channel_id: str, user_id: str) -> Say:
        """Without a response_url (a modal), reach the person in the channel,
        or by DM when the bot cannot post there."""

        def say(text: str = "", blocks: list | None = None, **_ignored) -> None:
            try:
                self.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            except SlackApiError:
                self._dm(user_id, text, blocks=blocks)

        return say


def _failure_hint(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        return error_hint(code) or f"Slack answered `{code}`."
    return "Slack could not be reached just now."
