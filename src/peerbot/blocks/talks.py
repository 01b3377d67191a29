"""Lunch-and-learn talk surfaces (PROGRAMMES.md §6). Pure builders: they get
the talk and Slack date tokens and return text + blocks; user text is
escaped here, on the way out."""

from __future__ import annotations

from peerbot.blocks import ids
from peerbot.blocks.text import escape, mrkdwn, plain, section, truncate
from peerbot.services import talks
from peerbot.services.buddies import date_token
from peerbot.store.models import Talk

USAGE = ("`/talks` (or `/talks propose`) opens a form to propose a lunch-and-learn talk; the organisers accept or "
         "decline it and the talk card appears in the talks channel, with Going / Maybe / Can't / Add to calendar. "
         "`/talks list` shows the upcoming talks and the most wanted topics; `/talks wish <topic>` asks for a talk "
         "on a topic (or adds your vote).")


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint)
    return block


def propose_modal(tz: str | None) -> dict:
    """The proposal form. `tz` is the proposer's zone from users.info: the
    date picker shows and returns their local time."""
    formats = [{"text": plain(label), "value": key} for key, (label, _) in talks.FORMATS.items()]
    zone = f"In your time zone ({tz})." if tz else "In your own time zone, as Slack shows it."
    return {
        "type": "modal",
        "callback_id": ids.TALK_PROPOSE_MODAL,
        "title": plain("Propose a talk"),
        "submit": plain("Propose"),
        "close": plain("Cancel"),
        "blocks": [
            _input(ids.TALK_TITLE, "Title", {"type": "plain_text_input", "action_id": ids.TALK_TITLE,
                                             "max_length": talks.TITLE_MAX}),
            _input(ids.TALK_ABSTRACT, "Abstract", {"type": "plain_text_input", "action_id": ids.TALK_ABSTRACT,
                                                   "multiline": True, "max_length": talks.ABSTRACT_MAX},
                   optional=True, hint="What people will learn, in a few sentences."),
            _input(ids.TALK_FORMAT, "Format", {"type": "static_select", "action_id": ids.TALK_FORMAT,
                                               "options": formats, "placeholder": plain("Pick a format")}),
            _input(ids.TALK_START, "Starts at", {"type": "datetimepicker", "action_id": ids.TALK_START},
                   hint=zone),
            _input(ids.TALK_MINUTES, "Length in minutes",
                   {"type": "number_input", "action_id": ids.TALK_MINUTES, "is_decimal_allowed": False},
                   optional=True, hint="Empty: the format's usual length. At most 4 hours."),
            _input(ids.TALK_PLACE, "Room or link", {"type": "plain_text_input", "action_id": ids.TALK_PLACE,
                                                    "max_length": talks.PLACE_MAX},
                   hint="A room name, or the https:// link to join (posted in the card's thread 10 minutes before)."),
            _input(ids.TALK_CAPACITY, "Capacity",
                   {"type": "number_input", "action_id": ids.TALK_CAPACITY, "is_decimal_allowed": False},
                   optional=True, hint="Seats; empty for no limit. When full, people join a waitlist."),
            _input(ids.TALK_RECORDING, "Recording", {
                "type": "checkboxes", "action_id": ids.TALK_RECORDING,
                "options": [{"text": plain("Recording allowed"), "value": "yes"}]}, optional=True),
        ],
    }


def _facts(talk: Talk) -> str:
    label = talks.FORMATS[talk.format][0].split(" (")[0]
    where = ("online (the link goes in this thread 10 minutes before)" if talks.is_link(talk.place)
             else escape(talk.place))
    seats = f"{talk.capacity} seats" if talk.capacity else "no seat limit"
    return (f"*When:* {date_token(talk.starts_at)} · {talk.minutes} min\n*Speaker:* <@{talk.speaker_id}> · "
            f"*Format:* {label}\n*Where:* {where} · {seats}"
            + ("\n_Recording allowed._" if talk.recording_allowed else ""))


