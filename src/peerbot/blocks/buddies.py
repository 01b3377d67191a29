"""Onboarding-buddy messages (PROGRAMMES.md §3). Pure builders: they get
ids, dates already turned into Slack date tokens, and return text + blocks."""

from __future__ import annotations

from peerbot.blocks import ids
from peerbot.blocks.text import mrkdwn, plain, section


def suggestions_message(key: str, pairing_id: int, hire_id: str, start_token: str, suggestions: list[str],
                        autopick_token: str) -> dict:
    if suggestions:
        intro = (f"<@{hire_id}> starts {start_token}. Here are three colleagues who could be their buddy, "
                 f"best first. If nobody is picked by {autopick_token}, I'll ask the first one.")
    else:
        intro = (f"<@{hire_id}> starts {start_token}, and no volunteer buddy has room right now. "
                 "Choose someone below, or ask colleagues to `/buddy volunteer`.")
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(intro)}]
    for n, user in enumerate(suggestions, 1):
        blocks.append({"type": "section", "block_id": f"bsug-{pairing_id}-{n}", "text": mrkdwn(f"{n}. <@{user}>"),
                       "accessory": {"type": "button", "text": plain("Pick"), "action_id": ids.BUDDY_PICK,
                                     "value": f"{pairing_id}:{user}"}})
    blocks.append({"type": "actions", "block_id": f"bpick-{pairing_id}", "elements": [
        {"type": "users_select", "action_id": ids.BUDDY_PICK_OTHER, "placeholder": plain("Or choose someone else")}]})
    return {"text": f"Choose a buddy for a new hire starting {start_token}", "blocks": blocks}


def picked_message(hire_id: str, buddy_id: str, how: str) -> dict:
    why = "You picked" if how == "picked" else "Nobody picked in time, so I took the top suggestion:"
    text = f"{why} <@{buddy_id}> as <@{hire_id}>'s buddy. I'll give them a heads-up before the start."
    return {"text": text, "blocks": [section(text)]}


def autopicked_notice(key: str, hire_id: str, buddy_id: str) -> dict:
    text = (f"Nobody picked a buddy for <@{hire_id}> within two business days, so I took the top suggestion: "
            f"<@{buddy_id}>.")
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}]}


def headsup_message(key: str, hire_id: str, start_token: str, manager_id: str | None) -> dict:
    manager = f" (their manager is <@{manager_id}>)" if manager_id else ""
    text = (f"Heads-up: you're <@{hire_id}>'s buddy{manager}. They start {start_token}. On their first morning "
            "I'll open a group chat for you. Until day 30 a weekly chat works well, then every two weeks.")
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}]}


def intro_message(key: str, hire_id: str, buddy_id: str, manager_id: str | None) -> dict:
    manager = f" <@{manager_id}>, your manager, is here too." if manager_id else ""
    text = (f"Welcome, <@{hire_id}>! <@{buddy_id}> is your buddy for your first 90 days: ask them anything, "
            f"however small.{manager}")
    first_week = ("*Good topics for your first week*: how the team works, who to ask for what, the tools you'll "
                  "use, where decisions are written down.\n*Getting help*: `/ask` a question in any channel, "
                  "`/kb` searches what colleagues saved, `/experts` finds who knows a topic.")
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}, section(first_week)]}


def wrapup_message(key: str, other_id: str, as_hire: bool) -> dict:
    if as_hire:
        text = (f"Day 90: your buddy time with <@{other_id}> is complete. Thank them if you like, and pass it on: "
                "`/buddy volunteer` makes you a buddy for the next new colleague.")
    else:
        text = f"Day 90: your time as <@{other_id}>'s buddy is complete. Thank you for helping them settle in!"
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}]}


def status_text(as_hire: list[tuple[str | None, str]], as_buddy: list[tuple[str, str]], volunteer: str | None) -> str:
    """`as_hire`: (buddy, next step); `as_buddy`: (hire, next step)."""
    lines = []
    for buddy, nxt in as_hire:
        lines.append(f"Your buddy: <@{buddy}>. {nxt}" if buddy else f"Your buddy is being chosen. {nxt}")
    for hire, nxt in as_buddy:
        lines.append(f"You're looking after <@{hire}>. {nxt}")
    if volunteer:
        lines.append(volunteer)
    return "\n".join(lines) or ("You have no buddy or hires right now. `/buddy volunteer` joins the pool of "
                                "buddies for new colleagues.")


def home_section(lines: list[str], attention: list[str] | None) -> list[dict]:
    blocks = [section("*Programmes*\n" + ("\n".join(lines) if lines else
                                          "_Nothing yet. `/buddy volunteer` to help a new colleague settle in._"))]
    if attention is not None:
        body = "\n".join(attention[:15]) if attention else "_Nothing needs attention._"
        blocks.append(section("*Needs attention* (admins only)\n" + body))
    return blocks
