"""Mentoring messages and modals (PROGRAMMES.md §4). Pure builders: they
get ids, people's own text (topics, goals, reasons naming topics) unescaped
and escape it, dates already turned into Slack date tokens, and return
text + blocks (or a view)."""

from __future__ import annotations

import json

from peerbot.blocks import ids
from peerbot.blocks.text import escape, mrkdwn, plain, section

ROLE_OPTIONS = (("mentor", "Mentor: I'd like to help someone grow"), ("mentee", "Mentee: I'd like a mentor"),
                ("both", "Both"))
FIT_OPTIONS = (("good", "Good fit"), ("deciding", "Still deciding"), ("not_a_fit", "Not a fit"))
CADENCE = "every 2 weeks, 45 minutes"


def _keyed(key: str, text: str) -> dict:
    """The first block carries the outbox key, so a re-claimed post can be found."""
    return {"type": "section", "block_id": key, "text": mrkdwn(text)}


def _option(value: str, label: str) -> dict:
    return {"text": plain(label), "value": value}


def _goals(goals: list[str]) -> str:
    return "\n".join(f"{n}. {escape(g)}" for n, g in enumerate(goals, 1)) or "_No goals written down yet._"


# ---- enrolment -------------------------------------------------------------------------------------------


def enrol_modal(role: str | None, topics: list[str], goals: list[str], capacity: int, blocked: list[str]) -> dict:
    def text_input(block_id: str, label: str, value: str, *, optional: bool, hint: str | None = None,
                   max_length: int = 150) -> dict:
        element = {"type": "plain_text_input", "action_id": block_id, "max_length": max_length}
        if value:
            element["initial_value"] = value
        block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element,
                 "optional": optional}
        if hint:
            block["hint"] = plain(hint)
        return block

    options = [_option(v, label) for v, label in ROLE_OPTIONS]
    role_element = {"type": "radio_buttons", "action_id": "role", "options": options}
    if role:
        role_element["initial_option"] = next(o for o in options if o["value"] == role)
    capacity_options = [_option(str(n), str(n)) for n in range(1, 6)]
    blocked_element = {"type": "multi_users_select", "action_id": "blocked", "max_selected_items": 10,
                       "placeholder": plain("Nobody")}
    if blocked:
        blocked_element["initial_users"] = blocked
    blocks = [
        {"type": "input", "block_id": "role", "label": plain("I'd like to take part as"), "element": role_element},
        text_input("topics", "Topics", ", ".join(topics), optional=False, max_length=300,
                   hint="Comma-separated: what you'd like to learn, or can help with. E.g. sql, public speaking"),
        *(text_input(f"goal_{n}", f"Goal {n} (mentees)", goals[n - 1] if len(goals) >= n else "", optional=True)
          for n in range(1, 4)),
        {"type": "input", "block_id": "capacity", "label": plain("Mentees at a time (mentors)"),
         "hint": plain("Up to 5. Two is a good start."),
         "element": {"type": "static_select", "action_id": "capacity", "options": capacity_options,
                     "initial_option": capacity_options[capacity - 1]}},
        {"type": "input", "block_id": "blocked", "optional": True, "label": plain("Never match me with"),
         "hint": plain("Only peerbot sees this list."), "element": blocked_element},
    ]
    return {"type": "modal", "callback_id": ids.MENTOR_ENROL_MODAL, "title": plain("Mentoring"),
            "submit": plain("Save"), "close": plain("Cancel"), "blocks": blocks}


def read_enrolment(view: dict) -> tuple[str | None, str, list[str], str | None, list[str]]:
    """(role, topics text, goals, capacity, blocked people) from a submitted modal."""
    state = view.get("state", {}).get("values", {})

    def value(block: str) -> dict:
        return (state.get(block) or {}).get(block) or {}

    role = (value("role").get("selected_option") or {}).get("value")
    goals = [value(f"goal_{n}").get("value") or "" for n in range(1, 4)]
    capacity = (value("capacity").get("selected_option") or {}).get("value")
    return role, value("topics").get("value") or "", goals, capacity, list(value("blocked").get("selected_users") or [])