def _title(talk: Talk) -> str:
    return f"*{escape(truncate(talk.title, talks.TITLE_MAX))}*"


def decision_request(key: str, talk: Talk) -> dict:
    """The organiser's DM: the proposal with Accept / Decline."""
    text = f"<@{talk.speaker_id}> proposes a talk: {escape(talk.title)}"
    tz = f" (they picked the time in {escape(talk.speaker_tz)})" if talk.speaker_tz else ""
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(f"<@{talk.speaker_id}> proposes a talk{tz}:")},
        section(f"{_title(talk)}\n{_facts(talk)}"),
        *([section(f">{escape(truncate(talk.abstract, 2800))}")] if talk.abstract else []),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": ids.TALK_ACCEPT, "text": plain("Accept"), "style": "primary",
             "value": str(talk.id)},
            {"type": "button", "action_id": ids.TALK_DECLINE, "text": plain("Decline"), "value": str(talk.id)},
        ]},
    ]}


def decision_done(key: str, talk: Talk, outcome: str) -> dict:
    """The organiser's DM once decided: the buttons go, the outcome shows;
    an accepted talk keeps a way to cancel it."""
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(f"{_title(talk)}\n{_facts(talk)}")},
              section(outcome)]
    if talk.status == talks.ACCEPTED:
        blocks.append(_cancel_actions(talk))
    return {"text": outcome, "blocks": blocks}


def _cancel_actions(talk: Talk) -> dict:
    return {"type": "actions", "elements": [{
        "type": "button", "action_id": ids.TALK_MOVE, "text": plain("Move the talk"), "value": str(talk.id)}, {
        "type": "button", "action_id": ids.TALK_CAPACITY_CHANGE, "text": plain("Change capacity"),
        "value": str(talk.id)}, {
        "type": "button", "action_id": ids.TALK_CANCEL, "text": plain("Cancel the talk"), "style": "danger",
        "value": str(talk.id),
        "confirm": {"title": plain("Cancel this talk?"),
                    "text": mrkdwn("Everyone who said Going or Maybe is told, and the card says it's cancelled."),
                    "confirm": plain("Cancel the talk"), "deny": plain("Keep it")}}]}


def speaker_told(key: str, talk: Talk, accepted: bool, organiser: str, home: str | None) -> dict:
    if accepted:
        text = (f"Your talk “{escape(talk.title)}” was accepted by <@{organiser}>. Its card is in <#{home}>; "
                f"I'll check in with you 48 hours before.")
        blocks = [{"type": "section", "block_id": key, "text": mrkdwn(text)}, _cancel_actions(talk)]
    else:
        text = (f"<@{organiser}> declined your talk “{escape(talk.title)}” for now. Ask them why, or propose "
                f"another time with `/talks propose`.")
        blocks = [{"type": "section", "block_id": key, "text": mrkdwn(text)}]
    return {"text": text, "blocks": blocks}


def card(key: str, talk: Talk, counts: talks.Counts) -> dict:
    """The talk card in the home channel; `key` stays its first block id, so
    updates keep it findable."""
    cancelled = talk.status == talks.CANCELLED
    head = ("~" + _title(talk) + "~ *Cancelled*") if cancelled else f":microphone: {_title(talk)}"
    seats = f" of {counts.capacity}" if counts.capacity else ""
    tally = f"*{counts.going}*{seats} going · *{counts.maybe}* maybe"
    if counts.waitlist:
        tally += f" · *{counts.waitlist}* on the waitlist"
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(f"{head}\n{_facts(talk)}")}]
    if talk.abstract:
        blocks.append(section(escape(truncate(talk.abstract, 600))))
    blocks.append({"type": "context", "elements": [mrkdwn(
        "This talk was cancelled." if cancelled else
        f"{tally} · RSVPs close {date_token(talks.closes_at(talk), '{date_short_pretty} at {time}')}")]})
    if not cancelled:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": ids.TALK_GOING, "text": plain("Going"), "style": "primary",
             "value": str(talk.id)},
            {"type": "button", "action_id": ids.TALK_MAYBE, "text": plain("Maybe"), "value": str(talk.id)},
            {"type": "button", "action_id": ids.TALK_CANT, "text": plain("Can't"), "value": str(talk.id)},
            {"type": "button", "action_id": ids.TALK_CALENDAR, "text": plain("Add to calendar"),
             "value": str(talk.id)},
        ]})
    text = f"Talk: {escape(talk.title)} by <@{talk.speaker_id}>, {date_token(talk.starts_at)}"
    return {"text": ("Cancelled: " + text) if cancelled else text, "blocks": blocks}


