"""`/peerbot buddies|mentoring|circles on|off|settings` (admin.py routes them
here: `reply` answers the ack, `handler` works after it), the programme
settings modal, and the check-in buttons every programme shares."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import ids
from peerbot.blocks import programmes as blocks
from peerbot.blocks.text import message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.listeners.subscriptions import _is_admin, _postable_problem
from peerbot import programme_flow
from peerbot.services import checkins, programmes, rounds, talks
from peerbot.slack_api import dm_channel, error_hint
from peerbot.store.models import MatchRound

WORDS = programmes.KINDS + (talks.TALKS,)
ACTIONS = ("on", "off", "settings")
COMING = "The {kind} programme is coming soon: for now peerbot runs onboarding buddies (`/peerbot buddies on`)."
# Mentoring and circles run here too (listeners/mentoring.py, circles.py); their defaults are fixed for now,
# so they have no settings modal.
READY = programmes.READY + (programmes.MENTORING, programmes.CIRCLES, talks.TALKS)
HOW_TO_JOIN = {
    programmes.BUDDIES: ("Volunteers join with `/buddy volunteer`; enrol a new hire with `/buddy @hire "
                         "start:YYYY-MM-DD manager:@manager`. Change its defaults with `/peerbot buddies settings`."),
    programmes.MENTORING: ("People enrol with `/mentor enrol` as a mentor, a mentee or both; mentees find a mentor "
                           "with `/mentor find`. Everything else happens in DMs, never in this channel."),
    programmes.CIRCLES: ("Open a round with `/circle open`: a Join card appears here for 7 days (or `/circle join`); "
                         "each circle then meets in its own group chat."),
    talks.TALKS: ("Anyone proposes a talk with `/talks propose`; you (and workspace admins) accept or decline it "
                  "from a DM, and accepted talks get a card here with Going / Maybe / Can't / Add to calendar."),
}
FIXED_SETTINGS = {
    programmes.MENTORING: ("Mentoring runs with its defaults: 3-month matches (extendable), 3 days for a mentor to "
                           "answer a request, a fit check at day 14, check-ins every 4 weeks. Each mentor sets their "
                           "own capacity (default 2, up to 5) with `/mentor enrol`."),
    programmes.CIRCLES: ("Circles run with their defaults: a 7-day opt-in window, circles of 3 to 6 (4 where "
                         "possible), six sessions every two weeks at the time each circle sets, facilitator "
                         "announced 3 days ahead, reminders 1 day and 15 minutes before."),
    talks.TALKS: ("Talks run with their defaults: organisers are whoever switched talks on plus workspace admins; "
                  "a freed seat is held 4 hours for the next on the waitlist; RSVPs close 2 hours before; "
                  "reminders the day before at 10:00 and 15 minutes before; the speaker hears 48 hours before."),
}


def parse(words: list[str]) -> tuple[str, str] | None:
    if len(words) == 2 and words[0].lower() in WORDS and words[1].lower() in ACTIONS:
        return words[0].lower(), words[1].lower()
    return None


def reply(words: list[str]) -> dict | None:
    parsed = parse(words)
    if parsed is None:
        kind = words[0].lower()
        return message(f"Usage: `/peerbot {kind} on`, `/peerbot {kind} off` or `/peerbot {kind} settings`, "
                       "run in the programme's home channel.")
    if parsed[0] not in READY:
        return message(COMING.format(kind=parsed[0]))
    return None


def _say(respond: Respond, text: str) -> None:
    respond(response_type="ephemeral", replace_original=False, **message(text))


def handler(deps: Deps):
    @after_ack
    def handle_programme(command: dict, client: WebClient, respond: Respond) -> None:
        parsed = parse(unescape(command.get("text", "")).split())
        if parsed is None or parsed[0] not in READY:
            return
        kind, action = parsed
        team_id, channel_id, user_id = command["team_id"], command["channel_id"], command["user_id"]
        if action == "settings" and kind in FIXED_SETTINGS:
            return _say(respond, FIXED_SETTINGS[kind])
        if action == "settings":
            return open_settings(deps, client, command["trigger_id"], team_id, channel_id, user_id, kind, respond)
        now = deps.clock()
        if action == "on":
            problem = _postable_problem(client, channel_id)
            if problem:
                return _say(respond, problem.replace("Digests and prompts are", "A programme's home is"))
        with deps.db.read() as session:
            row = programmes.get(session, team_id, kind)
        if row is not None and row.is_on and not programmes.may_change(row, user_id, is_admin=False) \
                and not _is_admin(deps, client, team_id, user_id):
            return _say(respond, f"Only workspace admins or <@{row.switched_on_by}>, who switched it on, "
                                 f"can change the {kind} programme.")
        with deps.db.begin() as session:
            result = programmes.switch(session, team_id, kind, channel_id, action == "on", user_id, now)
        if action == "on":
            if result.changed:
                _say(respond, f"The {kind} programme is on, with <#{channel_id}> as its home. {HOW_TO_JOIN[kind]}")
            elif result.home == channel_id:
                _say(respond, f"The {kind} programme is already on here. Nothing changed.")
            else:
                _say(respond, f"The {kind} programme is already on in <#{result.home}>. Switch it off there first "
                              f"(`/peerbot {kind} off`) to move its home here.")
        elif result.changed:
            _say(respond, f"The {kind} programme is off. Nothing more will be sent; its records are kept.")
        elif result.home:
            _say(respond, f"The {kind} programme's home is <#{result.home}>: switch it off there.")
        else:
            _say(respond, f"The {kind} programme was not on.")

    return handle_programme


def open_settings(deps: Deps, client: WebClient, trigger_id: str, team_id: str, channel_id: str, user_id: str,
                  kind: str, respond: Respond) -> None:
    with deps.db.read() as session:
        row = programmes.get(session, team_id, kind)
    try:  # views.open first: the trigger lasts ~3 s
        opened = client.views_open(trigger_id=trigger_id,
                                   view=blocks.settings_modal(channel_id, kind, programmes.settings_of(row)))
    except SlackApiError as error:
        code = error.response.get("error")
        return _say(respond, error_hint(code) or f"I couldn't open the settings ({code}). Please try again.")
    if not programmes.may_change(row, user_id, is_admin=False) and not _is_admin(deps, client, team_id, user_id):
        view = opened["view"]
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=blocks.refusal_modal(kind))


def ack_action(ack: Ack) -> None:
    ack()


def register(app: App, deps: Deps) -> None:
    def ack_settings(ack: Ack, view: dict) -> None:
        _meta, raw = blocks.read_settings(view)
        _parsed, errors = programmes.parse_settings(raw)
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def save_settings(view: dict, body: dict, client: WebClient) -> None:
        meta, raw = blocks.read_settings(view)
        parsed, errors = programmes.parse_settings(raw)
        kind = meta.get("kind")
        if errors or parsed is None or kind not in programmes.READY:
            return
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with deps.db.read() as session:
            row = programmes.get(session, team_id, kind)
        if row is None or (not programmes.may_change(row, user_id, is_admin=False)
                           and not _is_admin(deps, client, team_id, user_id)):
            return
        with deps.db.begin() as session:
            programmes.save_settings(session, team_id, kind, parsed, deps.clock())
        if parsed.volunteers_channel and parsed.volunteers_channel != programmes.settings_of(row).volunteers_channel:
            problem = programme_flow.add_channel_volunteers(deps, team_id, parsed.volunteers_channel)
            if problem:
                client.chat_postMessage(channel=dm_channel(client, user_id), **message(problem))

    app.view(ids.PROGRAMME_SETTINGS_MODAL)(ack=ack_settings, lazy=[save_settings])

    # ---- a round's admin preview: Publish ---------------------------------------------------------

    @after_ack
    def publish_round(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        user_id, team_id, now = body["user"]["id"], body["team"]["id"], deps.clock()
        with deps.db.read() as session:
            row = session.get(MatchRound, int(action["value"]))
        if row is None or row.team_id != team_id:
            return _say(respond, "That round is no longer there. Nothing changed.")
        if user_id != row.admin_id and not _is_admin(deps, client, team_id, user_id):
            return _say(respond, f"This preview is for <@{row.admin_id}>, so only they (or a workspace admin) "
                                 "can publish it. Nothing changed.")
        with deps.db.begin() as session:
            won = rounds.publish(session, row.id, user_id, now)
        if not won:
            return _say(respond, "This round was already published. Nothing changed.")
        programme_flow.PUBLISHERS[row.kind](deps, row.id, now)
        container = body.get("container") or {}
        if container.get("message_ts"):
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                               **blocks.round_published(_question_of(body), user_id))

    app.action(ids.ROUND_PUBLISH)(ack=ack_action, lazy=[publish_round])

    # ---- check-ins -------------------------------------------------------------------------------

    def _answer_with(value: str):
        @after_ack
        def answer_checkin(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
            user_id = body["user"]["id"]
            with deps.db.begin() as session:
                result = checkins.answer(session, int(action["value"]), user_id, value, deps.clock())
                row = result.checkin
                state = (row.answer, row.rating) if row is not None else (None, None)
            if result.problem:
                return respond(response_type="ephemeral", replace_original=False, text=result.problem)
            question = _question_of(body)
            container = body.get("container") or {}
            if state[0] and container.get("message_ts"):
                client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                   **blocks.checkin_answered(row.id, question, state[0], state[1]))

        return answer_checkin

    for action_id, value in ((ids.CHECKIN_MET, checkins.MET), (ids.CHECKIN_NOT_YET, checkins.NOT_YET),
                             (ids.CHECKIN_SKIP, checkins.SKIP)):
        app.action(action_id)(ack=ack_action, lazy=[_answer_with(value)])

    @after_ack
    def rate_checkin(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        checkin_id, rating = (int(x) for x in action["value"].split(":"))
        with deps.db.begin() as session:
            row = checkins.rate(session, checkin_id, body["user"]["id"], rating=rating)
            state = (row.id, row.answer, row.rating) if row is not None else None
        if state is None:
            return respond(response_type="ephemeral", replace_original=False,
                           text="This check-in is for someone else, so only they can answer it.")
        container = body.get("container") or {}
        client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                           **blocks.checkin_answered(state[0], _question_of(body), state[1], state[2]))

    app.action(re.compile(f"^{ids.CHECKIN_RATE}_[1-5]$"))(ack=ack_action, lazy=[rate_checkin])

    def ack_comment(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()

    @after_ack
    def open_comment(body: dict, action: dict, client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.comment_modal(int(action["value"])))

    app.action(ids.CHECKIN_COMMENT)(ack=ack_comment, lazy=[open_comment])

    def ack_comment_modal(ack: Ack) -> None:
        ack()

    @after_ack
    def save_comment(view: dict, body: dict) -> None:
        text = ((view["state"]["values"].get(ids.CHECKIN_COMMENT_INPUT) or {}).get(ids.CHECKIN_COMMENT_INPUT)
                or {}).get("value") or ""
        with deps.db.begin() as session:
            checkins.rate(session, int(view["private_metadata"]), body["user"]["id"], comment=text)

    app.view(ids.CHECKIN_COMMENT_MODAL)(ack=ack_comment_modal, lazy=[save_comment])

    def _stay_pause_leave(status: str, text: str):
        @after_ack
        def choose(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
            user_id, team_id, kind = body["user"]["id"], body["team"]["id"], action["value"]
            if kind not in programmes.KINDS:
                return
            programme_flow.choose_standing(deps, team_id, kind, user_id, status, deps.clock())
            if status == programmes.PAUSED:  # keep a way back
                return respond(replace_original=True, **blocks.paused_note(kind))
            respond(replace_original=True, text=text)

        return choose

    for action_id, status, text in (
            (ids.CHECKIN_STAY, programmes.ACTIVE, "Great, you're staying: check-ins carry on."),
            (ids.CHECKIN_PAUSE, programmes.PAUSED, ""),
            (ids.CHECKIN_LEAVE, programmes.LEFT, "You've left the programme. Thank you for taking part!")):
        app.action(action_id)(ack=ack_action, lazy=[_stay_pause_leave(status, text)])


def _question_of(body: dict) -> str:
    blocks_ = (body.get("message") or {}).get("blocks") or []
    for block in blocks_:
        if block.get("type") == "section":
            return block["text"]["text"]
    return "Check-in"

