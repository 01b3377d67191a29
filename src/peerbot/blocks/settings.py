"""The /peerbot settings modal: a channel's time zone, digest day and time,
prompt time, workdays, emoji and escalation hours; and reading it back with
errors per input (`response_action: errors`)."""

from __future__ import annotations

import json

from peerbot.blocks import ids
from peerbot.blocks.text import escape, plain, section
from peerbot.services import subscriptions
from peerbot.services.subscriptions import DAY_NAMES, Changes

MAX_ESCALATION_HOURS = 240


def _option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


def _text_input(block_id: str, label: str, value: str | None, *, hint: str | None = None,
                optional: bool = False, placeholder: str | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": block_id, "max_length": 64}
    if value:
        element["initial_value"] = value
    if placeholder:
        element["placeholder"] = plain(placeholder)
    block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint)
    return block


def settings_modal(channel_id: str, current, default_tz: str) -> dict:
    """`current` is the channel's ChannelSettings row, or None for the defaults."""
    schedule = subscriptions.schedule_of(current, default_tz)
    days = [_option(name, str(n)) for n, name in enumerate(DAY_NAMES)]
    workdays = [days[n] for n in sorted(schedule.workdays)]
    workdays_element = {"type": "checkboxes", "action_id": ids.SETTINGS_WORKDAYS, "options": days}
    if workdays:
        workdays_element["initial_options"] = workdays
    blocks = [
        section(f"Settings for <#{channel_id}>: when its weekly digest and daily prompts are posted."),
        _text_input(ids.SETTINGS_TIMEZONE, "Time zone", schedule.tz,
                    hint=f"An IANA time zone such as Europe/Berlin or America/New_York (default {default_tz})."),
        {"type": "input", "block_id": ids.SETTINGS_DIGEST_DAY, "label": plain("Digest day"),
         "element": {"type": "static_select", "action_id": ids.SETTINGS_DIGEST_DAY, "options": days,
                     "initial_option": days[schedule.digest_day]}},
        _text_input(ids.SETTINGS_DIGEST_TIME, "Digest time", schedule.digest_time.strftime("%H:%M"),
                    hint="24-hour time, e.g. 09:00"),
        _text_input(ids.SETTINGS_PROMPT_TIME, "Daily prompt time", schedule.prompt_time.strftime("%H:%M"),
                    hint="24-hour time, e.g. 10:00"),
        {"type": "input", "block_id": ids.SETTINGS_WORKDAYS, "label": plain("Prompt days"),
         "element": workdays_element},
        _text_input(ids.SETTINGS_SAVE_EMOJI, "Save emoji", current.save_emoji if current else None,
                    optional=True, placeholder="bookmark", hint="Reaction that saves a message (default :bookmark:)."),
        _text_input(ids.SETTINGS_ACCEPT_EMOJI, "Accept emoji", current.accept_emoji if current else None,
                    optional=True, placeholder="white_check_mark",
                    hint="Reaction with which an asker accepts an answer (default :white_check_mark:)."),
        _text_input(ids.SETTINGS_ESCALATION_HOURS, "Escalate after (working hours)",
                    str(current.escalation_hours) if current and current.escalation_hours else None,
                    optional=True, placeholder="24",
                    hint="Unanswered questions go to more experts after this many working hours."),
    ]
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_MODAL,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": plain("Channel settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def refusal_modal(channel_id: str) -> dict:
    text = (f"Sorry — only workspace admins or the person who switched on the digest or prompts in "
            f"<#{channel_id}> can change its settings. Ask them, or an admin, to run `/peerbot settings` there.")
    return {"type": "modal", "title": plain("Channel settings"), "close": plain("Close"), "blocks": [section(text)]}


def _value(values: dict, block_id: str) -> str:
    return (values.get(block_id, {}).get(block_id, {}).get("value") or "").strip()


