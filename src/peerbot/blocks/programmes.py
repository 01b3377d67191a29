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
    channel = {"type": "conversations_select", "action_id": VOLUNTEERS, "placeholder": plain("e.g. #buddy-volunteers"),
               "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if current.volunteers_channel:
        channel["initial_conversation"] = current.volunteers_channel
    blocks.append({"type": "input", "block_id": VOLUNTEERS, "label": plain("Volunteers channel"), "optional": True,
                   "element": channel, "hint": plain("Its members are in the buddy pool; invite @peerbot to it.")})
    preview = {"type": "checkboxes", "action_id": PREVIEW, "options": [PREVIEW_OPTION]}
    if current.preview:
        preview["initial_options"] = [PREVIEW_OPTION]
    blocks.append({"type": "input", "block_id": PREVIEW, "label": plain("Admin preview"), "optional": True,
                   "element": preview})
    return {"type": "modal", "callback_id": ids.PROGRAMME_SETTINGS_MODAL,
            "private_metadata": json.dumps({"channel": channel_id, "kind": kind}),
            "title": plain("Programme settings"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": blocks}


VOLUNTEERS, PREVIEW = "volunteers_channel", "preview"
PREVIEW_OPTION = {"text": plain("I preview each hire's suggestions before their manager gets them"), "value": "yes"}


def read_settings(view: dict) -> tuple[dict, dict[str, str]]:
    """(private metadata, raw text values by setting)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    state = view.get("state", {}).get("values", {})
    raw = {key: (state.get(key, {}).get(key, {}) or {}).get("value") or "" for key, _, _ in SETTING_FIELDS}
    raw[VOLUNTEERS] = (state.get(VOLUNTEERS, {}).get(VOLUNTEERS) or {}).get("selected_conversation") or ""
    chosen = (state.get(PREVIEW, {}).get(PREVIEW) or {}).get("selected_options") or []
    raw[PREVIEW] = "yes" if chosen else ""
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


def paused_note(kind: str) -> dict:
    text = f"Paused: no {kind} check-ins for now. Press Resume whenever you're ready."
    return {"text": text, "blocks": [section(text), {"type": "actions", "block_id": "checkin-paused", "elements": [
        {"type": "button", "text": plain("Resume"), "action_id": ids.CHECKIN_STAY, "value": kind}]}]}


def note(text: str) -> dict:
    return {"text": text, "blocks": [section(text)]}



# ---- a matching round's admin preview (every programme) ---------------------------------------------


def round_preview(key: str, round_id: int, title: str, groups: list[list[str]], unplaced: dict[str, str],
                  label: str = "Publish") -> dict:
    """What a round would do, for the admin to check before anyone is told."""
    lines = [f"{n}. " + " · ".join(f"<@{u}>" for u in g) for n, g in enumerate(groups, 1)]
    lines += [f"• <@{u}> not placed: {why}" for u, why in unplaced.items()]
    body = "\n".join(lines[:40]) or "_Nobody to place._"
    return {"text": f"Preview: {title}", "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(f"*Preview:* {title}\nNobody has been told yet.")},
        section(body),
        {"type": "actions", "block_id": f"round-{round_id}", "elements": [
            {"type": "button", "text": plain(label), "action_id": ids.ROUND_PUBLISH, "value": str(round_id),
             "style": "primary"}]}]}


def round_published(preview: str, by: str) -> dict:
    """The preview once published: its text stays, the button goes."""
    text = f"*Published* by <@{by}>: everyone in it has been told."
    return {"text": text, "blocks": [section(preview.replace("Nobody has been told yet.", "").strip()), section(text)]}