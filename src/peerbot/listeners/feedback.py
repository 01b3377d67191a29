"""Peer feedback in Slack (PROGRAMMES.md §7): `/feedback` and its request
modal, the ask DM's Answer / Decline / Remind me tomorrow, the answer modal,
deleting a request, the App Home section, and the `give_feedback` message
shortcut. Everything goes to DMs; nothing about feedback reaches a channel.

Modal submissions are checked in the ack so a wrong field gets its error in
place (`response_action: errors`): the pure checks first, then the few that
need Slack or the database (a bot among the peers, the weekly limit, an
answer already given). The lazy function checks again before it stores."""

from __future__ import annotations

import json
from datetime import datetime

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from peerbot import feedback_flow
from peerbot.blocks import feedback as blocks
from peerbot.blocks import ids
from peerbot.blocks.text import unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.programme_flow import post_once
from peerbot.services import feedback
from peerbot.services.buddies import date_token
from peerbot.services.conversations import remember_member
from peerbot.slack_api import dm_channel, error_hint, permalink
from peerbot.store.models import FeedbackRequest

FIELDS = {"peers": ids.FEEDBACK_PEERS, "question": ids.FEEDBACK_QUESTION, "link": ids.FEEDBACK_LINK,
          "expiry": ids.FEEDBACK_EXPIRY, "anonymous": ids.FEEDBACK_ANONYMOUS}


def _user(client: WebClient, user_id: str) -> dict | None:
    try:
        return client.users_info(user=user_id)["user"]
    except SlackApiError:
        return None


def _tell(client: WebClient, body: dict, respond: Respond | None, text: str) -> None:
    """An answer only the clicker sees: beside the message they clicked, else in their DM."""
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        client.chat_postMessage(channel=dm_channel(client, body["user"]["id"]), text=text)


def _values(view: dict) -> dict:
    return view["state"]["values"]


def request_form(view: dict) -> feedback.RequestForm:
    values = _values(view)

    def get(block: str, key: str):
        return values.get(block, {}).get(block, {}).get(key)

    question = (get(ids.FEEDBACK_QUESTION, "value") or "").strip()
    template = get(ids.FEEDBACK_TEMPLATE, "selected_option")
    if not question and template:
        question = feedback.TEMPLATES[int(template["value"])]
    return feedback.RequestForm(
        peers=tuple(get(ids.FEEDBACK_PEERS, "selected_users") or ()),
        question=question,
        link=get(ids.FEEDBACK_LINK, "value") or "",
        expiry_days=get(ids.FEEDBACK_EXPIRY, "value") or "",
        anonymous=bool(get(ids.FEEDBACK_ANONYMOUS, "selected_options")),
    )


