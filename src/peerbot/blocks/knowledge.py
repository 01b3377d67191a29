"""The knowledge base in Slack: /kb results, the posted tip, the tip form and
the "Save to knowledge base" form.

Pure builders: they get plain (unescaped) text and escape it themselves, so
user text can never ping @channel, mention anyone or forge a link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peerbot.blocks import ids
from peerbot.blocks.forms import MAX_TOPIC_LENGTH, channel_input, modal, topic_input
from peerbot.blocks.text import SECTION_TEXT_LIMIT, escape, mrkdwn, plain, section, truncate

MAX_RESULTS = 5
TITLE_CHARS = 150
SNIPPET_CHARS = 300
QUERY_CHARS = 100
MESSAGE_PREVIEW_CHARS = 2500
MAX_TITLE_LENGTH = 150
MAX_TIP_LENGTH = 3000

TIP_USAGE = (
    "Share what you know with `/tip your tip`, for example "
    "`/tip Use ctrl+k to jump to any channel`. I post it here with your name and save it to the "
    "knowledge base. Run `/tip` on its own to open a form."
)


def clip(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters, then escape it (escaping first
    could cut an `&amp;` in half)."""
    return escape(truncate(text, limit))


def date_token(when: datetime) -> str:
    """A date every reader sees in their own time zone."""
    return f"<!date^{int(when.timestamp())}^{{date_short}}|{when:%Y-%m-%d}>"


@dataclass(frozen=True)
class Entry:
    """One knowledge item as a reader sees it. Texts are plain (readable), unescaped."""

    title: str
    snippet: str
    author_id: str | None
    posted_at: datetime
    score: int
    link: str | None
    kind: str = "message"


def _entry_blocks(entry: Entry) -> list[dict]:
    title = clip(entry.title or entry.snippet or "(no text)", TITLE_CHARS)
    heading = f"*<{entry.link}|{title}>*" if entry.link else f"*{title}*"
    body = heading
    snippet = " ".join(entry.snippet.split())
    if snippet and snippet != " ".join(entry.title.split()):
        body += "\n" + clip(snippet, SNIPPET_CHARS)
    details = []
    if entry.kind == "tip":
        details.append(":bulb: tip")
    elif entry.kind == "answer":
        details.append(":white_check_mark: accepted answer")
    if entry.author_id:
        details.append(f"by <@{entry.author_id}>")
    details.append(date_token(entry.posted_at))
    details.append(f":bookmark: {entry.score} save" + ("" if entry.score == 1 else "s"))
    return [section(body), {"type": "context", "elements": [mrkdwn("  ·  ".join(details))]}]


def kb_results(query: str, entries: list[Entry]) -> dict:
    """Ephemeral /kb answer: the best matches, or a nudge to ask."""
    shown_query = clip(" ".join(query.split()), QUERY_CHARS)
    if not entries:
        text = (
            f":mag: Nothing in the knowledge base matches *{shown_query}* yet.\n"
            f"Ask your colleagues instead: `/ask {shown_query}`"
        )
        return {"text": f"No results for {shown_query}", "blocks": [section(text)]}
    blocks = [section(f":mag: *Knowledge base results for “{shown_query}”*")]
    for entry in entries[:MAX_RESULTS]:
        blocks.extend(_entry_blocks(entry))
    blocks.append(_footer())
    return {"text": f"{len(entries[:MAX_RESULTS])} result(s) for {shown_query}", "blocks": blocks}


def kb_most_useful(entries: list[Entry]) -> dict:
    """Ephemeral /kb with no query: what colleagues found most useful lately."""
    if not entries:
        text = (
            ":books: Nothing is saved in the knowledge base yet. React with :bookmark: to a helpful message, "
            "use the *Save to knowledge base* message shortcut, or share a tip with `/tip`."
        )
        return {"text": "The knowledge base is empty", "blocks": [section(text)]}
    blocks = [section(":books: *Most useful lately.* Search with `/kb your words`.")]
    for entry in entries[:MAX_RESULTS]:
        blocks.extend(_entry_blocks(entry))
    return {"text": "Most useful in the knowledge base", "blocks": blocks}


def _footer() -> dict:
    return {"type": "context", "elements": [mrkdwn("Only you can see this. Not what you need? Ask with `/ask`.")]}


# ---- tips --------------------------------------------------------------------------------------

