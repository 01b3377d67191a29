"""/mentor: your mentorships and enrolment, the enrolment modal, suggestions
and requests; the mentor's Accept / Decline; the fit check, rematch, extend,
end early and the end survey. Mentoring messages go to DMs and the
mentorship's group DM only, never a channel."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot import mentoring_flow as flow
from peerbot.blocks import ids
from peerbot.blocks import mentoring as blocks
from peerbot.blocks.text import escape, message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.listeners.subscriptions import _is_admin
from peerbot.programme_flow import post_once
from peerbot.services import mentoring, programmes
from peerbot.services.buddies import date_token
from peerbot.services.conversations import remember_member
from peerbot.services.programmes import MENTORING
from peerbot.slack_api import dm_channel, error_hint

OFF = ("The mentoring programme is off. An admin can switch it on with `/peerbot mentoring on` in the channel "
       "that should be its home.")


def _is_on(deps: Deps, team_id: str) -> bool:
    with deps.db.read() as session:
        return programmes.home_of(session, team_id, MENTORING) is not None


def _remember(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """users.info for the time zone (quiet hours, date tokens) and who is a bot."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        return
    with deps.db.begin() as session:
        remember_member(session, team_id, user, deps.clock())


def _ephemeral(respond: Respond):
    def say(text: str, content: dict | None = None) -> None:
        respond(response_type="ephemeral", replace_original=False, **(content or message(text)))

    return say