def enrolled_message(roles: tuple[str, ...], topics: list[str], capacity: int, first: bool) -> str:
    what = " and ".join(roles)
    saved = "You're enrolled" if first else "Your enrolment is updated"
    text = f"{saved} as a {what}, on {escape(', '.join(topics))}."
    if "mentor" in roles:
        text += f" You'll be asked before anyone becomes your mentee; up to {capacity} at a time."
    return text


# ---- suggestions and requests ---------------------------------------------------------------------------


def suggestions_message(suggestions: list[tuple[str, str]], rematch_of: int | None = None) -> dict:
    """`suggestions`: (mentor, reason), best first. Each Request button
    carries the whole order, so a decline or expiry asks the next one."""
    if not suggestions:
        text = "No mentor on your topics has room right now."
        return {"text": text, "blocks": [section(text)]}
    order = [m for m, _ in suggestions]
    text = ("Mentors who could help you, best first. Request one: they have 3 days to accept, then I ask the next."
            if len(suggestions) > 1 else
            "A mentor who could help you. Request them: they have 3 days to accept or decline.")
    blocks = [section(text)]
    for n, (mentor, why) in enumerate(suggestions, 1):
        value = json.dumps({"order": [mentor] + [m for m in order if m != mentor], "rematch_of": rematch_of})
        blocks.append({"type": "section", "block_id": f"msug-{n}", "text": mrkdwn(f"{n}. <@{mentor}>: {escape(why)}"),
                       "accessory": {"type": "button", "text": plain("Request"), "action_id": ids.MENTOR_REQUEST,
                                     "value": value}})
    return {"text": text, "blocks": blocks}


def request_message(key: str, request_id: int, mentee_id: str, topics: list[str], goals: list[str], why: str,
                    expires_token: str, choice: int) -> dict:
    text = (f"<@{mentee_id}> would like you as their mentor. Why you: {escape(why)}. "
            f"Topics: {escape(', '.join(topics))}. "
            f"Please answer by {expires_token}; if you can't, I'll ask their next choice.")
    if choice > 1:
        text += " (You're a later choice: an earlier mentor couldn't take them on.)"
    value = str(request_id)
    return {"text": text, "blocks": [
        _keyed(key, text),
        section(f"*Their goals*\n{_goals(goals)}"),
        {"type": "actions", "block_id": f"mreq-{request_id}", "elements": [
            {"type": "button", "text": plain("Accept"), "action_id": ids.MENTOR_ACCEPT, "value": value,
             "style": "primary"},
            {"type": "button", "text": plain("Decline"), "action_id": ids.MENTOR_DECLINE, "value": value},
        ]}]}


def request_answered(mentee_id: str, accepted: bool) -> dict:
    text = (f"You accepted <@{mentee_id}> as your mentee. I've opened a group chat for you both." if accepted else
            f"You declined <@{mentee_id}>'s request. Thanks for answering: I'll ask their next choice.")
    return {"text": text, "blocks": [section(text)]}


def requested_text(mentor_id: str, expires_token: str) -> str:
    return (f"I've asked <@{mentor_id}>. They have until {expires_token} to accept; if they can't, "
            "I'll ask your next choice and tell you.")


def waitlisted_text(position: int) -> str:
    return (f"No mentor on your topics has a free slot right now, so you're on the waitlist: number {position}. "
            "I'll ask a mentor for you as soon as one has room.")


def next_notice(key: str, mentor_id: str, how: str, next_mentor: str | None, position: int | None,
                expires_token: str | None) -> dict:
    """To the mentee after a decline or expiry: who is asked next, or their place on the waitlist."""
    what = "couldn't take you on this time" if how == "declined" else "didn't answer within 3 days"
    text = f"<@{mentor_id}> {what}."
    if next_mentor:
        text += " " + requested_text(next_mentor, expires_token or "")
    elif position is not None:
        text += " " + waitlisted_text(position)
    return {"text": text, "blocks": [_keyed(key, text)]}


def accepted_notice(key: str, mentor_id: str) -> dict:
    text = f"<@{mentor_id}> accepted: they're your mentor! I've opened a group chat for you both."
    return {"text": text, "blocks": [_keyed(key, text)]}


