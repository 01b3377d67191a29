"""/buddy: status, the volunteer pool, enrolling a new hire, blocking a
pairing; the manager's pick; joins of the home and volunteers channels; a new
member's Enrol / Ignore (`team_join`) and its modal; the day-1 "first chat"
button and the day-90 wrap-up's buttons. Buddy messages go to DMs and group
DMs only; the one exception is the public thank-you the hire chooses to post."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot import programme_flow
from peerbot.blocks import buddies as buddy_blocks
from peerbot.blocks import ids
from peerbot.blocks.text import message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack, once_per_event
from peerbot.services import buddies, programmes
from peerbot.services.buddies import BuddyCommand, date_token
from peerbot.services.conversations import remember_member
from peerbot.services.programmes import BUDDIES, BUDDY
from peerbot.slack_api import dm_channel, error_hint

OFF = ("The buddy programme is off. An admin can switch it on with `/peerbot buddies on` in the channel "
       "that should be its home.")


def _user(client: WebClient, user_id: str) -> dict | None:
    try:
        return client.users_info(user=user_id)["user"]
    except SlackApiError:
        return None


def register(app: App, deps: Deps) -> None:
    def ack_buddy(ack: Ack, command: dict) -> None:
        parsed = buddies.parse_command(unescape(command.get("text", "")), deps.clock().date())
        ack(response_type="ephemeral", **message(parsed.problem)) if parsed.problem else ack()

    @after_ack
    def handle_buddy(command: dict, client: WebClient, respond: Respond) -> None:
        team_id, user_id, now = command["team_id"], command["user_id"], deps.clock()
        caller = _user(client, user_id) or {"id": user_id}
        with deps.db.begin() as session:
            if caller.get("tz") is not None:
                remember_member(session, team_id, caller, now)
        tz = caller.get("tz") or deps.settings.timezone
        parsed = buddies.parse_command(unescape(command.get("text", "")), buddies.local_today(now, tz))
        if parsed.problem:
            return

        def say(text: str) -> None:
            respond(response_type="ephemeral", replace_original=False, **message(text))

        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        if parsed.action == "status":
            return say(_status(deps, team_id, user_id))
        if parsed.action in ("block", "unblock"):  # holds for every programme, on or not
            return block(deps, client, team_id, user_id, caller, parsed, say)
        if row is None or not row.is_on:
            return say(OFF)
        if parsed.action == "volunteer":
            # "until DATE": in the pool through that day (the volunteer's own), out the morning after.
            until = buddies.day_after(parsed.until, tz) if parsed.until else None
            with deps.db.begin() as session:
                new = programmes.join(session, team_id, BUDDIES, user_id, BUDDY, now, until=until)
            again = "" if new else " (you already were)"
            return say(f"Thank you! You're in the buddy pool{again}. A new hire's manager may be "
                       "offered you as their buddy; `/buddy pause` or `/buddy stop` at any time." +
                       (f" You'll leave the pool after {parsed.until.isoformat()}." if until else ""))
        if parsed.action in ("stop", "pause"):
            status = programmes.LEFT if parsed.action == "stop" else programmes.PAUSED
            until = buddies.day_after(parsed.until, tz) if parsed.until else None
            with deps.db.begin() as session:
                found = programmes.set_status(session, team_id, BUDDIES, user_id, BUDDY, status, now, until)
            if not found:
                return say("You're not in the buddy pool. `/buddy volunteer` joins it.")
            if status == programmes.LEFT:
                return say("You've left the buddy pool; your current hires keep you as their buddy.")
            back = f"after {parsed.until.isoformat()}" if parsed.until else "until you `/buddy volunteer` again"
            return say(f"Paused: you won't be suggested as a buddy {back}.")
        enrol(deps, client, team_id, user_id, caller, parsed, say)

    app.command("/buddy")(ack=ack_buddy, lazy=[handle_buddy])

    # ---- the manager's pick ---------------------------------------------------------------------

    def ack_pick(ack: Ack) -> None:
        ack()

    @after_ack
    def pick(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        if action["action_id"] == ids.BUDDY_PICK:
            pairing_id, candidate = action["value"].split(":", 1)
        else:
            pairing_id, candidate = action["block_id"].split("-", 1)[1], action.get("selected_user")
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.clock()

        def say(text: str) -> None:
            respond(response_type="ephemeral", replace_original=False, text=text)

        with deps.db.read() as session:
            pairing = session.get(buddies.BuddyPairing, int(pairing_id))
            settings = programmes.settings_of(programmes.get(session, team_id, BUDDIES))
        if pairing is None or pairing.team_id != team_id or not candidate:
            return say("That new hire is no longer in the buddy programme.")
        allowed = user_id in (pairing.manager_id, pairing.enrolled_by)
        if not allowed:
            caller = _user(client, user_id) or {}
            allowed = bool(caller.get("is_admin") or caller.get("is_owner"))
        if not allowed:
            return say(f"These suggestions are for <@{pairing.manager_id or pairing.enrolled_by}>, "
                       "so only they (or an admin) can pick.")
        if pairing.buddy_id is not None:
            return say(f"<@{pairing.hire_id}> already has a buddy: <@{pairing.buddy_id}>. Nothing changed.")
        if candidate in (pairing.hire_id, pairing.manager_id):
            return say("A new hire's buddy can't be the hire themselves or their manager. Pick someone else.")
        if problem := buddies.person_problem(_user(client, candidate), "buddy"):
            return say(problem + " Pick someone else.")
        with deps.db.begin() as session:
            if buddies.is_blocked(session, team_id, pairing.hire_id, candidate):
                return say(f"<@{candidate}> can't be <@{pairing.hire_id}>'s buddy: one of them asked not to be "
                           "paired. Pick someone else.")
            if not buddies.has_room(session, team_id, candidate, settings):
                return say(f"<@{candidate}> already looks after {settings.capacity} new hire(s). Pick someone else.")
            won = buddies.assign(session, pairing.id, candidate, "picked", now)
        if not won:
            return say("A buddy was set a moment ago. Nothing changed.")
        container = body.get("container") or {}
        if container.get("message_ts"):
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                               **buddy_blocks.picked_message(pairing.hire_id, candidate, "picked"))

    app.action(ids.BUDDY_PICK)(ack=ack_pick, lazy=[pick])
    app.action(ids.BUDDY_PICK_OTHER)(ack=ack_pick, lazy=[pick])

    # ---- joins ----------------------------------------------------------------------------------

    def joined(body: dict, event: dict, client: WebClient) -> None:
        """Joining the programme's home channel enrols the member as a hire
        starting today; joining its volunteers channel puts them in the pool."""
        team_id, user_id, now = body.get("team_id", ""), event.get("user", ""), deps.clock()
        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        if row is None or not row.is_on:
            return
        if event.get("channel") == programmes.settings_of(row).volunteers_channel:
            programme_flow.add_volunteer(deps, team_id, user_id, now)
            return
        if event.get("channel") != row.channel_id:
            return
        user = _user(client, user_id)
        if buddies.person_problem(user, "new hire"):
            return
        tz = user.get("tz") or deps.settings.timezone
        with deps.db.begin() as session:
            remember_member(session, team_id, user, now)
            buddies.enrol(session, team_id=team_id, hire_id=user_id, manager_id=event.get("inviter"),
                          enrolled_by=event.get("inviter") or row.switched_on_by,
                          start=buddies.local_today(now, tz), tz=tz, now=now)

    app.event("member_joined_channel")(ack=ack_only, lazy=[after_ack(once_per_event(deps, joined))])

    def left(body: dict, event: dict) -> None:
        """Leaving the volunteers channel leaves the pool (current hires keep their buddy)."""
        team_id = body.get("team_id", "")
        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        if row is None or event.get("channel") != programmes.settings_of(row).volunteers_channel:
            return
        with deps.db.begin() as session:
            programmes.set_status(session, team_id, BUDDIES, event.get("user", ""), BUDDY, programmes.LEFT,
                                  deps.clock())

    app.event("member_left_channel")(ack=ack_only, lazy=[after_ack(once_per_event(deps, left))])

    def team_joined(body: dict, event: dict) -> None:
        """A new member: the programme's admin gets Enrol / Ignore, once per member."""
        team_id, user = body.get("team_id", ""), event.get("user") or {}
        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        if row is None or not row.is_on or not row.switched_on_by or buddies.person_problem(user, "new hire"):
            return
        with deps.db.begin() as session:
            remember_member(session, team_id, user, deps.clock())
        programme_flow.tell_admin_of_newcomer(deps, team_id, row.switched_on_by, user["id"], deps.clock())

    app.event("team_join")(ack=ack_only, lazy=[after_ack(once_per_event(deps, team_joined))])

    # ---- a new member's Enrol / Ignore, and the enrol modal --------------------------------------

    @after_ack
    def open_enrol(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        container = body.get("container") or {}
        meta = json.dumps({"hire": action["value"], "channel": container.get("channel_id"),
                           "ts": container.get("message_ts")})
        today = deps.clock().astimezone(ZoneInfo(deps.settings.timezone)).date().isoformat()
        try:  # views.open first: the trigger lasts ~3 s
            client.views_open(trigger_id=body["trigger_id"],
                              view=buddy_blocks.enrol_modal(action["value"], today, meta))
        except SlackApiError as error:
            code = error.response.get("error")
            respond(response_type="ephemeral", replace_original=False,
                    text=(error_hint(code) or "I couldn't open the form.") +
                    f" You can enrol them with `/buddy <@{action['value']}> start:YYYY-MM-DD manager:@manager`.")

    app.action(ids.BUDDY_NEWCOMER_ENROL)(ack=ack_pick, lazy=[open_enrol])

    @after_ack
    def ignore_newcomer(body: dict, action: dict, client: WebClient) -> None:
        container = body.get("container") or {}
        client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                           **buddy_blocks.newcomer_decided(action["value"], f"Ignored by <@{body['user']['id']}>: no "
                                                           "buddy. `/buddy @them start:YYYY-MM-DD` enrols them later."))

    app.action(ids.BUDDY_NEWCOMER_IGNORE)(ack=ack_pick, lazy=[ignore_newcomer])

    def enrol_form_problems(view: dict) -> dict[str, str]:
        meta = json.loads(view.get("private_metadata") or "{}")
        start, manager = buddy_blocks.read_enrol_modal(view)
        problems = {}
        if (problem := buddies.start_problem(start, deps.clock().date())) is not None:
            problems[ids.BUDDY_ENROL_START] = problem
        if manager and manager == meta.get("hire"):
            problems[ids.BUDDY_ENROL_MANAGER] = "The new hire can't be their own manager."
        return problems

    def ack_enrol_form(ack: Ack, view: dict) -> None:
        problems = enrol_form_problems(view)
        ack(response_action="errors", errors=problems) if problems else ack()

    @after_ack
    def submit_enrol(view: dict, body: dict, client: WebClient) -> None:
        if enrol_form_problems(view):
            return
        meta = json.loads(view["private_metadata"])
        start, manager = buddy_blocks.read_enrol_modal(view)
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        said: list[str] = []
        enrol(deps, client, team_id, user_id, _user(client, user_id) or {"id": user_id},
              BuddyCommand("enrol", hire=meta["hire"], manager=manager, start=date.fromisoformat(start)), said.append)
        if meta.get("ts") and said and "is enrolled" in said[0]:
            client.chat_update(channel=meta["channel"], ts=meta["ts"],
                               **buddy_blocks.newcomer_decided(meta["hire"], said[0]))
        else:
            client.chat_postMessage(channel=dm_channel(client, user_id), **message(" ".join(said)))

    app.view(ids.BUDDY_ENROL_MODAL)(ack=ack_enrol_form, lazy=[submit_enrol])

    # ---- the day-1 group DM and the day-90 wrap-up ------------------------------------------------

    @after_ack
    def first_chat(body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        user_id, now = body["user"]["id"], deps.clock()
        with deps.db.begin() as session:
            pairing = session.get(buddies.BuddyPairing, int(action["value"]))
            if pairing is None or user_id not in (pairing.hire_id, pairing.buddy_id):
                who = f"<@{pairing.hire_id}> and <@{pairing.buddy_id}>" if pairing else "the hire and their buddy"
                return respond(response_type="ephemeral", replace_original=False,
                               text=f"This button is for {who}, so only they can press it. Nothing changed.")
            recorded = buddies.report_first_chat(session, pairing, user_id, now)
        if not recorded:
            return respond(response_type="ephemeral", replace_original=False, text="Already noted. Thank you!")
        container = body.get("container") or {}
        client.chat_postMessage(channel=container["channel_id"], **buddy_blocks.first_chat_noted(user_id))

    app.action(ids.BUDDY_MET)(ack=ack_pick, lazy=[first_chat])

    @after_ack
    def volunteer_button(body: dict, action: dict, respond: Respond) -> None:
        new = programme_flow.add_volunteer(deps, body["team"]["id"], body["user"]["id"], deps.clock())
        respond(response_type="ephemeral", replace_original=False,
                text="Thank you! You're in the buddy pool." if new else "You're already in the buddy pool.")

    app.action(ids.BUDDY_VOLUNTEER)(ack=ack_pick, lazy=[volunteer_button])

    @after_ack
    def thanks(body: dict, action: dict, respond: Respond) -> None:
        """The hire's own choice: a public thank-you in the programme's home channel, once."""
        user_id, now = body["user"]["id"], deps.clock()
        with deps.db.read() as session:
            pairing = session.get(buddies.BuddyPairing, int(action["value"]))
            home = programmes.home_of(session, pairing.team_id, BUDDIES) if pairing else None
        if pairing is None or pairing.hire_id != user_id or home is None:
            return respond(response_type="ephemeral", replace_original=False,
                           text="I can't post that thank-you any more: the programme has no home channel now.")
        outcome, _, _ = programme_flow.post_once(
            deps, team_id=pairing.team_id, recipient=user_id, kind="buddy-thanks", period=str(pairing.id), at=now,
            channel=lambda: home,
            content=lambda key: buddy_blocks.public_thanks(key, pairing.hire_id, pairing.buddy_id))
        respond(response_type="ephemeral", replace_original=False,
                text=f"Posted in <#{home}>. :sparkles:" if outcome == "posted" else "Your thank-you is already posted.")

    app.action(ids.BUDDY_THANKS)(ack=ack_pick, lazy=[thanks])


def _is_admin(deps: Deps, team_id: str, user_id: str, user: dict) -> bool:
    """Workspace admins and owners, and whoever switched the buddy programme on."""
    if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
        return True
    with deps.db.read() as session:
        return programmes.may_change(programmes.get(session, team_id, BUDDIES), user_id, is_admin=False)


def block(deps: Deps, client: WebClient, team_id: str, user_id: str, caller: dict, parsed: BuddyCommand,
          say) -> None:
    """`/buddy block @x`: never pair the caller with x. Two people: their
    manager (of an enrolled hire) or an admin. A hard filter for every programme."""
    a, b = (user_id, parsed.people[0]) if len(parsed.people) == 1 else parsed.people
    if a == b:
        return say("You can't block yourself. Nothing changed.")
    if len(parsed.people) == 2 and not _is_admin(deps, team_id, user_id, caller):
        with deps.db.read() as session:
            pairings = [buddies.by_hire(session, team_id, who) for who in (a, b)]
        manages = any(p is not None and p.manager_id == user_id for p in pairings)
        if not manages:
            return say("Only workspace admins, or the manager of one of them, can block a pair for two other "
                       "people. Nothing changed.")
    now = deps.clock()
    with deps.db.begin() as session:
        if parsed.action == "unblock":
            changed = programmes.unblock(session, team_id, a, b)
            return say(f"<@{a}> and <@{b}> may be paired again." if changed else
                       f"<@{a}> and <@{b}> were not blocked. Nothing changed.")
        settings = programmes.settings_of(programmes.get(session, team_id, BUDDIES))
        if problem := buddies.block_problem(session, team_id, a, b, settings, now):
            return say(problem)
        changed = programmes.block(session, team_id, a, b, user_id, now)
    say(f"Done: <@{a}> and <@{b}> will never be paired or grouped by peerbot's programmes. Nobody else is told."
        if changed else f"<@{a}> and <@{b}> were already blocked. Nothing changed.")


def enrol(deps: Deps, client: WebClient, team_id: str, user_id: str, caller: dict, parsed: BuddyCommand,
          say) -> None:
    now = deps.clock()
    hire = _user(client, parsed.hire)
    if problem := buddies.person_problem(hire, "new hire"):
        return say(problem + " Nothing changed.")
    manager = None
    if parsed.manager:
        manager = _user(client, parsed.manager)
        if problem := buddies.person_problem(manager, "manager"):
            return say(problem + " Nothing changed.")
    is_admin = _is_admin(deps, team_id, user_id, caller)
    if not is_admin and user_id != parsed.manager:
        return say("Only workspace admins, or the hire's manager (`manager:@you`), can enrol a new hire.")
    if parsed.hire == user_id and not is_admin:
        return say("You can't enrol yourself as a new hire.")
    tz = hire.get("tz") or deps.settings.timezone
    with deps.db.begin() as session:
        remember_member(session, team_id, hire, now)
        if manager:
            remember_member(session, team_id, manager, now)
        pairing = buddies.enrol(session, team_id=team_id, hire_id=parsed.hire, manager_id=parsed.manager,
                                enrolled_by=user_id, start=parsed.start, tz=tz, now=now)
    if pairing is None:
        return say(f"<@{parsed.hire}> is already in the buddy programme. Nothing changed.")
    chooser = parsed.manager or user_id
    say(f"<@{parsed.hire}> is enrolled, starting {date_token(buddies.at_local(parsed.start, buddies.INTRO_TIME, tz), '{date_long}')}. "
        f"<@{chooser}> will get three buddy suggestions by DM about five business days before the start.")


def _status(deps: Deps, team_id: str, user_id: str) -> str:
    with deps.db.read() as session:
        mine, theirs = buddies.of_person(session, team_id, user_id)
        volunteer = programmes.member(session, team_id, BUDDIES, user_id, BUDDY)
        as_hire = [(p.buddy_id, f"You started {p.start_date}.") for p in mine]
        as_buddy = [(p.hire_id, f"They start {p.start_date}.") for p in theirs if p.buddy_id == user_id]
    pool = None
    if volunteer is not None:
        pool = {"active": "You're in the buddy pool.", "paused": "Your buddy volunteering is paused.",
                "left": "You left the buddy pool."}.get(volunteer.status)
    return buddy_blocks.status_text(as_hire, as_buddy, pool)

