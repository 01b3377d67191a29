"""Programme settings modal (PROGRAMMES.md defaults) and the check-in DMs
every programme shares. Pure builders."""

from __future__ import annotations

import json

from peerbot.blocks import ids
from peerbot.blocks.text import mrkdwn, plain, section
from peerbot.services.programmes import BuddySettings

SETTING_FIELDS = (
    ("capacity", "Hires per buddy at a time", "1 or 2"),
    ("assign_days_before", "Suggest buddies (business days before the start)", "0 to 20; default 5"),
    ("autopick_after", "Take the top suggestion after (business days)", "1 to 10; default 2"),
    ("headsup_days_before", "Buddy's heads-up (business days before the start)", "0 to 10; default 3"),
    ("checkin_days", "Check-in days after the start", "Comma-separated, default 7, 30, 60, 90"),
    ("holidays", "Programme holidays", "YYYY-MM-DD dates, comma-separated: no business day, no reminders"),
)


def settings_modal(channel_id: str, kind: str, current: BuddySettings) -> dict:
    values = {"capacity": str(current.capacity), "assign_days_before": str(current.assign_days_before),
              "autopick_after": str(current.autopick_after), "headsup_days_before": str(current.headsup_days_before),
              "checkin_days": ", ".join(str(d) for d in current.checkin_days),
              "holidays": ", ".join(current.holidays)}
    blocks = [section(f"Settings of the {kind} programme, whose home is <#{channel_id}>.")]
    for key, label, hint in SETTING_FIELDS:
        element = {"type": "plain_text_input", "action_id": key, "max_length": 300}
        if values[key]:
            element["initial_value"] = values[key]
        blocks.append({"type": "input", "block_id": key, "label": plain(label), "element": element,
                       "hint": plain(hint), "optional": key == "holidays"})
    return {"type": "modal", "callback_id": ids.PROGRAMME_SETTINGS_MODAL,
            "private_metadata": json.dumps({"channel": channel_id, "kind": kind}),
            "title": plain("Programme settings"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": blocks}


def read_settings(view: dict) -> tuple[dict, dict[str, str]]:
    """(private metadata, raw text values by setting)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    state = view.get("state", {}).get("values", {})
    raw = {key: (state.get(key, {}).get(key, {}) or {}).get("value") or "" for key, _, _ in SETTING_FIELDS}
    return meta, raw


def refusal_modal(kind: str) -> dict:
    return {"type": "modal", "title": plain("Programme settings"), "close": plain("Close"),
            "blocks": [section(f"Only workspace admins, or whoever switched the {kind} programme on, "
                               "can change its settings.")]}


# ---- the check-in -----------------------------------------------------------------------------------

ANSWER_TEXT = {"met": "You met :tada:", "not_yet": "Not yet", "skip": "Skipped"}


def checkin_message(checkin_id: int, key: str, question: str) -> dict:
    value = str(checkin_id)
    return {"text": question, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(question)},
        {"type": "actions", "block_id": f"checkin-{checkin_id}", "elements": [
            {"type": "button", "text": plain("Met"), "action_id": ids.CHECKIN_MET, "value": value, "style": "primary"},
            {"type": "button", "text": plain("Not yet"), "action_id": ids.CHECKIN_NOT_YET, "value": value},
            {"type": "button", "text": plain("Skip"), "action_id": ids.CHECKIN_SKIP, "value": value},
        ]},
    ]}


def checkin_answered(checkin_id: int, question: str, answer: str, rating: int | None = None) -> dict:
    """The check-in after an answer: 1-5 "useful?", a comment, and "We met"
    while no meeting is reported. Only the person sees their own rating."""
    value = str(checkin_id)
    blocks = [section(question), {"type": "context", "elements": [mrkdwn(f"Your answer: *{ANSWER_TEXT[answer]}*"
                                                                         + (f" · useful: {rating}/5" if rating else ""))]}]
    elements = []
    if answer != "met":
        elements.append({"type": "button", "text": plain("We met"), "action_id": ids.CHECKIN_MET, "value": value,
                         "style": "primary"})
    else:
        elements += [{"type": "button", "text": plain(str(n)), "action_id": f"{ids.CHECKIN_RATE}_{n}",
                      "value": f"{checkin_id}:{n}"} for n in range(1, 6)]
    elements.append({"type": "button", "text": plain("Add a comment"), "action_id": ids.CHECKIN_COMMENT,
                     "value": value})
    if answer == "met":
        blocks.append(section("How useful was it? 1 = not at all, 5 = very. Optional; only totals are ever shown."))
    blocks.append({"type": "actions", "block_id": f"checkin-{checkin_id}", "elements": elements})
    return {"text": f"{question} ({ANSWER_TEXT[answer]})", "blocks": blocks}


def comment_modal(checkin_id: int) -> dict:
    return {"type": "modal", "callback_id": ids.CHECKIN_COMMENT_MODAL, "private_metadata": str(checkin_id),
            "title": plain("Check-in comment"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": [{"type": "input", "block_id": ids.CHECKIN_COMMENT_INPUT, "label": plain("Anything to add?"),
                        "hint": plain("Never shown with your name to admins."),
                        "element": {"type": "plain_text_input", "action_id": ids.CHECKIN_COMMENT_INPUT,
                                    "multiline": True, "max_length": 1000}}]}


def pause_question(key: str, kind: str) -> dict:
    text = (f"You haven't answered the last three {kind} check-ins, so I've paused them for you. "
            "Would you like to stay, pause, or leave the programme?")
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "block_id": "checkin-pause", "elements": [
            {"type": "button", "text": plain("Stay"), "action_id": ids.CHECKIN_STAY, "value": kind, "style": "primary"},
            {"type": "button", "text": plain("Pause"), "action_id": ids.CHECKIN_PAUSE, "value": kind},
            {"type": "button", "text": plain("Leave"), "action_id": ids.CHECKIN_LEAVE, "value": kind},
        ]}]}


def note(text: str) -> dict:
    return {"text": text, "blocks": [section(text)]}

