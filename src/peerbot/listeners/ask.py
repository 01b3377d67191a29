"""/ask, the ask modal and shortcut, +1, "Mark answered", and accepting answers.

Acks are pure (validate, answer); the database and the Web API are used in
the lazy functions that Bolt runs right after the ack."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import ids
from peerbot.blocks.questions import ask_modal, mark_answered_modal
from peerbot.blocks.text import unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.services import questions, topics
from peerbot.question_flow import QuestionFlow
from peerbot.slack_api import error_hint

logger = logging.getLogger("peerbot")


def register(app: App, deps: Deps) -> None:
    flow = QuestionFlow(deps)

    # ---- /ask -------------------------------------------------------------------------------

    def ack_ask(ack: Ack, command: dict) -> None:
        text = unescape(command.get("text", ""))
        if not text.strip():
            ack()  # the modal opens straight after
            return
        error = questions.question_error(text)
        ack(text=error) if error else ack()

    @after_ack
    def handle_ask(command: dict, client: WebClient, respond: Respond) -> None:
        text = unescape(command.get("text", ""))
        if not text.strip():
            open_modal(client, command["trigger_id"], command["team_id"], command["channel_id"], respond)
            return
        if questions.question_error(text):
            return
        flow.submit(
            team_id=command["team_id"],
            channel_id=command["channel_id"],
            asker_id=command["user_id"],
            text=text,
            anonymous=False,
            topic=None,
            request_key=command["trigger_id"],
            respond=respond,
        )

    app.command("/ask")(ack=ack_ask, lazy=[handle_ask])

    def open_modal(client: WebClient, trigger_id: str, team_id: str, channel_id: str | None, respond: Respond | None) -> None:
        # views.open comes first: the trigger is only good for ~3 seconds.
        try:
            client.views_open(trigger_id=trigger_id, view=ask_modal(channel_id, flow.known_topics(team_id)))
        except SlackApiError as error:
            code = error.response.get("error")
            if respond is not None:
                respond(text=error_hint(code) or f"I couldn't open the form ({code}). Try `/ask your question`.")
            else:
                raise

    @after_ack
    def shortcut_ask(shortcut: dict, client: WebClient) -> None:
        open_modal(client, shortcut["trigger_id"], shortcut["team"]["id"], None, None)

    app.shortcut(ids.ASK_QUESTION)(ack=ack_only, lazy=[shortcut_ask])

    @after_ack
    def home_ask(body: dict, client: WebClient) -> None:
        open_modal(client, body["trigger_id"], body["team"]["id"], None, None)

    app.action(ids.HOME_ASK)(ack=ack_only, lazy=[home_ask])

    # ---- the ask modal ------------------------------------------------------------------------

    def ack_modal(ack: Ack, view: dict) -> None:
        form = _ask_form(view)
        errors = {}
        if error := questions.question_error(form["text"]):
            errors["question"] = error[:150]
        if not form["channel"]:
            errors["channel"] = "Pick the channel to ask in."
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def handle_modal(view: dict, body: dict, client: WebClient) -> None:
        form = _ask_form(view)
        if questions.question_error(form["text"]) or not form["channel"]:
            return
        flow.submit(
            team_id=body["team"]["id"],
            channel_id=form["channel"],
            asker_id=body["user"]["id"],
            text=form["text"],
            anonymous=form["anonymous"],
            topic=form["topic"],
            request_key=view["id"],
            respond=None,
        )

    app.view(ids.ASK_MODAL)(ack=ack_modal, lazy=[handle_modal])

    # ---- buttons --------------------------------------------------------------------------------

    @after_ack
    def ask_anyway(body: dict, action: dict, respond: Respond) -> None:
        flow.post_pending(int(action["value"]), body["user"]["id"], respond, replace=True)

    app.action(ids.ASK_ANYWAY)(ack=ack_only, lazy=[ask_anyway])

    @after_ack
    def nevermind(body: dict, respond: Respond) -> None:
        respond(replace_original=True, text="Glad it helped! Your question was not posted.")

    app.action(ids.ASK_NEVERMIND)(ack=ack_only, lazy=[nevermind])

    @after_ack
    def vote(body: dict, action: dict) -> None:
        flow.vote(int(action["value"]), body["user"]["id"])

    app.action(ids.QUESTION_VOTE)(ack=ack_only, lazy=[vote])

    @after_ack
    def mark_answered(body: dict, action: dict, client: WebClient) -> None:
        user = body["user"]["id"]
        question_id = int(action["value"])
        problem, answers = flow.answers_for_marking(question_id, user)
        if problem:
            client.chat_postEphemeral(channel=body["channel"]["id"], user=user, text=problem)
            return
        client.views_open(trigger_id=body["trigger_id"], view=mark_answered_modal(question_id, answers))

    app.action(ids.QUESTION_MARK)(ack=ack_only, lazy=[mark_answered])

    @after_ack
    def marked(view: dict, body: dict) -> None:
        answer_id = int(view["state"]["values"]["answer"]["answer"]["selected_option"]["value"])
        flow.accept_by_id(answer_id, body["user"]["id"], notify_problem=True)

    app.view(ids.MARK_MODAL)(ack=ack_only, lazy=[marked])

    @after_ack
    def accept_from_dm(body: dict, action: dict, respond: Respond) -> None:
        outcome = flow.accept_by_id(int(action["value"]), body["user"]["id"], notify_problem=False)
        respond(replace_original=False, text=outcome)

    app.action(ids.ANSWER_ACCEPT)(ack=ack_only, lazy=[accept_from_dm])

    @after_ack
    def close_from_dm(body: dict, action: dict, respond: Respond) -> None:
        respond(replace_original=False, text=flow.close(int(action["value"]), body["user"]["id"]))

    app.action(ids.QUESTION_CLOSE)(ack=ack_only, lazy=[close_from_dm])


def _ask_form(view: dict) -> dict:
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    channel = metadata.get("channel") or (
        values.get("channel", {}).get("channel", {}).get("selected_conversation")
    )
    chosen = values.get("anonymous", {}).get("anonymous", {}).get("selected_options") or []
    return {
        "text": values["question"]["question"].get("value") or "",
        "topic": topics.normalise(values.get("topic", {}).get("topic", {}).get("value") or "") or None,
        "anonymous": any(option.get("value") == "yes" for option in chosen),
        "channel": channel,
    }