def rsvp_reply(talk: Talk, rsvp: talks.Rsvp) -> str:
    title = escape(talk.title)
    if rsvp.answer == talks.GOING:
        return f"You're going to “{title}”. See you there! I'll remind you the day before and 15 minutes before."
    if rsvp.answer == talks.WAITLIST:
        return (f"“{title}” is full, so you're *#{rsvp.position}* on the waitlist. If a seat frees up I'll DM you "
                f"and hold it for you for 4 hours.")
    if rsvp.answer == talks.MAYBE:
        return f"Noted: maybe for “{title}”. I'll remind you the day before."
    return f"Noted: you can't make “{title}”." + (" Your seat goes to the next person waiting." if rsvp.freed else "")


def calendar_links(talk: Talk, ics_url: str | None, google_url: str) -> str:
    parts = [f"<{google_url}|Add to Google Calendar>"]
    if ics_url:
        parts.append(f"<{ics_url}|Download the calendar file (.ics)> for Outlook or Apple Calendar")
    return f"“{escape(talk.title)}”, {date_token(talk.starts_at)}: " + " · ".join(parts)


def offer_message(key: str, talk: Talk, until_token: str) -> dict:
    text = (f"A seat came free at “{escape(talk.title)}” ({date_token(talk.starts_at)}), and you're next. "
            f"It's held for you until {until_token}.")
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "elements": [{"type": "button", "action_id": ids.TALK_TAKE_SEAT, "style": "primary",
                                          "text": plain("Take the seat"), "value": str(talk.id)}]},
    ]}


def notice(key: str, text: str) -> dict:
    """A reminder or a notice: one section carrying the outbox key."""
    return {"text": text, "blocks": [{"type": "section", "block_id": key, "text": mrkdwn(text)}]}


def day_before(key: str, talk: Talk) -> dict:
    return notice(key, f"Tomorrow: “{escape(talk.title)}” by <@{talk.speaker_id}>, {date_token(talk.starts_at)}.")


def starting_soon(key: str, talk: Talk) -> dict:
    where = "the link is in the card's thread" if talks.is_link(talk.place) else escape(talk.place)
    return notice(key, f"“{escape(talk.title)}” starts in 15 minutes ({date_token(talk.starts_at, '{time}')}): "
                       f"{where}.")


def speaker_checkin(key: str, talk: Talk, going: int, maybe: int) -> dict:
    return notice(key, f"Your talk “{escape(talk.title)}” is in 48 hours ({date_token(talk.starts_at)}): "
                       f"{going} going, {maybe} maybe so far. All set? If you can't make it, cancel it from my "
                       f"earlier message so people hear in time.")


def join_link(key: str, talk: Talk) -> dict:
    where = f"Join here: {talk.place}" if talks.is_link(talk.place) else f"In {escape(talk.place)}."
    content = notice(key, f"Starting in 10 minutes. {where} Tell us you made it:")
    content["blocks"].append({"type": "actions", "elements": [
        {"type": "button", "action_id": ids.TALK_HERE, "text": plain("I'm here"), "value": str(talk.id)}]})
    return content