def register(app: App, deps: Deps) -> None:
    def ack_mentor(ack: Ack, command: dict) -> None:
        parsed = mentoring.parse_command(unescape(command.get("text", "")))
        ack(response_type="ephemeral", **message(parsed.problem)) if parsed.problem else ack()

    @after_ack
    def handle_mentor(command: dict, client: WebClient, respond: Respond) -> None:
        parsed = mentoring.parse_command(unescape(command.get("text", "")))
        if parsed.problem:
            return
        team_id, user_id = command["team_id"], command["user_id"]
        say = _ephemeral(respond)
        if parsed.action == "enrol":
            return open_enrolment(deps, client, command["trigger_id"], team_id, user_id, say)
        _remember(deps, client, team_id, user_id)
        if parsed.action == "status":
            return say("", status(deps, team_id, user_id))
        if not _is_on(deps, team_id):
            return say(OFF)
        if parsed.action == "find":
            return find(deps, team_id, user_id, say)
        if parsed.action == "cohort":
            return open_cohort(deps, client, team_id, user_id, parsed.until, say)
        _remember(deps, client, team_id, parsed.mentor)
        with deps.db.read() as session:
            order = [parsed.mentor] + [s.mentor_id for s in mentoring.suggest(session, team_id, user_id,
                                                                               deps.clock())]
        request(deps, team_id, user_id, order, None, say)

    app.command("/mentor")(ack=ack_mentor, lazy=[handle_mentor])

    def ack_action(ack: Ack) -> None:
        ack()

    # ---- enrolment ------------------------------------------------------------------------------

    @after_ack
    def enrol_button(body: dict, client: WebClient, respond: Respond) -> None:
        open_enrolment(deps, client, body["trigger_id"], body["team"]["id"], body["user"]["id"], _ephemeral(respond))

    app.action(ids.MENTOR_ENROL)(ack=ack_action, lazy=[enrol_button])

    def _parsed(view: dict, user_id: str):
        role, topics, goals, capacity, blocked = blocks.read_enrolment(view)
        return mentoring.parse_enrolment(user_id, role, topics, goals, capacity, blocked)

    def ack_enrolment(ack: Ack, body: dict, view: dict) -> None:
        _enrolment, errors = _parsed(view, body["user"]["id"])
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def save_enrolment(body: dict, view: dict, client: WebClient) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()
        enrolment, errors = _parsed(view, user_id)
        if errors or not _is_on(deps, team_id):
            return
        _remember(deps, client, team_id, user_id)
        with deps.db.begin() as session:
            first = mentoring.enrol(session, team_id, user_id, enrolment, now)
        channel = dm_channel(client, user_id)
        client.chat_postMessage(channel=channel, **message(blocks.enrolled_message(
            enrolment.roles, list(enrolment.topics), enrolment.capacity, first)))
        if mentoring.MENTEE in enrolment.roles:
            find(deps, team_id, user_id, lambda text, content=None: client.chat_postMessage(
                channel=channel, **(content or message(text))), quiet_if_matched=True)

    app.view(ids.MENTOR_ENROL_MODAL)(ack=ack_enrolment, lazy=[save_enrolment])

    # ---- suggestions and requests ------------------------------------------------------------------

    @after_ack
    def find_button(body: dict, client: WebClient, respond: Respond) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not _is_on(deps, team_id):
            return _ephemeral(respond)(OFF)
        find(deps, team_id, user_id, _ephemeral(respond))

    app.action(ids.MENTOR_FIND)(ack=ack_action, lazy=[find_button])

    @after_ack
    def request_button(body: dict, action: dict, respond: Respond) -> None:
        chosen = json.loads(action["value"])
        request(deps, body["team"]["id"], body["user"]["id"], chosen["order"], chosen.get("rematch_of"),
                _ephemeral(respond))

    app.action(ids.MENTOR_REQUEST)(ack=ack_action, lazy=[request_button])

    def _answer_with(accept: bool):
        @after_ack
        def answer_request(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
            now = deps.clock()
            with deps.db.begin() as session:
                result = mentoring.answer(session, int(action["value"]), body["user"]["id"], accept, now)
            req = result.request
            if result.problem:
                _ephemeral(respond)(result.problem)
                if result.outcome == mentoring.EXPIRED:  # the job had not got to it yet
                    flow.after_close(deps, req, "expired", now)
                return
            respond(replace_original=True, **blocks.request_answered(req.mentee_id, accept))
            if accept:
                post_once(deps, team_id=req.team_id, recipient=req.mentee_id, kind="mentor-accepted",
                          period=str(req.id), at=now, channel=lambda: dm_channel(client, req.mentee_id),
                          content=lambda key: blocks.accepted_notice(key, req.mentor_id))
                flow.kickoff(deps, result.mentorship.id, now)
            else:
                flow.after_close(deps, req, "declined", now)

        return answer_request

    app.action(ids.MENTOR_ACCEPT)(ack=ack_action, lazy=[_answer_with(True)])
    app.action(ids.MENTOR_DECLINE)(ack=ack_action, lazy=[_answer_with(False)])

    # ---- the mentorship ----------------------------------------------------------------------------

    @after_ack
    def fit(body: dict, action: dict, respond: Respond) -> None:
        value = action["action_id"][len(ids.MENTOR_FIT) + 1:]
        user_id, now = body["user"]["id"], deps.clock()
        mentorship_id = int(action["value"])
        with deps.db.begin() as session:
            problem = mentoring.set_fit(session, mentorship_id, user_id, value, now)
            m = session.get(mentoring.Mentorship, mentorship_id)
        if problem:
            return _ephemeral(respond)(problem)
        other = m.mentor_id if user_id == m.mentee_id else m.mentee_id
        respond(replace_original=True, **blocks.fit_answered(other, value))
        if value == mentoring.NOT_A_FIT:
            flow.offer_rematch(deps, mentorship_id, now)

    app.action(re.compile(f"^{ids.MENTOR_FIT}_({'|'.join(mentoring.FITS)})$"))(ack=ack_action, lazy=[fit])

    @after_ack
    def rematch(body: dict, action: dict, respond: Respond) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()
        mentorship_id = int(action["value"])
        with deps.db.begin() as session:
            m = session.get(mentoring.Mentorship, mentorship_id)
            if m is None or m.mentee_id != user_id:
                return _ephemeral(respond)("This offer is for the mentee only.")
            ended = mentoring.end(session, mentorship_id, mentoring.NOT_A_FIT_END, now, by=user_id)
        if ended:
            flow.tell_ended(deps, mentorship_id, now, only=m.mentor_id)
        with deps.db.begin() as session:
            found = mentoring.suggest(session, team_id, user_id, now)
            position = None if found else mentoring.join_waitlist(session, team_id, user_id, now)
        if found:
            respond(replace_original=True, **blocks.suggestions_message([(s.mentor_id, s.reason) for s in found],
                                                                        rematch_of=mentorship_id))
        else:
            respond(replace_original=True, **message(blocks.waitlisted_text(position)))

    app.action(ids.MENTOR_REMATCH)(ack=ack_action, lazy=[rematch])

    @after_ack
    def extend(body: dict, action: dict, respond: Respond) -> None:
        user_id, now = body["user"]["id"], deps.clock()
        with deps.db.begin() as session:
            m = session.get(mentoring.Mentorship, int(action["value"]))
            if m is None or user_id not in (m.mentor_id, m.mentee_id):
                return _ephemeral(respond)("This mentorship isn't yours.")
            m = mentoring.extend(session, m.id, now)
        if m is None:
            return _ephemeral(respond)("That mentorship has ended, so it can't be extended.")
        until = date_token(m.ends_at, "{date_long}")
        _ephemeral(respond)(f"Extended: the mentorship now runs until {until}.")
        other = m.mentor_id if user_id == m.mentee_id else m.mentee_id
        post_once(deps, team_id=m.team_id, recipient=other, kind="mentor-extended", period=f"{m.id}-{m.extensions}",
                  at=now, channel=lambda: dm_channel(deps.client, other),
                  content=lambda key: blocks.extended_notice(key, user_id, until))

    app.action(ids.MENTOR_EXTEND)(ack=ack_action, lazy=[extend])

    @after_ack
    def end_early(body: dict, action: dict, respond: Respond) -> None:
        user_id, now = body["user"]["id"], deps.clock()
        mentorship_id = int(action["value"])
        with deps.db.begin() as session:
            m = session.get(mentoring.Mentorship, mentorship_id)
            if m is None or user_id not in (m.mentor_id, m.mentee_id):
                return _ephemeral(respond)("This mentorship isn't yours.")
            ended = mentoring.end(session, mentorship_id, mentoring.ENDED_EARLY, now, by=user_id)
        if not ended:
            return _ephemeral(respond)("That mentorship had already ended. Nothing changed.")
        other = m.mentor_id if user_id == m.mentee_id else m.mentee_id
        _ephemeral(respond)(f"Your mentorship with <@{other}> has ended. Thank you for taking part.")
        flow.tell_ended(deps, mentorship_id, now, only=other)

    app.action(ids.MENTOR_END)(ack=ack_action, lazy=[end_early])

    @after_ack
    def open_survey(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        with deps.db.read() as session:
            m = session.get(mentoring.Mentorship, int(action["value"]))
        as_mentee = m is not None and m.mentee_id == body["user"]["id"]
        try:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.survey_modal(int(action["value"]), as_mentee))
        except SlackApiError as error:
            _ephemeral(respond)(error_hint(error.response.get("error")) or "I couldn't open the survey. Try again.")

    app.action(ids.MENTOR_SURVEY)(ack=ack_action, lazy=[open_survey])

    def ack_survey(ack: Ack) -> None:
        ack()

    @after_ack
    def save_survey(body: dict, view: dict, client: WebClient) -> None:
        mentorship_id, rating, recommend, goals = blocks.read_survey(view)
        if rating is None or recommend is None:
            return
        user_id = body["user"]["id"]
        with deps.db.begin() as session:
            first = mentoring.record_survey(session, mentorship_id, user_id, rating, recommend, goals, deps.clock())
        text = "Thank you: your answers are in." if first else "You had answered this survey already; I kept that."
        client.chat_postMessage(channel=dm_channel(client, user_id), **message(text))

    app.view(ids.MENTOR_SURVEY_MODAL)(ack=ack_survey, lazy=[save_survey])


# ---- the steps, shared by the command and the buttons ----------------------------------------------------


def open_enrolment(deps: Deps, client: WebClient, trigger_id: str, team_id: str, user_id: str, say) -> None:
    try:  # views.open first: the trigger lasts ~3 s
        opened = client.views_open(trigger_id=trigger_id, view=blocks.enrol_modal(None, [], [], 2, []))
    except SlackApiError as error:
        code = error.response.get("error")
        return say(error_hint(code) or f"I couldn't open the enrolment form ({code}). Please try again.")
    with deps.db.read() as session:
        on = programmes.home_of(session, team_id, MENTORING) is not None
        mine = mentoring.profile(session, team_id, user_id, deps.clock())
    view = opened["view"]
    if not on:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=blocks.note_modal(OFF))
    elif mine is not None:
        role = "both" if len(mine.roles) == 2 else (mine.roles[0] if mine.roles else None)
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=blocks.enrol_modal(
            role, list(mine.topics), list(mine.goals), mine.capacity, list(mine.blocked)))


