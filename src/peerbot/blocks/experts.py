"""The expert directory, profiles, routing mentions, escalation notices and stats."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peerbot.blocks import ids
from peerbot.blocks.text import escape, message, mrkdwn, plain, section, truncate

EXPERTS_USAGE = (
    "*`/experts`* — who knows what:\n"
    "• `/experts` your profile and the top topics with their experts\n"
    "• `/experts python` who knows python, best first\n"
    "• `/experts add python, sql` declare topics you can help with\n"
    "• `/experts remove sql` stop being asked about a topic\n"
    "• `/experts away` or `/experts away until 2026-03-10` pause questions to you (through that day)\n"
    "• `/experts back` receive questions again\n"
    "When you ask, start with a topic in brackets — `/ask [python] how do I …` — or just mention it; "
    "I ask up to 3 experts on it in the thread."
)


def usage(problem: str | None = None) -> dict:
    return message(f"{problem}\n\n{EXPERTS_USAGE}" if problem else EXPERTS_USAGE)


def _strength(declared: bool, earned: int) -> str:
    parts = (["declared"] if declared else []) + ([f"earned {earned}"] if earned else [])
    return " · ".join(parts) or "—"


def _entry_line(entry) -> str:
    away = " _(away)_" if entry.away else ""
    return f"<@{entry.user_id}>  {_strength(entry.declared, entry.earned)}{away}"


def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %Y}"


def profile_text(profile, tz: str) -> str:
    if profile.topics:
        topics = "\n".join(f"• *{escape(e.topic)}*  {_strength(e.declared, e.earned)}" for e in profile.topics)
    else:
        topics = "You haven't declared any topics yet. Add some with `/experts add python, sql`."
    status = ""
    if profile.away:
        last_day = _day(profile.away_until - timedelta(days=1), tz) if profile.away_until else None
        status = f"\n:palm_tree: You're away{f' through {last_day}' if last_day else ''}: I won't route questions to you. `/experts back` to return."
    return f"*Your expertise*\n{topics}{status}"


def directory(profile, top: list, tz: str) -> dict:
    """`/experts` alone: your profile, then the top topics and their experts."""
    blocks = [section(profile_text(profile, tz)), {"type": "divider"}]
    if top:
        lines = []
        for topic, entries in top:
            people = ", ".join(_entry_line(e) for e in entries) or "—"
            lines.append(f"*{escape(topic)}*: {people}")
        blocks.append(section("*Top topics*\n" + "\n".join(lines)))
    else:
        blocks.append(section("Nobody has declared a topic yet. Be the first: `/experts add python, sql`."))
    blocks.append({"type": "context", "elements": [mrkdwn(
        "_declared_: they said they can help · _earned_: 3 per accepted answer, 1 per person who bookmarked one. "
        "`/experts help` for more.")]})
    return {"text": "Your expertise and the expert directory", "blocks": blocks}


def topic_experts(topic: str, entries: list) -> dict:
    """`/experts <topic>`: who knows it, best first."""
    if not entries:
        text = (f"Nobody knows *{escape(topic)}* yet, as far as I can tell. Know it? `/experts add {escape(topic)}`. "
                f"Or ask anyway: `/ask [{escape(topic)}] your question`.")
        return message(text)
    lines = "\n".join(f"{n}. {_entry_line(e)}" for n, e in enumerate(entries, 1))
    return {
        "text": f"Who knows {escape(topic)}",
        "blocks": [
            section(f"*Who knows {escape(topic)}*\n{lines}"),
            {"type": "context", "elements": [mrkdwn(
                "Ranked by what they declared and what they earned answering questions on it.")]},
        ],
    }


def routing_message(topic: str, user_ids: list[str], step: int) -> dict:
    """The mention in a question's thread. Never names the asker."""
    people = ", ".join(f"<@{u}>" for u in user_ids)
    if step == 0:
        text = f":wave: {people}: you know *{escape(topic)}*. Could you help with this question? Reply in this thread."
    else:
        text = (f":mega: This question is still waiting for an answer. {people}: you know *{escape(topic)}* — "
                "could you take a look? Reply in this thread.")
    return message(text)


def escalation_dm(question_id: int, question_text: str, topic: str | None, routed: list[str],
                  hours: float, link: str | None) -> dict:
    """To the asker, in their DM: what happened to their unanswered question, and what next."""
    quoted = escape(truncate(question_text, 300)).replace("\n", "\n>")
    where = f" <{link}|Your question>" if link else " Your question"
    if routed:
        people = ", ".join(f"<@{u}>" for u in routed)
        done = f"I asked {people}{f' (they know *{escape(topic)}*)' if topic else ''} to take a look."
    elif topic:
        done = f"I know nobody else to ask about *{escape(topic)}* right now."
    else:
        done = "It has no topic, so I don't know whom to ask. Try `/experts` to find someone."
    text = f":hourglass: {where.strip()} has had no answer for {hours:g} working hours. {done}\n>{quoted}"
    return {
        "text": f"No answer yet to your question. {done}",
        "blocks": [
            section(text),
            {
                "type": "actions",
                "block_id": f"escalation:{question_id}",
                "elements": [
                    {"type": "button", "text": plain("Keep waiting"), "action_id": ids.ESCALATION_KEEP_WAITING,
                     "value": str(question_id)},
                    {"type": "button", "text": plain("Close the question"), "action_id": ids.QUESTION_CLOSE,
                     "value": str(question_id)},
                ],
            },
        ],
    }


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def stats_message(stats, *, scope: str, days: int) -> dict:
    share = f"{stats.answered_share:.0%}" if stats.answered_share is not None else "—"
    lines = [
        f"*Peer learning in {scope}, last {days} days*",
        f"• Questions asked: *{stats.asked}*",
        f"• Answered: *{stats.answered}* ({share}); accepted: *{stats.accepted}*",
        f"• Unanswered and open: *{stats.unanswered}*",
        f"• Median time to first answer: *{_duration(stats.median_first_answer)}*",
        f"• Median time to an accepted answer: *{_duration(stats.median_accepted)}*",
    ]
    blocks = [section("\n".join(lines))]
    if stats.helpers:
        helpers = "\n".join(f"{n}. <@{h.user_id}>  {h.accepted} accepted · {h.answers} answers"
                            for n, h in enumerate(stats.helpers, 1))
        blocks.append(section(f"*Top helpers*\n{helpers}"))
    if stats.gaps:
        gaps = "\n".join(
            f"• *{escape(g.topic)}*: {g.questions} questions ({g.unanswered} open), "
            f"{g.experts or 'no'} expert{'' if g.experts == 1 else 's'}"
            for g in stats.gaps)
        blocks.append(section(f"*Knowledge gaps* (questions but few experts)\n{gaps}"))
    blocks.append({"type": "context", "elements": [mrkdwn(
        "Counts include private conversations; their content is never shown. "
        "`/peerbot stats 7d`, `/peerbot stats workspace`.")]})
    return {"text": f"Peer learning in {scope}: {stats.asked} questions, {share} answered", "blocks": blocks}


def stats_usage() -> str:
    return ("Usage: `/peerbot stats [7d|30d|12w] [workspace]` — numbers for this channel "
            "(or the whole workspace) over a period, 30 days by default. "
            "`/peerbot stats programmes [90d]` — the programmes' measures, 90 days by default.")