def cohort_unplaced(key: str, why: str, position: int) -> dict:
    text = (f"The mentoring cohort's matches are out, and I couldn't place you: {why}. You're on the waitlist, "
            f"number {position}: I'll ask a mentor for you as soon as one has room.")
    return {"text": text, "blocks": [_keyed(key, text)]}


def waitlist_served(key: str, mentor_id: str, expires_token: str) -> dict:
    text = "Good news: a mentor has room. " + requested_text(mentor_id, expires_token)
    return {"text": text, "blocks": [_keyed(key, text)]}


# ---- the mentorship ------------------------------------------------------------------------------------


def kickoff_message(key: str, mentor_id: str, mentee_id: str, goals: list[str], ends_token: str) -> dict:
    text = (f"Welcome to your mentorship, <@{mentee_id}> and <@{mentor_id}>! It runs until {ends_token}. "
            f"A suggested rhythm: {CADENCE}. Agree your first time here.")
    return {"text": text, "blocks": [
        _keyed(key, text),
        section(f"*<@{mentee_id}>'s goals*\n{_goals(goals)}"),
        {"type": "context", "elements": [mrkdwn("In two weeks I'll ask you both how it's going; then every four "
                                                "weeks. `/mentor` shows your mentorship.")]}]}


def fit_message(key: str, mentorship_id: int, other_id: str) -> dict:
    text = f"Two weeks in: how is the fit with <@{other_id}>? Only you and peerbot see your answer."
    return {"text": text, "blocks": [
        _keyed(key, text),
        {"type": "actions", "block_id": f"mfit-{mentorship_id}", "elements": [
            {"type": "button", "text": plain(label), "action_id": f"{ids.MENTOR_FIT}_{value}",
             "value": str(mentorship_id)} for value, label in FIT_OPTIONS]}]}


def fit_answered(other_id: str, fit: str) -> dict:
    label = dict(FIT_OPTIONS)[fit]
    text = f"Two weeks in with <@{other_id}>: *{label}*. Thanks for telling me."
    return {"text": text, "blocks": [section(text)]}


def rematch_offer(key: str, mentorship_id: int, mentor_id: str) -> dict:
    text = (f"It sounds like the mentorship with <@{mentor_id}> isn't a fit, and that's fine. Would you like "
            "another mentor? I'll end this one and suggest others.")
    return {"text": text, "blocks": [
        _keyed(key, text),
        {"type": "actions", "block_id": f"mrematch-{mentorship_id}", "elements": [
            {"type": "button", "text": plain("Find another mentor"), "action_id": ids.MENTOR_REMATCH,
             "value": str(mentorship_id), "style": "primary"}]}]}


def checkin_question(day: int, other_id: str, as_mentee: bool) -> str:
    role = "your mentor" if as_mentee else "your mentee"
    return f"Mentoring check-in (day {day}): have you met <@{other_id}>, {role}, in the last four weeks?"


def survey_message(key: str, mentorship_id: int, other_id: str, ends_token: str) -> dict:
    text = (f"Your mentorship with <@{other_id}> reaches its end {ends_token}. How did it go? "
            "Take the 3-question survey, or extend it by three months.")
    return {"text": text, "blocks": [
        _keyed(key, text),
        {"type": "actions", "block_id": f"msurvey-{mentorship_id}", "elements": [
            {"type": "button", "text": plain("Take the survey"), "action_id": ids.MENTOR_SURVEY,
             "value": str(mentorship_id), "style": "primary"},
            {"type": "button", "text": plain("Extend 3 months"), "action_id": ids.MENTOR_EXTEND,
             "value": str(mentorship_id)}]}]}


def survey_modal(mentorship_id: int, as_mentee: bool) -> dict:
    def radio(block_id: str, label: str, options: list[tuple[str, str]]) -> dict:
        return {"type": "input", "block_id": block_id, "label": plain(label),
                "element": {"type": "radio_buttons", "action_id": block_id,
                            "options": [_option(v, t) for v, t in options]}}

    blocks = [radio("rating", "How useful was the mentorship?",
                    [(str(n), f"{n}" + {1: " - not at all", 5: " - very"}.get(n, "")) for n in range(1, 6)]),
              radio("recommend", "Would you recommend mentoring to a colleague?", [("yes", "Yes"), ("no", "No")])]
    if as_mentee:
        blocks.append(radio("goals", "Did you achieve your goals?",
                            [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]))
    blocks.append({"type": "context", "elements": [mrkdwn("Answers are only ever shown as totals.")]})
    return {"type": "modal", "callback_id": ids.MENTOR_SURVEY_MODAL, "private_metadata": str(mentorship_id),
            "title": plain("Mentoring survey"), "submit": plain("Send"), "close": plain("Cancel"), "blocks": blocks}