def open_cohort(deps: Deps, client: WebClient, team_id: str, user_id: str, until: date, say) -> None:
    """Admins (or whoever switched mentoring on) open a registration window to the end of `until`, their time."""
    with deps.db.read() as session:
        row = programmes.get(session, team_id, MENTORING)
        tz = mentoring.tz_of(session, team_id, user_id, deps.settings.timezone)
    if not programmes.may_change(row, user_id, is_admin=False) and not _is_admin(deps, client, team_id, user_id):
        return say("Only workspace admins, or whoever switched mentoring on, can open a cohort. Nothing changed.")
    closes = datetime.combine(until + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    with deps.db.begin() as session:
        cohort, problem = mentoring.open_cohort(session, team_id, user_id, closes, deps.clock())
    if problem:
        return say(problem)
    say(f"A mentoring cohort is open for registration until {date_token(cohort.closes_at)}. Tell people to "
        "`/mentor enrol` as mentors or mentees; when it closes you'll get a preview of the whole run to publish.")


def find(deps: Deps, team_id: str, user_id: str, say, *, quiet_if_matched: bool = False) -> None:
    """The top 3 mentors for a mentee, or their place on the waitlist."""
    now = deps.clock()
    with deps.db.begin() as session:
        mine = mentoring.profile(session, team_id, user_id, now)
        current = mentoring.mentee_of(session, team_id, user_id)
        pending = mentoring.pending_of(session, team_id, user_id)
        if mine is None or mentoring.MENTEE not in mine.roles:
            return say("Enrol as a mentee first: `/mentor enrol`.")
        if current is not None:
            return None if quiet_if_matched else say(f"You already have a mentor: <@{current.mentor_id}>. "
                                                     "`/mentor` shows your mentorship.")
        if pending is not None:
            return say(f"You've asked <@{pending.mentor_id}>; they have until {date_token(pending.expires_at)} "
                       "to answer.")
        if (cohort := mentoring.cohort_of(session, team_id)) is not None:
            return say(mentoring.COHORT_OPEN.format(closes=date_token(cohort.closes_at)))
        found = mentoring.suggest(session, team_id, user_id, now)
        position = None if found else mentoring.join_waitlist(session, team_id, user_id, now)
    if found:
        return say("", blocks.suggestions_message([(s.mentor_id, s.reason) for s in found]))
    say(blocks.waitlisted_text(position))


def request(deps: Deps, team_id: str, mentee_id: str, order: list[str], rematch_of: int | None, say) -> None:
    now = deps.clock()
    mentor_id = order[0]
    with deps.db.begin() as session:
        found = mentoring.suggest(session, team_id, mentee_id, now, limit=50)
        why = next((s.reason for s in found if s.mentor_id == mentor_id), "asked for by name")
        result = mentoring.ask(session, team_id, mentee_id, mentor_id, order[1:], why, now,
                               fallback_tz=deps.settings.timezone, rematch_of=rematch_of)
    if result.problem:
        return say(result.problem)
    flow.send_request(deps, result.request.id, now)
    say(blocks.requested_text(mentor_id, date_token(result.request.expires_at)))


def status(deps: Deps, team_id: str, user_id: str) -> dict:
    """What /mentor shows: each mentorship with its health, the enrolment, a pending request or the waitlist."""
    now = deps.clock()
    with deps.db.read() as session:
        mine = mentoring.profile(session, team_id, user_id, now)
        rows = []
        for m in mentoring.of_person(session, team_id, user_id):
            as_mentee = m.mentee_id == user_id
            health = mentoring.health(m, mentoring.met_times(session, team_id, m.id), now)
            rows += [blocks.mentorship_line(m.id, m.mentor_id if as_mentee else m.mentee_id, as_mentee, health,
                                            date_token(m.ends_at, "{date_long}"),
                                            mentoring.meetings(session, team_id, m.id)),
                     blocks.mentorship_buttons(m.id)]
        pending = mentoring.pending_of(session, team_id, user_id)
        position = mentoring.waitlist_position(session, team_id, user_id)
        has_mentor = mentoring.mentee_of(session, team_id, user_id) is not None
    enrolment = None
    if mine is not None and mine.roles:
        enrolment = f"You're enrolled as a {' and '.join(mine.roles)} on {', '.join(mine.topics)}"
        enrolment = escape(enrolment) + (f"; up to {mine.capacity} mentees." if mentoring.MENTOR in mine.roles
                                                else ".")
    waiting = None
    if pending is not None:
        waiting = f"You've asked <@{pending.mentor_id}>: they have until {date_token(pending.expires_at)}."
    elif position is not None:
        waiting = f"You're on the waitlist: number {position}."
    can_find = bool(mine and mentoring.MENTEE in mine.roles and not has_mentor and pending is None)
    return blocks.status_message(rows, enrolment, waiting, can_find)
