"""Onboarding-buddy messages (PROGRAMMES.md §3). Pure builders: they get
ids, dates already turned into Slack date tokens, and return text + blocks."""

from __future__ import annotations

from peerbot.blocks import ids
from peerbot.blocks.text import mrkdwn, plain, section


def suggestions_message(key: str, pairing_id: int, hire_id: str, start_token: str, suggestions: list[str],
                        autopick_token: str) -> dict:
    if suggestions:
        who = "a colleague who could be their buddy" if len(suggestions) == 1 else \
            f"{len(suggestions)} colleagues who could be their buddy, best first"
        intro = (f"<@{hire_id}> starts {start_token}. Here {'is' if len(suggestions) == 1 else 'are'} {who}. "
                 f"If nobody is picked by {autopick_token}, I'll ask the first one.")
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


def intro_message(key: str, pairing_id: int, hire_id: str, buddy_id: str, manager_id: str | None) -> dict:
    manager = f" <@{manager_id}>, your manager, is here too." if manager_id else ""
    text = (f"Welcome, <@{hire_id}>! <@{buddy_id}> is your buddy for your first 90 days: ask them anything, "
            f"however small.{manager}")
    first_week = ("*Good topics for your first week*: how the team works, who to ask for what, the tools you'll "
                  "use, where decisions are written down.\n*Getting help*: `/ask` a question in any channel, "
                  "`/kb` searches what colleagues saved, `/experts` finds who knows a topic.")
    met = {"type": "actions", "block_id": f"bmet-{pairing_id}", "elements": [
        {"type": "button", "text": plain("We've had our first chat"), "action_id": ids.BUDDY_MET,
         "value": str(pairing_id)}]}
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}, section(first_week),
                                     met]}


def first_chat_noted(by: str) -> dict:
    text = f"Noted: <@{by}> says you've had your first chat. :tada:"
    return {"text": text, "blocks": [{"type": "context", "elements": [mrkdwn(text)]}]}


def wrapup_message(key: str, pairing_id: int, other_id: str, as_hire: bool) -> dict:
    if as_hire:
        text = (f"Day 90: your buddy time with <@{other_id}> is complete. Thank them if you like, and pass it on: "
                "become a buddy for the next new colleague.")
        buttons = [
            {"type": "button", "text": plain("Thank them in the programme channel"), "action_id": ids.BUDDY_THANKS,
             "value": str(pairing_id)},
            {"type": "button", "text": plain("Become a buddy"), "action_id": ids.BUDDY_VOLUNTEER, "value": "wrapup",
             "style": "primary"}]
    else:
        text = f"Day 90: your time as <@{other_id}>'s buddy is complete. Thank you for helping them settle in!"
        buttons = []
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(text)}]
    if buttons:
        blocks.append({"type": "actions", "block_id": f"bwrap-{pairing_id}", "elements": buttons})
    return {"text": text, "blocks": blocks}


def public_thanks(key: str, hire_id: str, buddy_id: str) -> dict:
    text = (f":sparkles: <@{hire_id}> thanks <@{buddy_id}> for being their onboarding buddy these 90 days! "
            "Want to help the next new colleague? `/buddy volunteer`")
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}]}


def newcomer_message(key: str, user_id: str) -> dict:
    text = f"<@{user_id}> just joined the workspace. Should they get an onboarding buddy?"
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "block_id": f"bnew-{user_id}", "elements": [
            {"type": "button", "text": plain("Enrol"), "action_id": ids.BUDDY_NEWCOMER_ENROL, "value": user_id,
             "style": "primary"},
            {"type": "button", "text": plain("Ignore"), "action_id": ids.BUDDY_NEWCOMER_IGNORE, "value": user_id}]}]}


def newcomer_decided(user_id: str, outcome: str) -> dict:
    """The Enrol / Ignore DM once decided: the buttons are gone."""
    text = f"<@{user_id}> joined the workspace. {outcome}"
    return {"text": text, "blocks": [section(text)]}


def enrol_modal(hire_id: str, today: str, meta: str) -> dict:
    """Start date and manager for a new member enrolled from the Enrol button."""
    return {"type": "modal", "callback_id": ids.BUDDY_ENROL_MODAL, "private_metadata": meta,
            "title": plain("Enrol a new hire"), "submit": plain("Enrol"), "close": plain("Cancel"),
            "blocks": [
                section(f"<@{hire_id}> gets an onboarding buddy. Their manager gets three suggestions by DM."),
                {"type": "input", "block_id": ids.BUDDY_ENROL_START, "label": plain("Start date"),
                 "element": {"type": "datepicker", "action_id": ids.BUDDY_ENROL_START, "initial_date": today}},
                {"type": "input", "block_id": ids.BUDDY_ENROL_MANAGER, "label": plain("Manager"), "optional": True,
                 "hint": plain("They choose the buddy. Without one, you do."),
                 "element": {"type": "users_select", "action_id": ids.BUDDY_ENROL_MANAGER,
                             "placeholder": plain("Choose their manager")}}]}


def read_enrol_modal(view: dict) -> tuple[str | None, str | None]:
    """(start date as YYYY-MM-DD, manager id) from the enrol modal."""
    state = view.get("state", {}).get("values", {})
    start = (state.get(ids.BUDDY_ENROL_START, {}).get(ids.BUDDY_ENROL_START) or {}).get("selected_date")
    manager = (state.get(ids.BUDDY_ENROL_MANAGER, {}).get(ids.BUDDY_ENROL_MANAGER) or {}).get("selected_user")
    return start, manager


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