def read_survey(view: dict) -> tuple[int, int | None, bool | None, str | None]:
    state = view.get("state", {}).get("values", {})

    def picked(block: str) -> str | None:
        return (((state.get(block) or {}).get(block) or {}).get("selected_option") or {}).get("value")

    rating, recommend = picked("rating"), picked("recommend")
    return (int(view.get("private_metadata") or 0), int(rating) if rating else None,
            None if recommend is None else recommend == "yes", picked("goals"))


def extended_notice(key: str, by_id: str, until_token: str) -> dict:
    text = f"<@{by_id}> extended your mentorship: it now runs until {until_token}."
    return {"text": text, "blocks": [_keyed(key, text)]}


def ended_notice(key: str, other_id: str, by_id: str | None, reason: str) -> dict:
    if reason == "completed":
        text = f"Your mentorship with <@{other_id}> is complete. Thank you both for taking part!"
    elif reason == "not_a_fit":
        text = f"The mentorship with <@{other_id}> has ended as not a fit. No hard feelings: it happens."
    else:
        # `other_id` is the recipient's partner; whoever ended it early is one of the two.
        text = (f"<@{other_id}> ended the mentorship with you early." if by_id == other_id else
                f"You ended the mentorship with <@{other_id}> early." if by_id else
                f"Your mentorship with <@{other_id}> has ended.")
    return {"text": text, "blocks": [_keyed(key, text)]}


# ---- /mentor and App Home --------------------------------------------------------------------------------


def mentorship_line(mentorship_id: int, other_id: str, as_mentee: bool, health: str, ends_token: str,
                    meetings: int) -> dict:
    role = "Your mentor" if as_mentee else "Your mentee"
    text = (f"*{role}: <@{other_id}>* · {health} · {meetings} meeting{'s' if meetings != 1 else ''} reported · "
            f"until {ends_token}")
    return {"type": "section", "block_id": f"mship-{mentorship_id}", "text": mrkdwn(text)}


def mentorship_buttons(mentorship_id: int) -> dict:
    value = str(mentorship_id)
    return {"type": "actions", "block_id": f"mship-actions-{mentorship_id}", "elements": [
        {"type": "button", "text": plain("Extend 3 months"), "action_id": ids.MENTOR_EXTEND, "value": value},
        {"type": "button", "text": plain("End early"), "action_id": ids.MENTOR_END, "value": value,
         "confirm": {"title": plain("End the mentorship?"), "text": plain("You'll both be told. This can't be undone."),
                     "confirm": plain("End it"), "deny": plain("Keep going")}}]}


def status_message(mentorship_blocks: list[dict], enrolment: str | None, waiting: str | None,
                   can_find: bool) -> dict:
    blocks = list(mentorship_blocks)
    lines = [line for line in (enrolment, waiting) if line]
    if not blocks and not lines:
        lines.append("You're not in the mentoring programme yet. Enrol as a mentor, a mentee or both.")
    if lines:
        blocks.append(section("\n".join(lines)))
    elements = [{"type": "button", "text": plain("Edit enrolment" if enrolment else "Enrol"),
                 "action_id": ids.MENTOR_ENROL, "value": "enrol"}]
    if can_find:
        elements.append({"type": "button", "text": plain("Find a mentor"), "action_id": ids.MENTOR_FIND,
                         "value": "find", "style": "primary"})
    blocks.append({"type": "actions", "block_id": "mentor-status", "elements": elements})
    text = "\n".join([b["text"]["text"] for b in mentorship_blocks if b.get("type") == "section"] + lines)
    return {"text": text or "Your mentoring", "blocks": blocks}


def note_modal(text: str) -> dict:
    return {"type": "modal", "title": plain("Mentoring"), "close": plain("Close"), "blocks": [section(text)]}
