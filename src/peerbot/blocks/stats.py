"""`/peerbot stats programmes`: the programme measures of the metrics service, as the dashboard's
Programmes page shows them (the small-group rule already applied: `Figure.shown`)."""

from __future__ import annotations

from peerbot.blocks.text import escape, mrkdwn, section


def _value(figure) -> str:
    value = figure.shown
    if value is None:
        return "—"
    if isinstance(value, str):
        return escape(value)  # "<5"
    if figure.unit == "share":
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _lines(figures) -> str:
    return "\n".join(f"• {f.label}: *{_value(f)}*" for f in figures)


# Mentoring, circles, talks and feedback (metrics.ProgrammeMeasures), in this order: title, what the period covers.
SECTIONS = (("Peer mentoring", "mentees who looked for a mentor in the period; supply and health now"),
            ("Peer coaching circles", "rounds whose opt-in closed in the period"),
            ("Lunch-and-learn talks", "talks proposed and wishes made in the period"),
            ("Peer feedback", "requests made in the period; never content"))


def _measures_blocks(title: str, covers: str, measures) -> list[dict]:
    funnel = " → ".join(f"{f.label.lower()} *{_value(f)}*" for f in measures.funnel)
    counts = "\n".join(f"*{name}*: " + " · ".join(f"{f.label}: *{_value(f)}*" for f in figures)
                       for name, figures in measures.counts.values())
    return [section(f"*{title}* ({covers})\n{funnel}\n{_lines(measures.figures)}\n{counts}")]


def programme_stats_message(buddies, across, *, days: int, stretched: list | None, mentoring=None, circles=None,
                            talks=None, feedback=None) -> dict:
    """`buddies`: the buddy measures, or None when the workspace has no buddy programme;
    `mentoring`, `circles`, `talks`, `feedback`: their measures, or None when the workspace has none; `across`:
    the figures across programmes, or None when no programme exists; `stretched`: helpers in two
    or more roles, only for admins (None for everyone else)."""
    title = f"*Programmes, last {days} days*"
    if across is None:
        text = "No programme is running yet. `/peerbot buddies on` in a channel starts the buddy programme."
        return {"text": text, "blocks": [section(f"{title}\n{text}")]}
    blocks = [section(title)]
    if buddies is not None:
        funnel = " → ".join(f"{f.label.lower()} *{_value(f)}*" for f in buddies.funnel)
        bands = " · ".join(f"{f.label}: *{_value(f)}*" for f in buddies.meetings)
        attention = " · ".join(f"{f.label}: *{_value(f)}*" for f in buddies.attention)
        blocks.append(section(f"*Onboarding buddies* (hires whose first day is in the period)\n{funnel}\n"
                              f"{_lines(buddies.figures)}"))
        blocks.append(section(f"*Meetings reported in the first 90 days*: {bands}\n*Needs attention now*: {attention}"))
    for (name, covers), measures in zip(SECTIONS, (mentoring, circles, talks, feedback)):
        if measures is not None:
            blocks += _measures_blocks(name, covers, measures)
    blocks.append(section(f"*Across programmes (now)*\n{_lines([across.reach, across.in_programmes])}"))
    if stretched is not None:
        names = "\n".join(f"• <@{h.user_id}>: {', '.join(h.roles)}" for h in stretched) or "• nobody"
        blocks.append(section(f"*Helpers in two or more roles* (only admins see this)\n{names}"))
    blocks.append({"type": "context", "elements": [mrkdwn(
        "Figures about fewer than 5 people show &lt;5; ratings and comments are never shown per person. "
        "The dashboard's Programmes page has the same numbers.")]})
    return {"text": f"Programmes, last {days} days", "blocks": blocks}
