"""Peer feedback surfaces (PROGRAMMES.md §7). Pure builders: they get ids,
escaped-on-the-way-out user text and Slack date tokens, and return text +
blocks. An anonymous answer is rendered from its text alone: no builder here
takes a giver for it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from peerbot.blocks import ids
from peerbot.blocks.text import escape, mrkdwn, plain, section, truncate

ANSWER_CHARS = 2800  # one answer per section, inside Slack's 3,000
HOME_ANSWER_CHARS = 300
USAGE = ("`/feedback` opens a form to ask 1 to 5 colleagues for feedback (named, or anonymous for 3 or more). "
         "`/feedback list` shows your requests, their answers and the asks waiting for you (so does peerbot's Home "
         "tab). To give someone feedback on a message, use the *Give feedback* message shortcut.")


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint)
    return block


def request_modal(templates: tuple[str, ...], default_days: int, max_people: int, anonymous_min: int,
                  question_max: int, expiry_max: int) -> dict:
    options = [{"text": plain(truncate(t, 75)), "value": str(n)} for n, t in enumerate(templates)]
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_REQUEST_MODAL,
        "title": plain("Ask for feedback"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            _input(ids.FEEDBACK_PEERS, "Who should answer?",
                   {"type": "multi_users_select", "action_id": ids.FEEDBACK_PEERS,
                    "placeholder": plain(f"1 to {max_people} colleagues")},
                   hint=f"Up to {max_people} people; not yourself, not bots."),
            _input(ids.FEEDBACK_TEMPLATE, "Start from a template", {
                "type": "static_select", "action_id": ids.FEEDBACK_TEMPLATE, "options": options,
                "placeholder": plain("Pick a question")}, optional=True,
                   hint="Used when you leave the question below empty."),
            _input(ids.FEEDBACK_QUESTION, "Your question",
                   {"type": "plain_text_input", "action_id": ids.FEEDBACK_QUESTION, "multiline": True,
                    "placeholder": plain("What would you like feedback on?")}, optional=True,
                   hint=f"10 to {question_max} characters. Be specific: one piece of work, one skill."),
            _input(ids.FEEDBACK_LINK, "Link (optional)",
                   {"type": "url_text_input", "action_id": ids.FEEDBACK_LINK}, optional=True,
                   hint="A doc, pull request or recording the feedback is about."),
            _input(ids.FEEDBACK_EXPIRY, "Open for how many days?",
                   {"type": "number_input", "action_id": ids.FEEDBACK_EXPIRY, "is_decimal_allowed": False,
                    "initial_value": str(default_days), "min_value": "1", "max_value": str(expiry_max)}),
            _input(ids.FEEDBACK_ANONYMOUS, "Anonymous", {
                "type": "checkboxes", "action_id": ids.FEEDBACK_ANONYMOUS,
                "options": [{"text": plain("Collect answers anonymously"), "value": "anonymous",
                             "description": plain(f"Only for {anonymous_min} or more people. You'll see the "
                                                  f"answers once {anonymous_min} have answered, in random "
                                                  "order, without names.")}]}, optional=True),
        ],
    }


def _question_lines(question: str, link: str | None) -> str:
    text = f">{escape(question)}"
    if link:
        text += f"\n<{escape(link)}|The link they shared>"
    return text


def ask_message(key: str, request_id: int, requester_id: str, question: str, link: str | None, anonymous: bool,
                expires_token: str, *, reminder: bool = False) -> dict:
    how = ("Your answer is *anonymous*: it's stored without your name and shown only once at least 3 people "
           "have answered, in random order. This message stays as it is when you answer, so nothing records when "
           "you did." if anonymous else f"<@{requester_id}> will see your name.")
    lead = "Reminder: " if reminder else ""
    intro = f"{lead}<@{requester_id}> asked you for feedback (open until {expires_token}):"
    blocks = [
        {"type": "section", "block_id": key, "text": mrkdwn(intro)},
        section(_question_lines(question, link)),
        {"type": "context", "elements": [mrkdwn(how)]},
        {"type": "actions", "block_id": f"fb-ask-{request_id}", "elements": [
            {"type": "button", "text": plain("Answer"), "action_id": ids.FEEDBACK_ANSWER, "style": "primary",
             "value": str(request_id)},
            {"type": "button", "text": plain("Decline"), "action_id": ids.FEEDBACK_DECLINE, "value": str(request_id)},
            {"type": "button", "text": plain("Remind me tomorrow"), "action_id": ids.FEEDBACK_SNOOZE,
             "value": str(request_id)},
        ]},
    ]
    return {"text": f"{lead}<@{requester_id}> asked you for feedback", "blocks": blocks}


def ask_closed(key: str, requester_id: str, question: str, outcome: str) -> dict:
    """The ask DM once it is done with: the buttons go, the outcome (and the outbox key) stay."""
    text = f"<@{requester_id}> asked you for feedback:\n>{escape(truncate(question, 500))}"
    return {"text": outcome, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)},
                                        {"type": "context", "elements": [mrkdwn(outcome)]}]}


def answer_modal(request_id: int, requester_id: str, question: str, link: str | None, anonymous: bool,
                 answer_max: int) -> dict:
    how = ("Anonymous: stored without your name, shown once at least 3 people have answered."
           if anonymous else "Named: they'll see this comes from you.")
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_ANSWER_MODAL,
        "private_metadata": json.dumps({"request": request_id}),
        "title": plain("Give feedback"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            section(f"<@{requester_id}> asked:\n{_question_lines(question, link)}"),
            {"type": "context", "elements": [mrkdwn(how)]},
            _input(ids.FEEDBACK_ANSWER_TEXT, "Your answer",
                   {"type": "plain_text_input", "action_id": ids.FEEDBACK_ANSWER_TEXT, "multiline": True},
                   hint=f"Specific and kind; up to {answer_max} characters."),
        ],
    }


def answer_thanks_view(requester_id: str, anonymous: bool) -> dict:
    text = (f"Thank you! Your answer is saved without your name. <@{requester_id}> sees it once at least 3 people "
            "have answered, mixed with theirs." if anonymous else f"Thank you! <@{requester_id}> has your answer.")
    return {"type": "modal", "title": plain("Give feedback"), "close": plain("Done"), "blocks": [section(text)]}


def requested_message(key: str, peers: list[str], anonymous: bool, expires_token: str) -> dict:
    who = ", ".join(f"<@{p}>" for p in peers)
    how = (" Answers are anonymous: you'll see them once 3 people have answered, in random order, without names."
           if anonymous else " You'll get a message here as each answer arrives.")
    text = f"Your feedback request went to {who}; it's open until {expires_token}.{how}"
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)},
                                     {"type": "context", "elements": [mrkdwn(
                                         "Read and delete your requests in peerbot's Home tab.")]}]}


def _answer_text(giver: str | None, text: str, limit: int) -> str:
    body = escape(truncate(text, limit)).replace("\n", "\n>")
    return f"<@{giver}>:\n>{body}" if giver else f">{body}"


def answers_message(key: str, request_id: int, question: str, answers: list[tuple[str | None, str]],
                    anonymous: bool) -> dict:
    """The requester's DM when answers are released or arrive: all answers so
    far (anonymous ones in random order, without names)."""
    count = len(answers)
    if anonymous:
        lead = f"You have {count} anonymous answers to your feedback request (shown in random order, without names):"
    else:
        lead = f"You have {count} answer{'s' if count != 1 else ''} to your feedback request:"
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(lead)},
              section(f">{escape(truncate(question, 500))}"), {"type": "divider"}]
    blocks += [section(_answer_text(giver, text, ANSWER_CHARS)) for giver, text in answers[:40]]
    blocks.append({"type": "actions", "block_id": f"fb-del-{request_id}", "elements": [_delete_button(request_id)]})
    return {"text": lead, "blocks": blocks}


def _delete_button(request_id: int) -> dict:
    return {"type": "button", "text": plain("Delete request"), "action_id": ids.FEEDBACK_DELETE,
            "style": "danger", "value": str(request_id),
            "confirm": {"title": plain("Delete this request?"),
                        "text": plain("The question and every answer are deleted for good."),
                        "confirm": plain("Delete"), "deny": plain("Keep it"), "style": "danger"}}


def expired_message(key: str, question: str, answered: int, anonymous: bool, released: int) -> dict:
    if anonymous and released == 0:
        outcome = ("Fewer than 3 people answered, so to keep answers anonymous none were shown, and they are now "
                   "deleted. You could ask again, perhaps more people.")
    elif answered == 0:
        outcome = "Nobody answered this time. You could ask again, perhaps more people or a more specific question."
    else:
        outcome = f"{answered} answer{'s' if answered != 1 else ''} in all: read them in peerbot's Home tab."
    text = f"Your feedback request has closed. {outcome}"
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)},
                                     section(f">{escape(truncate(question, 500))}")]}


def deleted_message() -> dict:
    text = "Deleted: this feedback request and all its answers are gone."
    return {"text": text, "blocks": [section(text)]}


# ---- give_feedback: private feedback on a message ---------------------------------------------------


def direct_modal(channel_id: str, message_ts: str, author_id: str, preview: str, limit: int) -> dict:
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_DIRECT_MODAL,
        "private_metadata": json.dumps({"channel": channel_id, "ts": message_ts, "author": author_id}),
        "title": plain("Give feedback"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            section(f"Private feedback to <@{author_id}> on their message:\n>{escape(truncate(preview, 300))}"),
            _input(ids.FEEDBACK_DIRECT_TEXT, "Your feedback",
                   {"type": "plain_text_input", "action_id": ids.FEEDBACK_DIRECT_TEXT, "multiline": True},
                   hint=f"Only they will see it, with your name and a link to the message. 10 to {limit} characters."),
        ],
    }


def direct_sent_view(author_id: str) -> dict:
    return {"type": "modal", "title": plain("Give feedback"), "close": plain("Done"),
            "blocks": [section(f"Sent: <@{author_id}> gets your feedback privately, in a DM from peerbot.")]}


def direct_message(key: str, giver_id: str, text: str, link: str | None) -> dict:
    where = f"<{link}|your message>" if link else "your message"
    lead = f"<@{giver_id}> sent you private feedback on {where}:"
    return {"text": lead, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(lead)},
                                     section(_answer_text(None, text, ANSWER_CHARS))]}


# ---- App Home -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    request_id: int
    question: str  # plain, unescaped
    status_line: str  # already worded, may hold a date token
    answers: list[tuple[str | None, str]] = field(default_factory=list)  # released only


@dataclass(frozen=True)
class WaitingRow:
    request_id: int
    requester_id: str
    question: str
    expires_token: str


def home_blocks(requests: list[RequestRow], waiting: list[WaitingRow]) -> list[dict]:
    """The "Feedback" section of App Home: the viewer's requests with their
    released answers and a delete button, and the asks waiting for them."""
    blocks: list[dict] = [{"type": "divider"}, section("*Feedback*")]
    if not requests and not waiting:
        return blocks + [{"type": "context", "elements": [mrkdwn(
            "No feedback requests. Ask colleagues with `/feedback`.")]}]
    for row in requests:
        blocks.append({"type": "section", "block_id": f"fb-home-{row.request_id}",
                       "text": mrkdwn(f"You asked: _{escape(truncate(row.question, 200))}_\n{row.status_line}"),
                       "accessory": _delete_button(row.request_id)})
        if row.answers:
            lines = [_answer_text(giver, text, HOME_ANSWER_CHARS) for giver, text in row.answers]
            blocks.append({"type": "section", "block_id": f"fb-home-{row.request_id}-answers",
                           "text": mrkdwn(truncate("\n".join(lines), 3000))})
    for row in waiting:
        blocks.append({"type": "section", "block_id": f"fb-wait-{row.request_id}",
                       "text": mrkdwn(f"<@{row.requester_id}> asks: _{escape(truncate(row.question, 200))}_ "
                                      f"(open until {row.expires_token})"),
                       "accessory": {"type": "button", "text": plain("Answer"), "action_id": ids.FEEDBACK_ANSWER,
                                     "value": str(row.request_id)}})
    return blocks
