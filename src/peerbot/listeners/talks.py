"""Lunch-and-learn talks in Slack (PROGRAMMES.md §6): `/talks` and its
propose modal, the organisers' Accept / Decline, the card's Going / Maybe /
Can't / Add to calendar, a held seat's Take the seat, and moving, resizing
(Change capacity) or cancelling a talk.

The modal is checked in the ack so a wrong field gets its error in place
(`response_action: errors`); the lazy function checks again before storing."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from peerbot import talks_flow
from peerbot.blocks import ids
from peerbot.blocks import talks as blocks
from peerbot.blocks.text import escape, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.listeners.subscriptions import _is_admin
from peerbot.services import outbox, programmes, talks
from peerbot.services.conversations import remember_member
from peerbot.slack_api import dm_channel, error_hint, privacy_of
from peerbot.store.models import PUBLIC

FIELDS = {"title": ids.TALK_TITLE, "abstract": ids.TALK_ABSTRACT, "format": ids.TALK_FORMAT, "start": ids.TALK_START,
          "minutes": ids.TALK_MINUTES, "place": ids.TALK_PLACE, "capacity": ids.TALK_CAPACITY}
NOT_ON = ("Talks aren't switched on yet: an organiser runs `/peerbot talks on` in the channel where talk cards "
          "should appear.")


def proposal(view: dict) -> talks.Proposal:
    values = view["state"]["values"]

    def get(block: str, key: str):
        return (values.get(block, {}).get(block) or {}).get(key)

    start = get(ids.TALK_START, "selected_date_time")
    chosen = get(ids.TALK_FORMAT, "selected_option")
    return talks.Proposal(
        title=get(ids.TALK_TITLE, "value") or "",
        abstract=get(ids.TALK_ABSTRACT, "value") or "",
        format=chosen["value"] if chosen else None,
        starts_at=datetime.fromtimestamp(int(start), timezone.utc) if start else None,
        minutes=get(ids.TALK_MINUTES, "value") or "",
        place=get(ids.TALK_PLACE, "value") or "",
        capacity=get(ids.TALK_CAPACITY, "value") or "",
        recording_allowed=bool(get(ids.TALK_RECORDING, "selected_options")),
    )


def _tell(client: WebClient, body: dict, respond: Respond | None, text: str) -> None:
    """An answer only the clicker sees: beside the message they clicked, else in their DM."""
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        client.chat_postMessage(channel=dm_channel(client, body["user"]["id"]), text=text)


def register(app: App, deps: Deps) -> None:
    def is_organiser(client: WebClient, team_id: str, user_id: str) -> bool:
        return user_id in talks_flow.organisers(deps, team_id) or _is_admin(deps, client, team_id, user_id)

    # ---- /talks ------------------------------------------------------------------------------------

    def word(command: dict) -> str:
        return unescape(command.get("text", "")).strip().lower()

    def wish_topic(command: dict) -> str | None:
        words = unescape(command.get("text", "")).split(maxsplit=1)
        return words[1].strip() if len(words) == 2 and words[0].lower() == "wish" else None

    def ack_talks(ack: Ack, command: dict) -> None:
        if word(command) not in ("", "propose", "list") and not wish_topic(command):
            return ack(text=blocks.USAGE)
        ack()

    @after_ack
    def handle_talks(command: dict, client: WebClient, respond: Respond) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        if word(command) == "list":
            with deps.db.read() as session:
                rows = talks.upcoming(session, team_id, deps.clock())
                wishes = talks.wishes(session, team_id)
            return respond(response_type="ephemeral", text=blocks.upcoming_list(rows, wishes))
        if topic := wish_topic(command):
            with deps.db.begin() as session:
                added = talks.wish(session, team_id, user_id, topic, deps.clock())
                wanted = {w.topic: w.people for w in talks.wishes(session, team_id)}
            if added is None:
                return respond(response_type="ephemeral", text="Name a topic, e.g. `/talks wish sql`.")
            return respond(response_type="ephemeral", text=blocks.wish_reply(added[0], added[1], wanted[added[0]]))
        if word(command) not in ("", "propose"):
            return
        with deps.db.read() as session:
            home = programmes.home_of(session, team_id, talks.TALKS)
        if home is None:
            return respond(response_type="ephemeral", text=NOT_ON)
        try:  # views.open first: the trigger lasts ~3 s; then the form names the proposer's zone
            opened = client.views_open(trigger_id=command["trigger_id"], view=blocks.propose_modal(None))
        except SlackApiError as error:
            code = error.response.get("error")
            return respond(response_type="ephemeral", text=error_hint(code) or f"I couldn't open the form (`{code}`).")
        user = client.users_info(user=user_id)["user"]
        with deps.db.begin() as session:
            remember_member(session, team_id, user, deps.clock())
        if user.get("tz"):
            view = opened["view"]
            try:
                client.views_update(view_id=view["id"], hash=view.get("hash"), view=blocks.propose_modal(user["tz"]))
            except SlackApiError as error:
                # Already sent or closed (not_found), or changed meanwhile (hash_conflict): the form
                # without the zone hint has done its job.
                if error.response.get("error") not in ("not_found", "hash_conflict"):
                    raise

    app.command("/talks")(ack=ack_talks, lazy=[handle_talks])

    def ack_propose(ack: Ack, view: dict) -> None:
        problems = talks.proposal_problems(proposal(view), deps.clock())
        if problems:
            return ack(response_action="errors", errors={FIELDS[k]: v for k, v in problems.items()})
        ack()

    @after_ack
    def handle_propose(body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()
        form = proposal(view)
        if talks.proposal_problems(form, now):
            return  # the ack showed the errors; nothing is stored
        tz = talks_flow.member_tz(deps, team_id, user_id)
        with deps.db.begin() as session:
            talk = talks.propose(session, team_id=team_id, speaker_id=user_id, form=form, speaker_tz=tz,
                                 source_key=view["id"], now=now)
        if talk is None:
            return  # this very form was stored already
        talks_flow.ask_organisers(deps, talk.id, now)
        client.chat_postMessage(channel=dm_channel(client, user_id),
                                text=f"Thanks! Your talk “{escape(talk.title)}” went to the organisers; "
                                     f"I'll tell you here when they decide.")

    app.view(ids.TALK_PROPOSE_MODAL)(ack=ack_propose, lazy=[handle_propose])

    # ---- the organisers' decision ------------------------------------------------------------------

    def decide_with(accept: bool):
        @after_ack
        def decide_talk(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
            talk_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
            team_id = body["team"]["id"]
            if not is_organiser(client, team_id, user_id):
                return _tell(client, body, respond, "Only the talks' organisers can decide. Nothing changed.")
            with deps.db.begin() as session:
                won = talks.decide(session, talk_id, user_id, accept, now)
            talk = talks_flow.get_talk(deps, talk_id)
            if not won:
                return _tell(client, body, respond, f"<@{talk.decided_by}> already {talk.status} this talk. "
                                                    "Nothing changed.")
            if accept:
                talks_flow.post_card(deps, talk_id, now)
                talk = talks_flow.get_talk(deps, talk_id)
            talks_flow.tell_speaker(deps, talk_id, now)
            container = body.get("container") or {}
            if container.get("message_ts"):
                outcome = (f"You accepted it: the card is in <#{talk.channel_id}>." if accept else
                           f"You declined it; <@{talk.speaker_id}> has been told.")
                client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                   **blocks.decision_done(outbox.block_id(talks_flow.DECIDE, str(talk_id)), talk,
                                                          outcome))

        return decide_talk

    app.action(ids.TALK_ACCEPT)(ack=ack_only, lazy=[decide_with(True)])
    app.action(ids.TALK_DECLINE)(ack=ack_only, lazy=[decide_with(False)])

    # ---- the card: Going / Maybe / Can't / Add to calendar -----------------------------------------

    def rsvp_with(choice: str):
        @after_ack
        def rsvp(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
            talk_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
            team_id = body["team"]["id"]
            talk = talks_flow.get_talk(deps, talk_id)
            if why := talks.rsvp_refusal(talk, now):
                return _tell(client, body, respond, why)
            if talks_flow.member_tz(deps, team_id, user_id, fallback=None) is None:  # for the 10:00 reminder
                with deps.db.begin() as session:
                    remember_member(session, team_id, client.users_info(user=user_id)["user"], now)
            with deps.db.begin() as session:
                result = talks.answer(session, talks.get(session, talk_id), user_id, choice, now)
            if result.freed:
                talks_flow.send_offers(deps, talk_id, now)
            talks_flow.refresh_card(deps, talk_id)
            _tell(client, body, respond, blocks.rsvp_reply(talk, result))

        return rsvp

    app.action(ids.TALK_GOING)(ack=ack_only, lazy=[rsvp_with(talks.GOING)])
    app.action(ids.TALK_MAYBE)(ack=ack_only, lazy=[rsvp_with(talks.MAYBE)])
    app.action(ids.TALK_CANT)(ack=ack_only, lazy=[rsvp_with(talks.CANT)])

    @after_ack
    def calendar(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk = talks_flow.get_talk(deps, int(action["value"]))
        _tell(client, body, respond, blocks.calendar_links(talk, talks_flow.ics_url(deps, talk),
                                                           talks.google_calendar_link(talk)))

    app.action(ids.TALK_CALENDAR)(ack=ack_only, lazy=[calendar])

    # ---- a held seat, and cancelling ---------------------------------------------------------------

    @after_ack
    def take_seat(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
        with deps.db.begin() as session:
            why = talks.take_offer(session, talks.get(session, talk_id), user_id, now)
        if why:
            return _tell(client, body, respond, why)
        talks_flow.refresh_card(deps, talk_id)
        talk = talks_flow.get_talk(deps, talk_id)
        container = body.get("container") or {}
        text = f"The seat is yours: see you at “{escape(talk.title)}”."
        if container.get("message_ts"):
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"], text=text,
                               blocks=[blocks.notice(outbox.block_id("talk-seat", str(talk_id)), text)["blocks"][0]])

    app.action(ids.TALK_TAKE_SEAT)(ack=ack_only, lazy=[take_seat])

    @after_ack
    def im_here(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk_id, now = int(action["value"]), deps.clock()
        with deps.db.begin() as session:
            talk = talks.get(session, talk_id)
            if talk is None or talk.status != talks.ACCEPTED:
                first = None
            else:
                first = talks.here(session, talk, body["user"]["id"], now)
        if first is None:
            return _tell(client, body, respond, "That talk isn't on any more. Nothing changed.")
        _tell(client, body, respond, "Welcome! Enjoy the talk." if first else "You're already marked as here.")

    app.action(ids.TALK_HERE)(ack=ack_only, lazy=[im_here])

    @after_ack
    def cancel_talk(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk_id, user_id = int(action["value"]), body["user"]["id"]
        talk = talks_flow.get_talk(deps, talk_id)
        if user_id != talk.speaker_id and not is_organiser(client, body["team"]["id"], user_id):
            return _tell(client, body, respond, "Only the speaker or an organiser can cancel a talk. Nothing changed.")
        if not talks_flow.cancel(deps, talk_id, deps.clock()):
            return _tell(client, body, respond, "This talk isn't on any more (already cancelled). Nothing changed.")
        _tell(client, body, respond, "The talk is cancelled: the card says so, and everyone who said Going or "
                                     "Maybe has been told.")

    app.action(ids.TALK_CANCEL)(ack=ack_only, lazy=[cancel_talk])

    @after_ack
    def open_move(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk_id = int(action["value"])
        try:  # views.open first: the trigger lasts ~3 s
            client.views_open(trigger_id=body["trigger_id"], view=blocks.move_modal(talk_id))
        except SlackApiError as error:
            code = error.response.get("error")
            _tell(client, body, respond, error_hint(code) or f"I couldn't open the form (`{code}`).")

    app.action(ids.TALK_MOVE)(ack=ack_only, lazy=[open_move])

    def new_start(view: dict) -> datetime | None:
        picked = (view["state"]["values"].get(ids.TALK_START, {}).get(ids.TALK_START) or {}).get("selected_date_time")
        return datetime.fromtimestamp(int(picked), timezone.utc) if picked else None

    def ack_move(ack: Ack, view: dict) -> None:
        if why := talks.move_problem(new_start(view), deps.clock()):
            return ack(response_action="errors", errors={ids.TALK_START: why})
        ack()

    @after_ack
    def handle_move(body: dict, view: dict, client: WebClient) -> None:
        talk_id, user_id, now = int(view["private_metadata"]), body["user"]["id"], deps.clock()
        starts_at = new_start(view)
        if talks.move_problem(starts_at, now):
            return
        talk = talks_flow.get_talk(deps, talk_id)
        dm = dm_channel(client, user_id)
        if user_id != talk.speaker_id and not is_organiser(client, body["team"]["id"], user_id):
            return client.chat_postMessage(channel=dm, text="Only the speaker or an organiser can move a talk. "
                                                            "Nothing changed.")
        if not talks_flow.move(deps, talk_id, starts_at, now):
            return client.chat_postMessage(channel=dm, text="That talk isn't on any more, or already at that time. "
                                                            "Nothing changed.")
        client.chat_postMessage(channel=dm, text="Moved: the card shows the new time, and everyone who said Going or "
                                                 "Maybe has been told.")

    app.view(ids.TALK_MOVE_MODAL)(ack=ack_move, lazy=[handle_move])

    @after_ack
    def open_capacity(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk = talks_flow.get_talk(deps, int(action["value"]))
        try:  # views.open first: the trigger lasts ~3 s
            client.views_open(trigger_id=body["trigger_id"], view=blocks.capacity_modal(talk))
        except SlackApiError as error:
            code = error.response.get("error")
            _tell(client, body, respond, error_hint(code) or f"I couldn't open the form (`{code}`).")

    app.action(ids.TALK_CAPACITY_CHANGE)(ack=ack_only, lazy=[open_capacity])

    def new_capacity(view: dict) -> str:
        return (view["state"]["values"].get(ids.TALK_CAPACITY, {}).get(ids.TALK_CAPACITY) or {}).get("value") or ""

    def ack_capacity(ack: Ack, view: dict) -> None:
        if why := talks.capacity_problem(new_capacity(view)):
            return ack(response_action="errors", errors={ids.TALK_CAPACITY: why})
        ack()

    @after_ack
    def handle_capacity(body: dict, view: dict, client: WebClient) -> None:
        talk_id, user_id, now = int(view["private_metadata"]), body["user"]["id"], deps.clock()
        if talks.capacity_problem(new_capacity(view)):
            return  # the ack showed the error; nothing changes
        capacity = int(new_capacity(view))
        talk = talks_flow.get_talk(deps, talk_id)
        dm = dm_channel(client, user_id)
        if user_id != talk.speaker_id and not is_organiser(client, body["team"]["id"], user_id):
            return client.chat_postMessage(channel=dm, text="Only the speaker or an organiser can change the "
                                                            "capacity. Nothing changed.")
        change = talks_flow.change_capacity(deps, talk_id, capacity, now)
        if change is None:
            return client.chat_postMessage(channel=dm, text=f"That talk isn't on any more, or already has {capacity} "
                                                            "seats. Nothing changed.")
        moved = (f" {len(change.bumped)} {'person' if len(change.bumped) == 1 else 'people'} who said Going later "
                 "went to the front of the waitlist and have been told.") if change.bumped else ""
        client.chat_postMessage(channel=dm, text=f"The talk now has {capacity} seats; the card shows it.{moved}")

    app.view(ids.TALK_CAPACITY_MODAL)(ack=ack_capacity, lazy=[handle_capacity])

    # ---- after the talk: ratings and comments, the recording ----------------------------------------

    @after_ack
    def rate_talk(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk_id, user_id, now = int(action["value"]), body["user"]["id"], deps.clock()
        rating = int(action["action_id"].rsplit("_", 1)[1])
        with deps.db.begin() as session:
            talk = talks.get(session, talk_id)
            why = talks.rate(session, talk, user_id, rating, now)
        if why:
            return _tell(client, body, respond, why)
        container = body.get("container") or {}
        if container.get("message_ts"):
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                               **blocks.rated(outbox.block_id(talks_flow.RATE, str(talk_id)), talk, rating))
        talks_flow.deliver_ratings(deps, talk_id, now, final=False)

    app.action(re.compile(f"^{ids.TALK_RATE}_[1-5]$"))(ack=ack_only, lazy=[rate_talk])

    @after_ack
    def open_comment(body: dict, action: dict, client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.comment_modal(int(action["value"])))

    app.action(ids.TALK_COMMENT)(ack=ack_only, lazy=[open_comment])

    @after_ack
    def save_comment(body: dict, view: dict, client: WebClient) -> None:
        text = view["state"]["values"][ids.TALK_COMMENT][ids.TALK_COMMENT].get("value") or ""
        with deps.db.begin() as session:
            saved = talks.comment(session, int(view["private_metadata"]), body["user"]["id"], text)
        if not saved:
            client.chat_postMessage(channel=dm_channel(client, body["user"]["id"]),
                                    text="You've commented on this talk already; only your first comment is kept.")

    app.view(ids.TALK_COMMENT_MODAL)(ack=ack_only, lazy=[save_comment])

    def may_add_recording(client: WebClient, team_id: str, talk, user_id: str) -> bool:
        return talk is not None and (user_id == talk.speaker_id or is_organiser(client, team_id, user_id))

    @after_ack
    def open_recording(body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        talk = talks_flow.get_talk(deps, int(action["value"]))
        try:  # views.open first: the trigger lasts ~3 s
            opened = client.views_open(trigger_id=body["trigger_id"], view=blocks.recording_modal(talk.id))
        except SlackApiError as error:
            code = error.response.get("error")
            return _tell(client, body, respond, error_hint(code) or f"I couldn't open the form (`{code}`).")
        if not may_add_recording(client, body["team"]["id"], talk, body["user"]["id"]):
            client.views_update(view_id=opened["view"]["id"], view={
                "type": "modal", "title": {"type": "plain_text", "text": "Recording or slides"},
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Only the speaker or an organiser "
                                                                                  "can add the recording."}}]})

    app.action(ids.TALK_RECORDING_ADD)(ack=ack_only, lazy=[open_recording])

    def recording_values(view: dict) -> tuple[str, str]:
        values = view["state"]["values"]
        url = (values[ids.TALK_RECORDING_URL][ids.TALK_RECORDING_URL].get("value") or "").strip()
        return url, values[ids.TALK_RECORDING_TOPIC][ids.TALK_RECORDING_TOPIC].get("value") or ""

    def ack_recording(ack: Ack, view: dict) -> None:
        if not talks.is_link(recording_values(view)[0]):
            return ack(response_action="errors",
                       errors={ids.TALK_RECORDING_URL: "A web address starting with https://, please."})
        ack()

    @after_ack
    def save_recording(body: dict, view: dict, client: WebClient) -> None:
        url, topic = recording_values(view)
        talk_id, user_id, team_id, now = int(view["private_metadata"]), body["user"]["id"], body["team"]["id"], \
            deps.clock()
        talk = talks_flow.get_talk(deps, talk_id)
        if not talks.is_link(url) or not may_add_recording(client, team_id, talk, user_id) or talk.card_ts is None:
            return
        public = privacy_of(client, deps.db, team_id, talk.channel_id, now) == PUBLIC
        with deps.db.begin() as session:
            talks.add_recording(session, talks.get(session, talk_id), url, topic, public, user_id, now)
        talks_flow.post_recording(deps, talk_id, now)

    app.view(ids.TALK_RECORDING_MODAL)(ack=ack_recording, lazy=[save_recording])


# ---- App Home ------------------------------------------------------------------------------------------


def home_lines(session: Session, team_id: str, user_id: str, now: datetime) -> list[str]:
    """The viewer's upcoming talks: speaking, going, waitlisted or maybe."""
    return blocks.home_lines(talks.mine(session, team_id, user_id, now))
