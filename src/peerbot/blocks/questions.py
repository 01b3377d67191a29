"""Question cards, duplicate suggestions, the ask modal and answer notices."""

from __future__ import annotations

from dataclasses import dataclass

from peerbot.blocks import ids
from peerbot.blocks.forms import channel_input, modal, topic_input
from peerbot.blocks.text import escape, mrkdwn, plain, section, truncate


@dataclass(frozen=True)
class Card:
    """What a question card shows. `asker_id` is None for anonymous questions,
    so a builder cannot leak the asker even by mistake."""

    question_id: int
    text: str
    asker_id: str | None
    topic: str | None
    votes: int
    status: str  # open | answered | closed
    accepted_author_id: str | None = None
    accepted_link: str | None = None


def question_card(card: Card) -> dict:
    who = f"<@{card.asker_id}> asks" if card.asker_id else "Someone asks (anonymously)"
    topic = f"  ·  topic: *{escape(card.topic)}*" if card.topic else ""
    blocks = [
        section(f":raising_hand: {who}{topic}\n>{_quote(card.text)}"),
    ]
    if card.status == "answered":
        by = f" by <@{card.accepted_author_id}>" if card.accepted_author_id else ""
        link = f" <{card.accepted_link}|See the answer>" if card.accepted_link else ""
        blocks.append(section(f":white_check_mark: *Answered*{by}.{link}"))
    elif card.status == "closed":
        blocks.append(section(":lock: *Closed* by the asker."))
    else:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn("Know the answer? Reply in the thread. The asker accepts the answer that helped.")],
            }
        )
    buttons = [
        {
            "type": "button",
            "text": plain(f"I have this question too ({card.votes})" if card.votes else "I have this question too"),
            "action_id": ids.QUESTION_VOTE,
            "value": str(card.question_id),
        }
    ]
    if card.status == "open" and card.asker_id is not None:
        buttons.append(
            {"type": "button", "text": plain("Mark answered"), "action_id": ids.QUESTION_MARK, "value": str(card.question_id)}
        )
    blocks.append({"type": "actions", "block_id": f"question:{card.question_id}", "elements": buttons})
    return {"text": f"Question: {truncate(escape(card.text), 150)}", "blocks": blocks}


def _quote(text: str) -> str:
    return truncate(escape(text), 2800).replace("\n", "\n>")


@dataclass(frozen=True)
class Suggestion:
    title: str
    link: str | None


def similar_found(suggestions: list[Suggestion], question_id: int) -> dict:
    """Ephemeral: close matches first, then 'Post my question anyway'."""
    lines = "\n".join(
        f"• <{s.link}|{escape(truncate(s.title, 120))}>" if s.link else f"• {escape(truncate(s.title, 120))}"
        for s in suggestions
    )
    return {
        "text": "These may already answer your question",
        "blocks": [
            section(f":mag: *These may already answer your question:*\n{lines}"),
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain("Post my question anyway"),
                        "action_id": ids.ASK_ANYWAY,
                        "style": "primary",
                        "value": str(question_id),
                    },
                    {"type": "button", "text": plain("That helped, thanks"), "action_id": ids.ASK_NEVERMIND},
                ],
            },
        ],
    }


def ask_modal(channel_id: str | None, topics: list[str], *, initial_text: str = "") -> dict:
    """The ask form; with no channel (a shortcut, App Home) it asks for one."""
    question = {
        "type": "plain_text_input",
        "action_id": "question",
        "multiline": True,
        "max_length": 3000,
    }
    if initial_text:
        question["initial_value"] = initial_text
    hint = "Known topics: " + ", ".join(topics[:20]) if topics else "Helps route it to experts."
    blocks = [
        {"type": "input", "block_id": "question", "label": plain("Your question"), "element": question},
        topic_input(hint),
        {
            "type": "input",
            "block_id": "anonymous",
            "optional": True,
            "label": plain("Privacy"),
            "element": {
                "type": "checkboxes",
                "action_id": "anonymous",
                "options": [{"text": plain("Ask anonymously"), "value": "yes"}],
            },
        },
    ]
    if channel_id is None:
        blocks.insert(0, channel_input("Ask in"))
    return modal(ids.ASK_MODAL, "Ask a question", "Ask", blocks, {"channel": channel_id})


def mark_answered_modal(question_id: int, answers: list[tuple[int, str, str]]) -> dict:
    """Choose the reply that answered the question: (answer id, author id, text)."""
    options = [
        {"text": plain(truncate(f"{text}", 75) or "(no text)"), "value": str(answer_id)}
        for answer_id, _author, text in answers[:100]
    ]
    choice = {
        "type": "input",
        "block_id": "answer",
        "label": plain("Which reply answered your question?"),
        "element": {"type": "static_select", "action_id": "answer", "options": options},
    }
    return modal(ids.MARK_MODAL, "Mark answered", "Accept", [choice], {"question": question_id})


def new_answer_notice(question_id: int, question_text: str, answer_id: int, author_id: str, answer_text: str,
                      link: str | None) -> dict:
    """DM to the asker (anonymous or not): a new answer, with a button to accept it."""
    where = f" <{link}|in the thread>" if link else ""
    return {
        "text": "Your question has a new answer",
        "blocks": [
            section(
                f":speech_balloon: <@{author_id}> answered your question{where}:\n"
                f">{_quote(truncate(question_text, 300))}\n\n{truncate(escape(answer_text), 1500)}"
            ),
            {
                "type": "actions",
                "block_id": f"answer:{answer_id}",
                "elements": [
                    {"type": "button", "text": plain("Accept this answer"), "action_id": ids.ANSWER_ACCEPT,
                     "style": "primary", "value": str(answer_id)},
                    {"type": "button", "text": plain("Close my question"), "action_id": ids.QUESTION_CLOSE,
                     "value": str(question_id)},
                ],
            },
        ],
    }


def accepted_notice(question_text: str, link: str | None) -> dict:
    where = f" <{link}|See it here>." if link else ""
    return {
        "text": "Your answer was accepted",
        "blocks": [
            section(
                f":tada: Your answer was accepted and saved to the knowledge base. Thank you for helping!{where}\n"
                f">{_quote(truncate(question_text, 300))}"
            )
        ],
    }


def post_failed(question_id: int, question_text: str, hint: str) -> dict:
    """The card could not be posted: say why, keep the question, offer a retry."""
    return {
        "text": f"I couldn't post your question. {hint}",
        "blocks": [
            section(f":warning: I couldn't post your question. {hint}\nNothing is lost. Your question:\n>{_quote(question_text)}"),
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": plain("Try again"), "action_id": ids.ASK_ANYWAY,
                     "value": str(question_id)},
                ],
            },
        ],
    }
