"""/circle: your circle, `join` / `leave` for the open round, `open` a round
(admins); the round card's Join button; the circle's time, attendance (the
facilitator only), commitments and their follow-up."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot import circles_flow as flow
from peerbot.blocks import circles as blocks
from peerbot.blocks import ids
from peerbot.blocks.text import escape, message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.listeners.subscriptions import _is_admin
from peerbot.services import circles, programmes
from peerbot.services.buddies import date_token
from peerbot.services.programmes import CIRCLES
from peerbot.slack_api import error_hint
from peerbot.store.models import Circle

OFF = ("The coaching-circles programme is off. An admin can switch it on with `/peerbot circles on` in the "
       "channel that should be its home.")


def _ephemeral(respond: Respond):
    def say(text: str) -> None:
        respond(response_type="ephemeral", replace_original=False, **message(text))

    return say


def _pair(value: str) -> tuple[int, int]:
    circle_id, number = value.split(":")
    return int(circle_id), int(number)


def register(app: App, deps: Deps) -> None:
    def ack_circle(ack: Ack, command: dict) -> None:
        _action, problem = circles.parse_command(unescape(command.get("text", "")))
        ack(response_type="ephemeral", **message(problem)) if problem else ack()

    @after_ack
    def handle_circle(command: dict, client: WebClient, respond: Respond) -> None:
        action, problem = circles.parse_command(unescape(command.get("text", "")))
        if problem:
            return
        team_id, user_id, now = command["team_id"], command["user_id"], deps.clock()
        say = _ephemeral(respond)
        if action == "status":
            return say(status(deps, team_id, user_id))
        with deps.db.read() as session:
            row = programmes.get(session, team_id, CIRCLES)
        if row is None or not row.is_on:
            return say(OFF)
        if action == "open":
            if not programmes.may_change(row, user_id, is_admin=False) and not _is_admin(deps, client, team_id,
                                                                                         user_id):
                return say("Only workspace admins, or whoever switched circles on, can open a round.")
            with deps.db.begin() as session:
                opened, problem = circles.open_round(session, team_id, user_id, now)
            if problem:
                return say(problem)
            flow.post_round(deps, opened.id, row.channel_id, now)
            return say(f"A round is open until {date_token(opened.closes_at)}, with a Join card in "
                       f"<#{row.channel_id}>.")
        with deps.db.begin() as session:
            problem = (circles.join if action == "join" else circles.leave)(session, team_id, user_id, now)
            current = circles.open_round_of(session, team_id)
        if problem:
            return say(problem)
        say(f"You're in: circles are formed {date_token(current.closes_at)}, and I'll open a group chat for yours."
            if action == "join" else "You've left this round.")

    app.command("/circle")(ack=ack_circle, lazy=[handle_circle])

    def ack_action(ack: Ack) -> None:
        ack()

    @after_ack
    def join_button(body: dict, respond: Respond) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()
        with deps.db.begin() as session:
            problem = circles.join(session, team_id, user_id, now)
            current = circles.open_round_of(session, team_id)
        _ephemeral(respond)(problem or f"You're in: circles are formed {date_token(current.closes_at)}.")

    app.action(ids.CIRCLE_JOIN)(ack=ack_action, lazy=[join_button])

    def _open_modal(view_for):
        @after_ack
        def open_modal(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
            view, problem = view_for(body["user"]["id"], action["value"])
            if problem:
                return _ephemeral(respond)(problem)
            try:
                client.views_open(trigger_id=body["trigger_id"], view=view)
            except SlackApiError as error:
                _ephemeral(respond)(error_hint(error.response.get("error")) or "I couldn't open the form. Try again.")

        return open_modal

    def time_view(user_id: str, value: str):
        return blocks.time_modal(int(value)), None

    def attendance_view(user_id: str, value: str):
        circle_id, number = _pair(value)
        with deps.db.read() as session:
            circle = session.get(Circle, circle_id)
        if circle is None:
            return None, "That circle no longer exists."
        if user_id != circles.facilitator(circle, number):
            return None, (f"Only this session's facilitator, <@{circles.facilitator(circle, number)}>, marks "
                          "attendance. Nothing changed.")
        return blocks.attendance_modal(circle_id, number, circles.members_of(circle)), None

    def commit_view(user_id: str, value: str):
        return blocks.commit_modal(*_pair(value)), None

    # A modal's trigger lasts ~3 s: these lookups are one small read each.
    app.action(ids.CIRCLE_SET_TIME)(ack=ack_action, lazy=[_open_modal(time_view)])
    app.action(ids.CIRCLE_ATTENDANCE)(ack=ack_action, lazy=[_open_modal(attendance_view)])
    app.action(ids.CIRCLE_COMMIT)(ack=ack_action, lazy=[_open_modal(commit_view)])

    def _value(view: dict, block: str) -> dict:
        return (view.get("state", {}).get("values", {}).get(block) or {}).get(block) or {}

    def ack_time(ack: Ack, view: dict) -> None:
        when = _value(view, "when").get("selected_date_time")
        if not when or datetime.fromtimestamp(int(when), timezone.utc) <= deps.clock():
            return ack(response_action="errors", errors={"when": "Pick a time in the future."})
        ack()

    @after_ack
    def save_time(body: dict, view: dict, client: WebClient) -> None:
        when = _value(view, "when").get("selected_date_time")
        if not when:
            return
        user_id, circle_id = body["user"]["id"], int(view["private_metadata"])
        starts = datetime.fromtimestamp(int(when), timezone.utc)
        with deps.db.begin() as session:
            problem = circles.set_time(session, circle_id, user_id, starts, deps.clock())
            circle = session.get(Circle, circle_id)
        if problem:
            return client.chat_postEphemeral(channel=circle.channel_id, user=user_id, **message(problem))
        client.chat_postMessage(channel=circle.channel_id, **blocks.time_set(user_id, date_token(starts)))

    app.view(ids.CIRCLE_TIME_MODAL)(ack=ack_time, lazy=[save_time])

    def ack_modal(ack: Ack) -> None:
        ack()

    @after_ack
    def save_attendance(body: dict, view: dict) -> None:
        circle_id, number = _pair(view["private_metadata"])
        with deps.db.begin() as session:
            circles.mark_attendance(session, circle_id, number, body["user"]["id"],
                                    set(_value(view, "present").get("selected_users") or []))

    app.view(ids.CIRCLE_ATTENDANCE_MODAL)(ack=ack_modal, lazy=[save_attendance])

    def ack_commit(ack: Ack, view: dict) -> None:
        text = (_value(view, "commitment").get("value") or "").strip()
        ack(response_action="errors", errors={"commitment": "Write your commitment in a sentence."}) if not text \
            else ack()

    @after_ack
    def save_commitment(body: dict, view: dict) -> None:
        circle_id, number = _pair(view["private_metadata"])
        with deps.db.begin() as session:
            circles.commit(session, circle_id, number, body["user"]["id"],
                           _value(view, "commitment").get("value") or "", deps.clock())

    app.view(ids.CIRCLE_COMMIT_MODAL)(ack=ack_commit, lazy=[save_commitment])

    @after_ack
    def follow_up(body: dict, action: dict, respond: Respond) -> None:
        outcome = action["action_id"][len(ids.CIRCLE_FOLLOW_UP) + 1:]
        with deps.db.begin() as session:
            row, problem = circles.follow_up(session, int(action["value"]), body["user"]["id"], outcome)
        if problem:
            return _ephemeral(respond)(problem)
        original = (body.get("message") or {}).get("blocks") or []
        respond(replace_original=True, text=(body.get("message") or {}).get("text", "Circle session"),
                blocks=blocks.followed_up(original, row.id, row.user_id, row.text, outcome))

    app.action(re.compile(f"^{ids.CIRCLE_FOLLOW_UP}_({'|'.join(circles.OUTCOMES)})$"))(ack=ack_action,
                                                                                      lazy=[follow_up])


def status(deps: Deps, team_id: str, user_id: str) -> str:
    """Your circle, its next session and facilitator, your latest commitment; the open round."""
    now = deps.clock()
    lines = []
    with deps.db.read() as session:
        for circle in circles.circles_of(session, team_id, now, user_id):
            others = [u for u in circles.members_of(circle) if u != user_id]
            line = f"Your circle: {', '.join(f'<@{u}>' for u in others)}."
            upcoming = [(n, t) for n, t in enumerate(circles.session_times(circle), 1) if t + circles.LENGTH > now]
            if circle.first_session_at is None:
                line += " Its time isn't set yet: set it in your group chat."
            elif upcoming:
                n, t = upcoming[0]
                line += f" Next: session {n}, {date_token(t)}, facilitated by <@{circles.facilitator(circle, n)}>."
            mine = [c for n in range(len(circles.session_times(circle)), 0, -1)
                    for c in circles.commitments(session, circle.id, n) if c.user_id == user_id][:1]
            if mine:
                line += f" Your commitment: {escape(mine[0].text)}"
            lines.append(line)
        current = circles.open_round_of(session, team_id)
        joined = current is not None and user_id in circles.opted_in(session, current.id)
    return blocks.status_text(lines, date_token(current.closes_at) if joined else None,
                              date_token(current.closes_at) if current is not None and not joined else None)
