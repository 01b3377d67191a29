"""The App Home tab: your questions, your answers, what you saved, your
topics, and what the workspace found most useful.

The builder gets only what the viewer may see. A question row has no asker
field at all, so an anonymous asker cannot leak through it; the viewer's own
anonymous questions are marked so they know nobody else sees their name."""

from __future__ import annotations

from dataclasses import dataclass, field

from peerbot.blocks import ids
from peerbot.blocks.buddies import home_section
from peerbot.blocks.text import escape, mrkdwn, plain, section, truncate

MAX_ROWS = 5
ROW_CHARS = 120


@dataclass(frozen=True)
class QuestionRow:
    text: str  # plain, unescaped
    channel_id: str
    asked_anonymously: bool = False  # only ever set for the viewer's own questions
    status: str = "open"


@dataclass(frozen=True)
class ItemRow:
    title: str  # plain, unescaped
    link: str | None
    score: int


@dataclass(frozen=True)
class Home:
    user_id: str
    open_questions: list[QuestionRow] = field(default_factory=list)
    answered: list[QuestionRow] = field(default_factory=list)
    saved: list[ItemRow] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    popular: list[ItemRow] = field(default_factory=list)
    # Programmes: the viewer's buddy or hires; for admins, what needs attention (None: not an admin).
    programmes: list[str] = field(default_factory=list)
    attention: list[str] | None = None
    # Peer feedback: the viewer's requests and asks, as blocks (blocks/feedback.home_blocks).
    feedback: list[dict] = field(default_factory=list)


def _clip(text: str) -> str:
    return escape(truncate(" ".join(text.split()), ROW_CHARS)) or "(no text)"


def _question_line(row: QuestionRow) -> str:
    line = f"• {_clip(row.text)}  in <#{row.channel_id}>"
    if row.asked_anonymously:
        line += "  _(asked anonymously)_"
    if row.status == "answered":
        line += "  :white_check_mark:"
    return line


def _item_line(row: ItemRow) -> str:
    title = _clip(row.title)
    shown = f"<{row.link}|{title}>" if row.link else title
    return f"• {shown}  ·  :bookmark: {row.score}"


def _list(heading: str, lines: list[str], empty: str) -> list[dict]:
    body = "\n".join(lines[:MAX_ROWS]) if lines else f"_{empty}_"
    return [section(f"*{heading}*\n{body}")]


def home_view(home: Home) -> dict:
    topics = ", ".join(escape(t) for t in home.topics[:20])
    blocks = [
        {"type": "header", "text": plain("peerbot: learn from each other")},
        section(
            f"Hi <@{home.user_id}>! Ask a question with `/ask`, share what you know with `/tip`, "
            "and find what colleagues saved with `/kb`."
        ),
        {
            "type": "actions",
            "block_id": "home_buttons",
            "elements": [
                {"type": "button", "text": plain("Ask a question"), "action_id": ids.HOME_ASK, "style": "primary"},
                {"type": "button", "text": plain("Share a tip"), "action_id": ids.HOME_TIP},
            ],
        },
        {"type": "divider"},
        *_list("Your open questions", [_question_line(q) for q in home.open_questions],
               "None right now. Stuck on something? Ask with `/ask`."),
        *_list("Questions you answered", [_question_line(q) for q in home.answered],
               "None yet. Reply in a question's thread to help a colleague."),
        *_list("Your saved items", [_item_line(i) for i in home.saved],
               "Nothing yet. React with :bookmark: or use the *Save to knowledge base* shortcut."),
        *_list("Your topics", [topics] if topics else [],
               "None declared yet. Tell people what you know with `/experts add topic1, topic2`."),
        *home_section(home.programmes, home.attention),
        *home.feedback,
        {"type": "divider"},
        *_list("Most useful in the workspace lately", [_item_line(i) for i in home.popular],
               "Nothing saved yet. Be the first: share a tip!"),
        {"type": "context", "elements": [mrkdwn("Only you can see this page.")]},
    ]
    return {"type": "home", "blocks": blocks}
