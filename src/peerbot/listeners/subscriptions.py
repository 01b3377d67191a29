"""`/peerbot digest on|off|preview`, `/peerbot prompts on|off`, `/peerbot
settings` and the settings modal. admin.py routes `/peerbot` here: `reply`
answers the ack (pure), `handler` does the work after it."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import ids
from peerbot.blocks.settings import read_settings, refusal_modal, saved_notice, settings_modal
from peerbot.blocks.text import escape, message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.services import subscriptions
from peerbot.services.conversations import remember_member
from peerbot.services.subscriptions import DAY_NAMES, DIGEST, PROMPT
from peerbot.slack_api import error_hint, privacy_of

logger = logging.getLogger("peerbot")

WORDS = ("digest", "prompts", "settings")
USAGE = {
    "digest": "Usage: `/peerbot digest on`, `/peerbot digest off` or `/peerbot digest preview` in the channel.",
    "prompts": "Usage: `/peerbot prompts on` or `/peerbot prompts off` in the channel.",
    "settings": "Usage: `/peerbot settings` in the channel whose settings you want to change.",
}
_ACTIONS = {"digest": ("on", "off", "preview"), "prompts": ("on", "off"), "settings": ()}


def parse(words: list[str]) -> tuple[str, str] | None:
    """(`digest`|`prompts`|`settings`, action) or None when malformed."""
    what = words[0].lower()
    rest = [w.lower() for w in words[1:]]
    if what == "settings":
        return (what, "") if not rest else None
    if len(rest) == 1 and rest[0] in _ACTIONS[what]:
        return what, rest[0]
    return None


def reply(words: list[str]) -> dict | None:
    """The ack: a usage note for malformed input, otherwise nothing (the work follows)."""
    return None if parse(words) is not None else message(USAGE[words[0].lower()])


def handler(deps: Deps):
    @after_ack
    def handle_subscription(command: dict, client: WebClient, respond: Respond) -> None:
        words = unescape(command.get("text", "")).split()
        if not words or words[0].lower() not in WORDS or (parsed := parse(words)) is None:
            return
        what, action = parsed
        team_id, channel_id, user_id = command["team_id"], command["channel_id"], command["user_id"]
        if what == "settings":
            open_settings(deps, client, command["trigger_id"], team_id, channel_id, user_id, respond)
        elif action == "preview":
            preview(deps, team_id, channel_id, respond)
        else:
            switch(deps, client, team_id, channel_id, user_id, DIGEST if what == "digest" else PROMPT,
                   action == "on", respond)

    return handle_subscription


def _ephemeral(respond: Respond, text: str) -> None:
    respond(response_type="ephemeral", replace_original=False, **message(text))


def _postable_problem(client: WebClient, channel_id: str) -> str | None:
    """Why peerbot could not post in this channel, or None when it can."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        return error_hint(code) or f"I can't see this channel (Slack answered `{code}`)."
    if info.get("is_im"):
        return "Digests and prompts are for channels. Run this in the channel that should get them."
    if info.get("is_archived"):
        return error_hint("is_archived")
    if not info.get("is_member", False):
        return error_hint("not_in_channel")
    return None


def switch(deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str, kind: str, on: bool,
           respond: Respond) -> None:
    name = "The weekly digest" if kind == DIGEST else "Daily prompts"
    now = deps.clock()
    if on:
        problem = _postable_problem(client, channel_id)
        if problem:
            _ephemeral(respond, problem)
            return
        privacy_of(client, deps.db, team_id, channel_id, now)  # remember the channel's name and privacy
    with deps.db.begin() as session:
        changed = subscriptions.switch(session, team_id, channel_id, kind, on, user_id, now)
        schedule = subscriptions.schedule_of(subscriptions.get(session, team_id, channel_id), deps.settings.timezone)
    if not on:
        _ephemeral(respond, f"{name} {'are' if kind == PROMPT else 'is'} off for <#{channel_id}>."
                   if changed else f"{name} {'were' if kind == PROMPT else 'was'} not on here.")
        return
    if kind == DIGEST:
        when = f"every {DAY_NAMES[schedule.digest_day]} at {schedule.digest_time:%H:%M}"
    else:
        days = ", ".join(DAY_NAMES[d][:3] for d in sorted(schedule.workdays)) or "no days"
        when = f"on {days} at {schedule.prompt_time:%H:%M}"
    verb = "is on" if kind == DIGEST else "are on"
    already = "" if changed else " (it already was)"
    _ephemeral(respond, f"{name} {verb} for <#{channel_id}>{already}: {when} ({escape(schedule.tz)}). "
                        "Change the time with `/peerbot settings`.")


def preview(deps: Deps, team_id: str, channel_id: str, respond: Respond) -> None:
    from peerbot.jobs import build_digest  # the very builder the job posts with

    now = deps.clock()
    with deps.db.read() as session:
        schedule = subscriptions.schedule_of(subscriptions.get(session, team_id, channel_id), deps.settings.timezone)
    content = build_digest(deps, team_id, channel_id, now, schedule.tz)
    respond(response_type="ephemeral", replace_original=False, text=content["text"],
            blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "_Preview: only you can see this._"}]},
                    *content["blocks"]][:50])


def _is_admin(deps: Deps, client: WebClient, team_id: str, user_id: str) -> bool:
    user = client.users_info(user=user_id)["user"]
    with deps.db.begin() as session:
        remember_member(session, team_id, user, deps.clock())
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def _allowed(deps: Deps, client: WebClient, team_id: str, channel_id: str, user_id: str) -> bool:
    with deps.db.read() as session:
        row = subscriptions.get(session, team_id, channel_id)
    if subscriptions.may_change_settings(row, user_id, is_admin=False):
        return True
    return subscriptions.may_change_settings(row, user_id, is_admin=_is_admin(deps, client, team_id, user_id))


def open_settings(deps: Deps, client: WebClient, trigger_id: str, team_id: str, channel_id: str, user_id: str,
                  respond: Respond) -> None:
    # views.open first: the trigger lasts ~3 s. Who may change the settings is
    # checked right after (users.info); anyone else sees a polite refusal.
    with deps.db.read() as session:
        row = subscriptions.get(session, team_id, channel_id)
    try:
        opened = client.views_open(trigger_id=trigger_id, view=settings_modal(channel_id, row, deps.settings.timezone))
    except SlackApiError as error:
        code = error.response.get("error")
        _ephemeral(respond, error_hint(code) or f"I couldn't open the settings ({code}). Please try again.")
        return
    if not _allowed(deps, client, team_id, channel_id, user_id):
        view = opened["view"]
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=refusal_modal(channel_id))


def register(app: App, deps: Deps) -> None:
    def ack_settings(ack: Ack, view: dict) -> None:
        _channel, _changes, errors = read_settings(view)
        ack(response_action="errors", errors=errors) if errors else ack()

    @after_ack
    def save_settings(view: dict, body: dict, client: WebClient) -> None:
        channel_id, changes, errors = read_settings(view)
        if errors or changes is None:
            return
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        if not _allowed(deps, client, team_id, channel_id, user_id):
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=refusal_modal(channel_id)["blocks"][0]
                                      ["text"]["text"])
            return
        with deps.db.begin() as session:
            row = subscriptions.save_settings(session, team_id, channel_id, changes, deps.clock(),
                                              deps.settings.timezone)
        notice = saved_notice(channel_id, row, deps.settings.timezone)
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=notice)
        except SlackApiError:
            pass  # saved all the same; the person may not be in the channel

    app.view(ids.SETTINGS_MODAL)(ack=ack_settings, lazy=[save_settings])