def decision_reminder(key: str, talk: Talk) -> dict:
    content = decision_request(key, talk)
    content["blocks"][0]["text"] = mrkdwn(f"Still waiting for a decision: <@{talk.speaker_id}> proposed this "
                                          f"talk 2 business days ago.")
    return content


def move_modal(talk_id: int) -> dict:
    return {"type": "modal", "callback_id": ids.TALK_MOVE_MODAL, "private_metadata": str(talk_id),
            "title": plain("Move the talk"), "submit": plain("Move"), "close": plain("Cancel"),
            "blocks": [_input(ids.TALK_START, "New start", {"type": "datetimepicker", "action_id": ids.TALK_START},
                              hint="In your own time zone. Everyone who said Going or Maybe is told.")]}


def capacity_modal(talk: Talk) -> dict:
    element = {"type": "number_input", "action_id": ids.TALK_CAPACITY, "is_decimal_allowed": False}
    if talk.capacity:
        element["initial_value"] = str(talk.capacity)
    return {"type": "modal", "callback_id": ids.TALK_CAPACITY_MODAL, "private_metadata": str(talk.id),
            "title": plain("Change capacity"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": [_input(ids.TALK_CAPACITY, "Seats", element,
                              hint="At least 1. Fewer seats keep the earliest RSVPs; the others go to the front "
                                   "of the waitlist and are told. More seats are offered to the waitlist.")]}


def bumped_notice(key: str, talk: Talk, position: int | None) -> dict:
    place = f" as *#{position}*" if position else ""
    return notice(key, f"“{escape(talk.title)}” by <@{talk.speaker_id}> now has fewer seats, and yours went to "
                       f"someone who said Going earlier. You're at the front of the waitlist{place}: if a seat "
                       f"frees up I'll DM you and hold it for you for 4 hours.")


def moved_notice(key: str, talk: Talk) -> dict:
    return notice(key, f"“{escape(talk.title)}” by <@{talk.speaker_id}> has moved to {date_token(talk.starts_at)}. "
                       f"Your RSVP stands; if the new time doesn't suit you, say Can't on the card.")


def cancelled_notice(key: str, talk: Talk) -> dict:
    return notice(key, f"“{escape(talk.title)}” by <@{talk.speaker_id}> on {date_token(talk.starts_at)} is "
                       f"cancelled. Sorry! Nothing else to do.")


def upcoming_list(rows: list[Talk], wishes: list[talks.Wish]) -> str:
    text = ("Upcoming talks:\n" + "\n".join(f"• {date_token(t.starts_at)}: *{escape(t.title)}* by <@{t.speaker_id}>"
                                             for t in rows)) if rows else \
        "No talks coming up. Propose one with `/talks propose`."
    if wishes:
        text += "\n\nMost wanted topics: " + ", ".join(f"*{escape(w.topic)}* ({_wanted(w)})" for w in wishes[:5])
    return text


def _wanted(w: talks.Wish) -> str:
    parts = [f"{w.votes} {'wish' if w.votes == 1 else 'wishes'}"] if w.votes else []
    if w.askers:
        parts.append(f"{w.askers} with unanswered questions")
    return ", ".join(parts)


def home_lines(rows: list[tuple[Talk, str]]) -> list[str]:
    says = {"speaker": "you're speaking", talks.GOING: "you're going", talks.WAITLIST: "you're on the waitlist",
            talks.MAYBE: "maybe"}
    return [f"• Talk: *{escape(t.title)}* {date_token(t.starts_at)} ({says[role]})" for t, role in rows]


def wish_reply(topic: str, counted: bool, people: int) -> str:
    head = (f"Your wish for a talk on *{escape(topic)}* is counted" if counted
            else f"You've already wished for a talk on *{escape(topic)}*; each person counts once")
    wanting = f"{people} {'person wants' if people == 1 else 'people want'} one"
    if people >= talks.WISH_THRESHOLD:
        return f"{head}: {wanting}, so I'll ask the people who know it best whether they'd give it."
    return f"{head}: {wanting}. At {talks.WISH_THRESHOLD} I ask the people who know it best whether they'd give it."