def read_settings(view: dict) -> tuple[str | None, Changes | None, dict[str, str]]:
    """(channel, the changes, errors by block id). Pure: the ack uses it."""
    values = view.get("state", {}).get("values", {})
    channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    errors: dict[str, str] = {}
    zone_text = _value(values, ids.SETTINGS_TIMEZONE)
    zone = subscriptions.parse_zone(zone_text)
    if zone is None:
        errors[ids.SETTINGS_TIMEZONE] = (f"I don't know the time zone “{zone_text[:40]}”. "
                                         "Use a name like Europe/Berlin or America/New_York.")
    times = {}
    for block_id in (ids.SETTINGS_DIGEST_TIME, ids.SETTINGS_PROMPT_TIME):
        times[block_id] = subscriptions.parse_time(_value(values, block_id))
        if times[block_id] is None:
            errors[block_id] = "Use a 24-hour time like 09:00 or 14:30."
    day_option = values.get(ids.SETTINGS_DIGEST_DAY, {}).get(ids.SETTINGS_DIGEST_DAY, {}).get("selected_option")
    digest_day = int(day_option["value"]) if day_option and day_option.get("value", "").isdigit() else None
    if digest_day is None or not 0 <= digest_day < 7:
        errors[ids.SETTINGS_DIGEST_DAY] = "Pick the day for the digest."
    chosen = values.get(ids.SETTINGS_WORKDAYS, {}).get(ids.SETTINGS_WORKDAYS, {}).get("selected_options") or []
    workdays = frozenset(int(o["value"]) for o in chosen if str(o.get("value", "")).isdigit() and int(o["value"]) < 7)
    if not workdays:
        errors[ids.SETTINGS_WORKDAYS] = "Pick at least one day (or switch prompts off with `/peerbot prompts off`)."
    emoji = {}
    for block_id in (ids.SETTINGS_SAVE_EMOJI, ids.SETTINGS_ACCEPT_EMOJI):
        typed = _value(values, block_id)
        emoji[block_id] = subscriptions.parse_emoji(typed) if typed else None
        if typed and emoji[block_id] is None:
            errors[block_id] = f"“{typed[:40]}” is not an emoji name; type it like :tada: or tada."
    if emoji[ids.SETTINGS_SAVE_EMOJI] and emoji[ids.SETTINGS_SAVE_EMOJI] == emoji[ids.SETTINGS_ACCEPT_EMOJI]:
        errors[ids.SETTINGS_ACCEPT_EMOJI] = "Saving and accepting need different emoji."
    hours_text = _value(values, ids.SETTINGS_ESCALATION_HOURS)
    hours = int(hours_text) if hours_text.isdigit() else None
    if hours_text and (hours is None or not 1 <= hours <= MAX_ESCALATION_HOURS):
        errors[ids.SETTINGS_ESCALATION_HOURS] = f"A whole number of working hours from 1 to {MAX_ESCALATION_HOURS}."
    if not channel:
        errors[ids.SETTINGS_TIMEZONE] = "This form lost its channel; run `/peerbot settings` again."
    if errors:
        return channel, None, errors
    return channel, Changes(zone, digest_day, times[ids.SETTINGS_DIGEST_TIME], times[ids.SETTINGS_PROMPT_TIME],
                            workdays, emoji[ids.SETTINGS_SAVE_EMOJI], emoji[ids.SETTINGS_ACCEPT_EMOJI], hours), {}


def saved_notice(channel_id: str, row, default_tz: str) -> str:
    schedule = subscriptions.schedule_of(row, default_tz)
    days = ", ".join(DAY_NAMES[d][:3] for d in sorted(schedule.workdays))
    return (f"Saved. In <#{channel_id}> ({escape(schedule.tz)}): the digest comes "
            f"{DAY_NAMES[schedule.digest_day]}s at {schedule.digest_time:%H:%M}, prompts on {days} at "
            f"{schedule.prompt_time:%H:%M}.")