def register(app: App, deps: Deps) -> None:
    # ---- /feedback: the request modal ---------------------------------------------------------------

    def word(command: dict) -> str:
        return unescape(command.get("text", "")).strip().lower()

    def ack_feedback(ack: Ack, command: dict) -> None:
        if word(command) in ("help", "?"):
            return ack(text=blocks.USAGE)
        ack()

    @after_ack
    def handle_feedback(command: dict, client: WebClient, respond: Respond) -> None:
        if word(command) in ("help", "?"):
            return
        if word(command) == "list":  # your requests and the asks waiting for you, only for you
            with deps.db.read() as session:
                shown = home_section(session, command["team_id"], command["user_id"], deps.clock())
            return respond(response_type="ephemeral", text="Your feedback requests and asks", blocks=shown[1:])
        with deps.db.read() as session:
            used = feedback.requests_this_week(session, command["team_id"], command["user_id"], deps.clock())
        if used >= feedback.WEEKLY_LIMIT:
            return respond(response_type="ephemeral", text=feedback.WEEKLY_LIMIT_TEXT)
        view = blocks.request_modal(feedback.TEMPLATES, feedback.EXPIRY_DEFAULT, feedback.MAX_PEOPLE,
                                    feedback.ANONYMOUS_MIN, feedback.QUESTION_MAX, feedback.EXPIRY_MAX)
        try:
            client.views_open(trigger_id=command["trigger_id"], view=view)
        except SlackApiError as error:
            code = error.response.get("error")
            respond(response_type="ephemeral", text=error_hint(code) or f"I couldn't open the form (`{code}`).")

    app.command("/feedback")(ack=ack_feedback, lazy=[handle_feedback])

    def request_errors(client: WebClient, team_id: str, user_id: str, form: feedback.RequestForm) -> dict[str, str]:
        problems = feedback.request_problems(form, user_id)
        if not problems:
            for peer in form.peers:
                if problem := feedback.person_problem(_user(client, peer)):
                    problems["peers"] = problem + " Pick someone else."
                    break
        if not problems:
            with deps.db.read() as session:
                if feedback.requests_this_week(session, team_id, user_id, deps.clock()) >= feedback.WEEKLY_LIMIT:
                    problems["peers"] = feedback.WEEKLY_LIMIT_TEXT
        return {FIELDS[name]: text for name, text in problems.items()}

    def ack_request(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        errors = request_errors(client, body["team"]["id"], body["user"]["id"], request_form(view))
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def handle_request(body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()
        form = request_form(view)
        if feedback.request_problems(form, user_id):
            return  # the ack showed the errors; nothing is stored
        peers = [_user(client, peer) for peer in form.peers]
        if any(feedback.person_problem(p) for p in peers):
            return
        with deps.db.begin() as session:
            if feedback.requests_this_week(session, team_id, user_id, now) >= feedback.WEEKLY_LIMIT:
                return  # a second form of theirs, sent at the same moment, took the last request of the week
            for peer in peers:
                remember_member(session, team_id, peer, now)  # their time zone, for reminders
            request = feedback.create(session, team_id=team_id, requester_id=user_id, form=form,
                                      source_key=view["id"], now=now)
        if request is not None:  # None: this very form was stored already
            feedback_flow.send_asks(deps, request.id, now)
            feedback_flow.confirm_request(deps, request.id, now)

    app.view(ids.FEEDBACK_REQUEST_MODAL)(ack=ack_request, lazy=[handle_request])

    # ---- the ask DM: Answer, Decline, Remind me tomorrow ----------------------------------------------

    @after_ack
    def open_answer(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        request_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
        with deps.db.read() as session:
            request = feedback.get(session, request_id)
            why = feedback.refusal(request, feedback.ask_of(session, request_id, user_id), now)
        if why:
            return _tell(client, body, respond, why)
        view = blocks.answer_modal(request_id, request.requester_id, request.question, request.link,
                                   request.anonymous, feedback.ANSWER_MAX)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            code = error.response.get("error")
            _tell(client, body, respond, error_hint(code) or f"I couldn't open the form (`{code}`). Click again.")

    app.action(ids.FEEDBACK_ANSWER)(ack=ack_only, lazy=[open_answer])

    def answer_text(view: dict) -> str:
        return _values(view)[ids.FEEDBACK_ANSWER_TEXT][ids.FEEDBACK_ANSWER_TEXT].get("value") or ""

    def answer_check(view: dict, user_id: str) -> tuple[str | None, FeedbackRequest | None]:
        """(why this answer can't be taken, the request)."""
        if problem := feedback.answer_problem(answer_text(view)):
            return problem, None
        request_id = json.loads(view.get("private_metadata") or "{}")["request"]
        with deps.db.read() as session:
            request = feedback.get(session, request_id)
            return feedback.refusal(request, feedback.ask_of(session, request_id, user_id), deps.clock()), request

    def ack_answer(ack: Ack, body: dict, view: dict) -> None:
        why, request = answer_check(view, body["user"]["id"])
        if why:
            return ack(response_action="errors", errors={ids.FEEDBACK_ANSWER_TEXT: why})
        # The thanks is in the form itself: for an anonymous answer no message of the giver's changes
        # (an edit would carry the moment they answered).
        ack(response_action="update", view=blocks.answer_thanks_view(request.requester_id, request.anonymous))

    @after_ack
    def handle_answer(body: dict, view: dict, client: WebClient) -> None:
        user_id, now = body["user"]["id"], deps.clock()
        if answer_check(view, user_id)[0]:
            return  # the ack said why
        request_id = json.loads(view["private_metadata"])["request"]
        with deps.db.begin() as session:
            why = feedback.answer(session, request_id, user_id, answer_text(view), now)
        if why:  # lost a race with a second submission: the first answer stands
            return client.chat_postMessage(channel=dm_channel(client, user_id), text=why)
        with deps.db.read() as session:
            request = feedback.get(session, request_id)
            ask = feedback.ask_of(session, request_id, user_id)
        if not request.anonymous:
            feedback_flow.close_ask(client, ask, request.requester_id, request.question,
                                    f"You answered; <@{request.requester_id}> has it. Thank you!")
        feedback_flow.deliver_answers(deps, request_id, now)

    app.view(ids.FEEDBACK_ANSWER_MODAL)(ack=ack_answer, lazy=[handle_answer])

    @after_ack
    def decline(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        request_id, user_id = int(action["value"]), body["user"]["id"]
        with deps.db.begin() as session:
            why = feedback.decline(session, request_id, user_id, deps.clock())
        if why:
            return _tell(client, body, respond, why)
        with deps.db.read() as session:
            request = feedback.get(session, request_id)
            ask = feedback.ask_of(session, request_id, user_id)
        feedback_flow.close_ask(client, ask, request.requester_id, request.question,
                                "You declined. No reminders will follow, and no reason is asked.")

    app.action(ids.FEEDBACK_DECLINE)(ack=ack_only, lazy=[decline])

    @after_ack
    def snooze(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        request_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
        with deps.db.begin() as session:
            why = feedback.snooze(session, request_id, user_id, now)
            request = feedback.get(session, request_id)
            ask = feedback.ask_of(session, request_id, user_id)
        if why:
            return _tell(client, body, respond, why)
        left = feedback.reminder_slots(request, ask.snoozed_until,
                                       feedback_flow.sent_reminders(deps, request.team_id, user_id, request_id))
        _tell(client, body, respond, "OK, I'll remind you tomorrow (in your working hours)." if left else
              f"You've had both reminders already, so I won't send another. It's open until "
              f"{date_token(request.expires_at)}.")

    app.action(ids.FEEDBACK_SNOOZE)(ack=ack_only, lazy=[snooze])

    # ---- deleting a request (App Home or the answers DM), with a confirm -----------------------------

    @after_ack
    def delete(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        request_id, user_id = int(action["value"]), body["user"]["id"]
        with deps.db.begin() as session:
            request = feedback.delete_request(session, request_id, user_id, deps.clock())
            withdrawn = [a for a in feedback.asks_of(session, request_id)
                         if a.status == feedback.ASKED and a.dm_ts] if request else []
            requester = request.requester_id if request else None
        if request is None:
            return _tell(client, body, respond, "That request is already deleted, or isn't yours to delete.")
        for ask in withdrawn:
            feedback_flow.close_ask(client, ask, requester, "(withdrawn)", "The request was withdrawn: nothing to do.")
        view = body.get("view")
        if view and view.get("type") == "home":
            gone = {f"fb-home-{request_id}", f"fb-home-{request_id}-answers"}
            kept = [b for b in view["blocks"] if b.get("block_id") not in gone]
            client.views_update(view_id=view["id"], hash=view.get("hash"), view={"type": "home", "blocks": kept})
        container = body.get("container") or {}
        if container.get("message_ts") and not container.get("is_ephemeral"):
            feedback_flow.update(client, container["channel_id"], container["message_ts"], blocks.deleted_message())
        else:
            _tell(client, body, respond, blocks.deleted_message()["text"])

    app.action(ids.FEEDBACK_DELETE)(ack=ack_only, lazy=[delete])

    # ---- give_feedback: private feedback on a message -----------------------------------------------

    @after_ack
    def open_direct(shortcut: dict, client: WebClient, respond: Respond) -> None:
        message, user_id = shortcut.get("message") or {}, shortcut["user"]["id"]
        author = message.get("user")
        if message.get("bot_id") or message.get("subtype") == "bot_message" or not author:
            return respond(response_type="ephemeral", text="That message is from an app or bot: feedback is for "
                                                           "people. Nothing was sent.")
        if author == user_id:
            return respond(response_type="ephemeral", text="That's your own message. To hear what others think, "
                                                           "ask them with `/feedback`.")
        view = blocks.direct_modal(shortcut["channel"]["id"], shortcut["message_ts"], author,
                                   unescape(message.get("text", "")), feedback.DIRECT_MAX)
        try:
            client.views_open(trigger_id=shortcut["trigger_id"], view=view)
        except SlackApiError as error:
            code = error.response.get("error")
            respond(response_type="ephemeral", text=error_hint(code) or f"I couldn't open the form (`{code}`).")

    app.shortcut(ids.GIVE_FEEDBACK)(ack=ack_only, lazy=[open_direct])

    def direct_text(view: dict) -> str:
        return _values(view)[ids.FEEDBACK_DIRECT_TEXT][ids.FEEDBACK_DIRECT_TEXT].get("value") or ""

    def direct_problem(view: dict) -> str | None:
        return feedback.answer_problem(direct_text(view), feedback.DIRECT_MIN, feedback.DIRECT_MAX)

    def ack_direct(ack: Ack, view: dict) -> None:
        if why := direct_problem(view):
            return ack(response_action="errors", errors={ids.FEEDBACK_DIRECT_TEXT: why})
        author = json.loads(view["private_metadata"])["author"]
        ack(response_action="update", view=blocks.direct_sent_view(author))

    @after_ack
    def handle_direct(body: dict, view: dict, client: WebClient) -> None:
        if direct_problem(view):
            return
        meta, giver, now = json.loads(view["private_metadata"]), body["user"]["id"], deps.clock()
        author = meta["author"]
        if problem := feedback.person_problem(_user(client, author)):
            return client.chat_postMessage(channel=dm_channel(client, giver), text=problem + " Nothing was sent.")
        link = permalink(client, meta["channel"], meta["ts"])
        outcome, _, _ = post_once(
            deps, team_id=body["team"]["id"], recipient=author, kind="feedback-direct", period=view["id"], at=now,
            channel=lambda: dm_channel(client, author),
            content=lambda key: blocks.direct_message(key, giver, direct_text(view).strip(), link))
        if outcome == "failed":
            client.chat_postMessage(channel=dm_channel(client, giver),
                                    text=f"I couldn't deliver your feedback to <@{author}>. Nothing was sent.")

    app.view(ids.FEEDBACK_DIRECT_MODAL)(ack=ack_direct, lazy=[handle_direct])


# ---- App Home ------------------------------------------------------------------------------------------


def home_section(session: Session, team_id: str, user_id: str, now: datetime) -> list[dict]:
    """The viewer's requests (released answers only) and the asks waiting for them."""
    rows = []
    for request in feedback.requests_of(session, team_id, user_id):
        asks = feedback.asks_of(session, request.id)
        answers = feedback.released_answers(session, request.id)
        when = (f"open until {date_token(request.expires_at)}" if request.status == feedback.OPEN
                else f"closed {date_token(request.closed_at or request.expires_at, '{date_short_pretty}')}")
        if request.anonymous:
            status = (f"{len(answers)} anonymous answers" if answers
                      else "Anonymous: answers appear once 3 people have answered") + f" · {when}"
        else:
            answered = sum(a.status == feedback.ANSWERED for a in asks)
            declined = sum(a.status == feedback.DECLINED for a in asks)
            status = f"{answered} of {len(asks)} answered" + (f", {declined} declined" if declined else "") + \
                f" · {when}"
        rows.append(blocks.RequestRow(request.id, request.question, status, answers))
    waiting = [blocks.WaitingRow(r.id, r.requester_id, r.question, date_token(r.expires_at))
               for r in feedback.waiting_for(session, team_id, user_id, now)[:5]]
    return blocks.home_blocks(rows, waiting)