def wish_invitation(key: str, topic: str, people: int, answered: int) -> dict:
    case = f"; you answered {answered} {'question' if answered == 1 else 'questions'} on it" if answered else ""
    return notice(key, f"{people} people want a talk on *{escape(topic)}*{case}. Would you give one? "
                       f"`/talks propose` opens the form; a lightning talk of 10 minutes is plenty.")


# ---- after the talk ------------------------------------------------------------------------------------


def rating_request(key: str, talk: Talk) -> dict:
    text = f"How useful was “{escape(talk.title)}” by <@{talk.speaker_id}>? The speaker sees ratings without names."
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": f"{ids.TALK_RATE}_{n}", "text": plain(str(n)), "value": str(talk.id)}
            for n in range(1, 6)]},
    ]}


def rated(key: str, talk: Talk, rating: int) -> dict:
    text = f"You rated “{escape(talk.title)}” {rating} of 5. Thank you!"
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "elements": [{"type": "button", "action_id": ids.TALK_COMMENT,
                                          "text": plain("Add a comment"), "value": str(talk.id)}]},
    ]}


def comment_modal(talk_id: int) -> dict:
    return {"type": "modal", "callback_id": ids.TALK_COMMENT_MODAL, "private_metadata": str(talk_id),
            "title": plain("Your comment"), "submit": plain("Send"), "close": plain("Cancel"),
            "blocks": [_input(ids.TALK_COMMENT, "What worked, what could be better?",
                              {"type": "plain_text_input", "action_id": ids.TALK_COMMENT, "multiline": True,
                               "max_length": talks.COMMENT_MAX},
                              hint="The speaker reads it with the others, without your name.")]}


def ratings_summary(key: str, talk: Talk, result: talks.Ratings, final: bool) -> dict:
    spread = " · ".join(f"{n}: {count}" for n, count in result.by_score.items())
    head = (f"{'Final ratings' if final else 'First ratings'} for “{escape(talk.title)}”: "
            f"*{result.mean:.1f}* of 5 from {result.count} people ({spread}).")
    blocks = [{"type": "section", "block_id": key, "text": mrkdwn(head)}]
    blocks += [section(f">{escape(truncate(c, 2900))}") for c in result.comments[:40]]
    return {"text": head, "blocks": blocks}


def recording_ask(key: str, talk: Talk) -> dict:
    text = (f"Thanks for giving “{escape(talk.title)}”! Add the recording or slides and I'll post them in the card's "
            f"thread and keep them in the knowledge base, where `/kb` finds them.")
    return {"text": text, "blocks": [
        {"type": "section", "block_id": key, "text": mrkdwn(text)},
        {"type": "actions", "elements": [{"type": "button", "action_id": ids.TALK_RECORDING_ADD,
                                          "text": plain("Add recording or slides"), "value": str(talk.id)}]},
    ]}


def recording_modal(talk_id: int) -> dict:
    return {"type": "modal", "callback_id": ids.TALK_RECORDING_MODAL, "private_metadata": str(talk_id),
            "title": plain("Recording or slides"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": [
                _input(ids.TALK_RECORDING_URL, "Link", {"type": "url_text_input", "action_id": ids.TALK_RECORDING_URL}),
                _input(ids.TALK_RECORDING_TOPIC, "Topic", {"type": "plain_text_input",
                                                           "action_id": ids.TALK_RECORDING_TOPIC, "max_length": 50},
                       hint="So `/kb` and the digest file it under a topic, e.g. sql."),
            ]}


def recording_posted(talk: Talk) -> str:
    return f"The recording or slides of this talk: {talk.recording_url}"
