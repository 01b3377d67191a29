"""Coaching-circle messages and modals (PROGRAMMES.md §5). Pure builders:
ids, people's commitments unescaped (escaped here), times as Slack date
tokens; they return text + blocks (or a view)."""

from __future__ import annotations

from peerbot.blocks import ids
from peerbot.blocks.text import escape, mrkdwn, plain, section
from peerbot.services.circles import OUTCOMES, PROTOCOL


def _keyed(key: str, text: str) -> dict:
    """The first block carries the outbox key, so a re-claimed post can be found."""
    return {"type": "section", "block_id": key, "text": mrkdwn(text)}


def _people(users: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


def round_card(key: str, round_id: int, closes_token: str) -> dict:
    text = (f"A coaching-circle round is open until {closes_token}. Join a circle of 3 to 6 peers: six sessions, "
            "every two weeks, 60 minutes, to bring a challenge and help each other with theirs. "
            "Join here or with `/circle join`; the circles are formed when the window closes.")
    return {"text": text, "blocks": [
        _keyed(key, text),
        {"type": "actions", "block_id": f"cround-{round_id}", "elements": [
            {"type": "button", "text": plain("Join"), "action_id": ids.CIRCLE_JOIN, "value": str(round_id),
             "style": "primary"}]}]}


def round_closed(joined: int, formed: int) -> dict:
    text = (f"This coaching-circle round is closed: {joined} joined and {formed} circles were formed. "
            "Each circle meets in its own group chat." if formed else
            f"This coaching-circle round is closed: {joined} joined, too few for a circle this time.")
    return {"text": text, "blocks": [section(text)]}


def intro_message(key: str, circle_id: int, members: list[str]) -> dict:
    order = "\n".join(f"{n}. <@{u}>" for n, u in enumerate(members, 1))
    text = (f"Welcome to your coaching circle: {_people(members)}. Six sessions, every two weeks, 60 minutes. "
            "Agree a time here; the first to set it sets it for everyone.")
    return {"text": text, "blocks": [
        _keyed(key, text),
        section(f"*Facilitators take turns*, so everyone facilitates once before anyone twice:\n{order}"),
        {"type": "actions", "block_id": f"ctime-{circle_id}", "elements": [
            {"type": "button", "text": plain("Set our session time"), "action_id": ids.CIRCLE_SET_TIME,
             "value": str(circle_id), "style": "primary"}]}]}


def time_modal(circle_id: int) -> dict:
    return {"type": "modal", "callback_id": ids.CIRCLE_TIME_MODAL, "private_metadata": str(circle_id),
            "title": plain("Circle sessions"), "submit": plain("Set"), "close": plain("Cancel"),
            "blocks": [{"type": "input", "block_id": "when", "label": plain("First session"),
                        "hint": plain("Then every two weeks at the same time, six sessions in all."),
                        "element": {"type": "datetimepicker", "action_id": "when"}}]}


def time_set(by: str, first_token: str) -> dict:
    text = f"<@{by}> set the circle's time: the first session is {first_token}, then every two weeks."
    return {"text": text, "blocks": [section(text)]}


def announcement(key: str, number: int, when_token: str, facilitator: str,
                 follow_ups: list[tuple[int, str, str, str | None]]) -> dict:
    """Three days ahead: who facilitates, the protocol, and last session's
    commitments, each with done / partly / not yet for its owner."""
    text = f"Session {number} is {when_token}. <@{facilitator}> facilitates this time."
    blocks = [_keyed(key, text), section(PROTOCOL)]
    if follow_ups:
        blocks.append(section("*Commitments from last time*"))
    for commitment_id, user_id, what, outcome in follow_ups:
        line = f"<@{user_id}>: {escape(what)}" + (f" · *{OUTCOMES[outcome]}*" if outcome else "")
        blocks.append({"type": "section", "block_id": f"ccommit-{commitment_id}", "text": mrkdwn(line)})
        blocks.append({"type": "actions", "block_id": f"cfollow-{commitment_id}", "elements": [
            {"type": "button", "text": plain(label.capitalize()), "action_id": f"{ids.CIRCLE_FOLLOW_UP}_{value}",
             "value": str(commitment_id)} for value, label in OUTCOMES.items()]})
    return {"text": text, "blocks": blocks[:50]}


def reminder(key: str, number: int, when_token: str, facilitator: str, soon: bool) -> dict:
    lead = "In 15 minutes" if soon else "Tomorrow"
    text = f"{lead}: session {number} of your circle, {when_token}, facilitated by <@{facilitator}>."
    return {"text": text, "blocks": [_keyed(key, text)]}


def after_session(key: str, circle_id: int, number: int, facilitator: str) -> dict:
    text = (f"Session {number} done? <@{facilitator}>, please mark who was there. Everyone: record one commitment "
            "for the next two weeks; I'll list them at the next session.")
    value = f"{circle_id}:{number}"
    return {"text": text, "blocks": [
        _keyed(key, text),
        {"type": "actions", "block_id": f"cafter-{circle_id}-{number}", "elements": [
            {"type": "button", "text": plain("Mark attendance"), "action_id": ids.CIRCLE_ATTENDANCE, "value": value},
            {"type": "button", "text": plain("Record my commitment"), "action_id": ids.CIRCLE_COMMIT, "value": value,
             "style": "primary"}]}]}


def checkin_question(number: int) -> str:
    return (f"Coaching circle, session {number}: were you there? Press *Met* if you were; then tell me how useful "
            "it was (only totals are ever shown).")


def attendance_modal(circle_id: int, number: int, members: list[str]) -> dict:
    return {"type": "modal", "callback_id": ids.CIRCLE_ATTENDANCE_MODAL, "private_metadata": f"{circle_id}:{number}",
            "title": plain("Attendance"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": [{"type": "input", "block_id": "present", "optional": True,
                        "label": plain(f"Who was at session {number}?"),
                        "element": {"type": "multi_users_select", "action_id": "present", "initial_users": members}}]}


