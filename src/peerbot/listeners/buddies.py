"""/buddy: status, the volunteer pool, enrolling a new hire; the manager's
pick; joins of the home channel and `team_join`. Buddy messages go to DMs
and group DMs only, never a channel."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import buddies as buddy_blocks
from peerbot.blocks import ids
from peerbot.blocks.text import message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack, once_per_event
from peerbot.services import buddies, programmes
from peerbot.services.buddies import BuddyCommand, date_token
from peerbot.services.conversations import remember_member
from peerbot.services.programmes import BUDDIES, BUDDY
from peerbot.slack_api import dm_channel

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
        if row is None or not row.is_on:
            return say(OFF)
        if parsed.action == "volunteer":
            if (problem := buddies.person_problem(caller, "buddy")) and caller.get("is_bot"):
                return say(problem)
            until = buddies.at_local(parsed.until, buddies.NUDGE_START, tz) if parsed.until else None
            with deps.db.begin() as session:
                new = programmes.join(session, team_id, BUDDIES, user_id, BUDDY, now)
            again = "" if new else " (you already were)"
            return say(f"Thank you! You're in the buddy pool{again}. Managers may be suggested you for a new "
                       "hire; `/buddy pause` or `/buddy stop` at any time." +
                       (f" You'll be in the pool until {parsed.until.isoformat()}." if until else ""))
        if parsed.action in ("stop", "pause"):
            status = programmes.LEFT if parsed.action == "stop" else programmes.PAUSED
            until = buddies.at_local(parsed.until, buddies.NUDGE_START, tz) if parsed.until else None
            with deps.db.begin() as session:
                found = programmes.set_status(session, team_id, BUDDIES, user_id, BUDDY, status, now, until)
            if not found:
                return say("You're not in the buddy pool. `/buddy volunteer` joins it.")
            return say("You've left the buddy pool; your current hires keep you as their buddy."
                       if status == programmes.LEFT else "Paused: you won't be suggested as a buddy until you "
                                                         "`/buddy volunteer` again.")
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
        """Joining the programme's home channel enrols the member as a hire starting today."""
        team_id, user_id = body.get("team_id", ""), event.get("user", "")
        with deps.db.read() as session:
            home = programmes.home_of(session, team_id, BUDDIES)
        if home is None or event.get("channel") != home:
            return
        user = _user(client, user_id)
        if buddies.person_problem(user, "new hire"):
            return
        now = deps.clock()
        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        with deps.db.begin() as session:
            remember_member(session, team_id, user, now)
            buddies.enrol(session, team_id=team_id, hire_id=user_id, manager_id=event.get("inviter"),
                          enrolled_by=event.get("inviter") or row.switched_on_by, start=buddies.local_today(
                              now, user.get("tz") or deps.settings.timezone), tz=user.get("tz") or deps.settings.timezone,
                          now=now)

    app.event("member_joined_channel")(ack=ack_only, lazy=[after_ack(once_per_event(deps, joined))])

    def team_joined(body: dict, event: dict, client: WebClient) -> None:
        """A new member: the programme's admin hears of it (they enrol with /buddy)."""
        team_id = body.get("team_id", "")
        user = event.get("user") or {}
        with deps.db.read() as session:
            row = programmes.get(session, team_id, BUDDIES)
        if row is None or not row.is_on or not row.switched_on_by or buddies.person_problem(user, "new hire"):
            return
        client.chat_postMessage(channel=dm_channel(client, row.switched_on_by),
                                text=f"<@{user['id']}> just joined the workspace. Enrol them for a buddy with "
                                     f"`/buddy <@{user['id']}> start:YYYY-MM-DD manager:@manager`.")

    app.event("team_join")(ack=ack_only, lazy=[after_ack(once_per_event(deps, team_joined))])


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
    is_admin = bool(caller.get("is_admin") or caller.get("is_owner") or caller.get("is_primary_owner"))
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

