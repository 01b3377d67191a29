"""The weekly digest and the daily "ask an expert" prompt, as Block Kit.

Pure functions of what the services computed (plus links the job looked
up). Every list is capped and every section clipped, so a busy week stays
inside Block Kit's limits (50 blocks, 3,000 characters a section). Askers are
never named (anonymous questions stay anonymous)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from peerbot.blocks.text import escape, mrkdwn, section, truncate
from peerbot.services.knowledge import title_from

MAX_BLOCKS = 50
TITLE_LIMIT = 90
TEXT_LIMIT = 3900  # the fallback text, under chat.update's 4,000


def _label(text: str) -> str:
    return escape(title_from(text, TITLE_LIMIT)) or "(untitled)"


def _linked(text: str, link: str | None) -> str:
    label = _label(text)
    return f"<{link}|{label}>" if link else label


def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b}"


def _context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(truncate(text, 3000))]}


def _keyed(blocks: list[dict], key: str | None) -> list[dict]:
    """The outbox key rides on the first block, so the post can be found again."""
    if key and blocks:
        blocks[0]["block_id"] = key
    return blocks[:MAX_BLOCKS]


def digest_message(d, *, tz: str, links: dict[int, str | None], key: str | None = None) -> dict:
    """`d` is a services.digest.Digest; `links` the permalinks of its open questions."""
    span = f"{_day(d.since, tz)} – {_day(d.until, tz)}"
    header = {"type": "header", "text": {"type": "plain_text", "text": "Your week in peer learning", "emoji": True}}
    if d.is_empty:
        text = (f":seedling: A quiet week here ({span}): no new questions or saved knowledge. "
                "Ask something with `/ask`, share a tip with `/tip`, or tell us what you know with `/experts add`.")
        return {"text": text, "blocks": _keyed([section(text)], key)}
    blocks: list[dict] = [header, _context(span)]
    summary = (f"*{d.asked}* question{'s' if d.asked != 1 else ''} asked here · *{d.answered}* answered · "
               f"*{d.still_open}* still open")
    blocks.append(section(summary))
    if d.open_questions:
        lines = "\n".join(f"• {_linked(q.text, links.get(q.id))}" for q in d.open_questions)
        blocks.append(section(f"*Can you help?* These are still waiting for an answer:\n{lines}"))
    if d.accepted:
        lines = "\n".join(f"• {_linked(a.title, a.link)}" + (f" <@{a.author_id}>" if a.author_id else "")
                          for a in d.accepted)
        blocks.append(section(f"*Best accepted answers*\n{lines}"))
    if d.recordings:
        lines = "\n".join(f"• {_linked(r.title, r.link)}" + (f" by <@{r.author_id}>" if r.author_id else "")
                          for r in d.recordings)
        blocks.append(section(f"*Talk recordings* :movie_camera:\n{lines}"))
    if d.items:
        lines = "\n".join(f"• {_linked(i.title, i.link)}" + (f"  _{i.saves} saves_" if i.saves > 1 else "")
                          for i in d.items)
        blocks.append(section(f"*Most useful new knowledge*\n{lines}"))
    if d.helpers:
        lines = "  ".join(f"<@{h.user_id}> ({h.answers} answer{'s' if h.answers != 1 else ''}"
                          + (f", {h.accepted} accepted" if h.accepted else "") + ")" for h in d.helpers)
        blocks.append(section(f"*Top helpers* :raised_hands: {lines}"))
    if d.new_experts:
        lines = "\n".join(f"• <@{e.user_id}>: {escape(', '.join(e.topics[:5]))}" for e in d.new_experts)
        blocks.append(section(f"*New experts*\n{lines}"))
    if d.gaps:
        lines = "\n".join(f"• *{escape(g.topic)}*: {g.questions} questions, "
                          f"{g.experts or 'no'} expert{'' if g.experts == 1 else 's'}" for g in d.gaps)
        blocks.append(section(f"*Knowledge gaps* — know one of these? `/experts add <topic>`\n{lines}"))
    blocks.append(_context("Search everything with `/kb`. `/peerbot digest off` stops this digest."))
    text = truncate(f"Your week in peer learning: {d.asked} questions asked, {d.answered} answered, "
                    f"{d.still_open} still open.", TEXT_LIMIT)
    return {"text": text, "blocks": _keyed(blocks, key)}


def prompt_message(p, *, links: dict[int, str | None], key: str | None = None) -> dict:
    """`p` is a services.prompts.Prompt."""
    if p.expert_id is None:
        if p.any_experts:
            text = (":bulb: *Ask an expert* — nobody is free to be spotlighted today, but questions are welcome: "
                    "ask in this thread or with `/ask`.")
        else:
            text = (":bulb: *Ask an expert* — nobody has told me what they know yet. "
                    "What could you help colleagues with? Declare it with `/experts add python, sql` "
                    "and you may be spotlighted here.")
        return {"text": text, "blocks": _keyed([section(text)], key)}
    topics = ", ".join(f"*{escape(t)}*" for t in p.topics) or "their topics"
    text = (f":bulb: *Ask an expert* — today <@{p.expert_id}> is here for your questions on {topics}. "
            "Ask in this thread (end it with a question mark) and they'll be asked first.")
    blocks = [section(text)]
    if p.open_questions:
        lines = "\n".join(f"• {_linked(q.text, links.get(q.id))}" for q in p.open_questions)
        blocks.append(section(f"*Still open on these topics*\n{lines}"))
    blocks.append(_context("`/experts` shows who knows what. `/peerbot prompts off` stops these prompts."))
    plain = f"Ask an expert: today <@{p.expert_id}> answers questions on {', '.join(p.topics)}."
    return {"text": truncate(plain, TEXT_LIMIT), "blocks": _keyed(blocks, key)}


def stopped_notice(channel_id: str, kinds: list[str], error: str, hint: str | None) -> dict:
    """To whoever subscribed: posting in a channel stopped, and why."""
    what = " and ".join("the weekly digest" if k == "digest" else "the daily prompts" for k in kinds)
    reason = hint or f"Slack answered `{error}`."
    text = (f"I turned off {what} in <#{channel_id}>: I couldn't post there. {reason} "
            "Once that is fixed, switch it back on there with `/peerbot digest on` or `/peerbot prompts on`.")
    return {"text": text, "blocks": [section(text)]}