def commit_modal(circle_id: int, number: int) -> dict:
    return {"type": "modal", "callback_id": ids.CIRCLE_COMMIT_MODAL, "private_metadata": f"{circle_id}:{number}",
            "title": plain("My commitment"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": [{"type": "input", "block_id": "commitment", "label": plain("One thing I'll do before next time"),
                        "element": {"type": "plain_text_input", "action_id": "commitment", "max_length": 300}}]}


def followed_up(original_blocks: list[dict], commitment_id: int, user_id: str, what: str, outcome: str) -> list[dict]:
    """The announcement with one commitment's outcome shown."""
    line = f"<@{user_id}>: {escape(what)} · *{OUTCOMES[outcome]}*"
    return [{**b, "text": mrkdwn(line)} if b.get("block_id") == f"ccommit-{commitment_id}" else b
            for b in original_blocks]


def too_few_notice(key: str, count: int) -> dict:
    text = (f"Only {count} {'person' if count == 1 else 'people'} joined this coaching-circle round, and a circle "
            "needs at least 3, so there is no round this time. Thank you for joining: try the next one!")
    return {"text": text, "blocks": [_keyed(key, text)]}


def unplaced_notice(key: str, why: str) -> dict:
    text = f"I couldn't place you in a coaching circle this round: {why}. Sorry! Please join the next one."
    return {"text": text, "blocks": [_keyed(key, text)]}


def status_text(lines: list[str], joined_until: str | None, open_until: str | None) -> str:
    if joined_until:
        lines.append(f"You've joined the open round; circles are formed {joined_until}.")
    elif open_until:
        lines.append(f"A round is open until {open_until}: `/circle join`.")
    return "\n".join(lines) or "You're not in a coaching circle. Watch the programme's channel for the next round."