def tip_error(text: str) -> str | None:
    """Why this tip cannot be shared, or None when it can."""
    if not text.strip():
        return TIP_USAGE
    if len(text) > MAX_TIP_LENGTH:
        return (
            f"Your tip is {len(text):,} characters long; the limit is {MAX_TIP_LENGTH:,}. "
            "Please shorten it (you can add details in the tip's thread)."
        )
    return None


def _chunks(text: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most `limit` characters, never cutting an
    escape sequence, preferring to break at a line end or a space."""
    pieces, current = [], ""
    for char in text:
        escaped = escape(char)
        if len(current) + len(escaped) > limit:
            cut = max(current.rfind("\n"), current.rfind(" "))
            if cut > limit // 2:
                pieces.append(current[: cut + 1])
                current = current[cut + 1 :]
            else:
                pieces.append(current)
                current = ""
        current += escaped
    if current:
        pieces.append(current)
    return pieces


def tip_message(author_id: str, text: str) -> dict:
    """The tip as posted in the channel, credited to its author."""
    blocks = [section(f":bulb: *Tip from <@{author_id}>*")]
    blocks += [section(piece) for piece in _chunks(text.strip(), SECTION_TEXT_LIMIT)]
    return {"text": f"Tip from <@{author_id}>: {clip(text.strip(), 300)}", "blocks": blocks}


def tip_failed(hint: str, text: str) -> dict:
    """The tip could not be posted: say how to fix it and give the whole text back."""
    return {
        "text": f"I couldn't post your tip. {hint}",
        "blocks": [
            section(f"I couldn't post your tip. {hint}\nNothing is lost; here it is to copy:"),
            *(section(piece) for piece in _chunks(text.strip(), SECTION_TEXT_LIMIT)),
        ],
    }


def tip_modal(channel_id: str | None) -> dict:
    """The tip form. Opened from App Home there is no channel yet, so it asks for one."""
    blocks = [
        {
            "type": "input",
            "block_id": "tip",
            "label": plain("Your tip"),
            "element": {
                "type": "plain_text_input",
                "action_id": "tip",
                "multiline": True,
                "max_length": MAX_TIP_LENGTH,
                "placeholder": plain("Something that saved you time, that colleagues should know"),
            },
        },
        topic_input(),
    ]
    if channel_id is None:
        blocks.insert(0, channel_input("Share in"))
    return modal(ids.TIP_MODAL, "Share a tip", "Share", blocks, {"channel": channel_id})


# ---- saving a message --------------------------------------------------------------------------

def save_errors(title: str, topic: str) -> dict[str, str]:
    """Inline errors for the save form, by input block id."""
    errors = {}
    if not title.strip():
        errors["title"] = "Give it a title, so people can find it."
    elif len(title.strip()) > MAX_TITLE_LENGTH:
        errors["title"] = f"Keep the title to {MAX_TITLE_LENGTH} characters (it is {len(title.strip())})."
    if len(topic.strip()) > MAX_TOPIC_LENGTH:
        errors["topic"] = f"Keep the topic to {MAX_TOPIC_LENGTH} characters."
    return errors


def save_modal(*, channel_id: str, message_ts: str, author_id: str | None, text: str, title: str) -> dict:
    """"Save to knowledge base": title (prefilled) and topic; the message
    itself shown read-only. `text` is plain (readable) text."""
    who = f"<@{author_id}>" if author_id else "someone"
    preview = clip(text.strip(), MESSAGE_PREVIEW_CHARS) or "_(no text)_"
    quoted = "\n".join(">" + line for line in preview.split("\n"))
    title_element = {
        "type": "plain_text_input",
        "action_id": "title",
        "max_length": MAX_TITLE_LENGTH,
    }
    if title.strip():
        title_element["initial_value"] = truncate(title.strip(), MAX_TITLE_LENGTH)
    blocks = [
        section(f"*Message from {who}:*\n{quoted}"),
        {"type": "input", "block_id": "title", "label": plain("Title"), "element": title_element,
         "hint": plain("What people will see in search results.")},
        topic_input(),
    ]
    metadata = {"channel": channel_id, "ts": message_ts, "author": author_id}
    return modal(ids.SAVE_MODAL, "Save to knowledge base", "Save", blocks, metadata)


def saved_notice(title: str, score: int, *, counted: bool) -> str:
    shown = clip(title, TITLE_CHARS)
    if not counted:
        return f":bookmark: You had already saved *{shown}*. Find it with `/kb`."
    others = f" ({score} people saved it)" if score > 1 else ""
    return f":bookmark: Saved *{shown}* to the knowledge base{others}. Find it with `/kb`."
