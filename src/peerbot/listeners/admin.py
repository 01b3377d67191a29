"""/peerbot: help and stats now; subscriptions, settings and programmes grow here."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks.experts import stats_message, stats_usage
from peerbot.blocks import help as help_blocks
from peerbot.blocks.help import help_message
from peerbot.blocks.stats import programme_stats_message
from peerbot.blocks.text import escape, message, unescape
from peerbot.deps import Deps
from peerbot.listeners.guard import after_ack
from peerbot.listeners import programmes, subscriptions
from peerbot.services import dashboard_access, metrics
from peerbot.slack_api import dm_channel, privacy_of
from peerbot.store.models import PUBLIC


PROGRAMMES_PERIOD = timedelta(days=90)  # a buddy's first 90 days fit in it


class StatsRequest(NamedTuple):
    period: timedelta
    workspace: bool  # the whole workspace, not this channel
    programmes: bool  # the programmes' measures (always the whole workspace)


def parse_stats(words: list[str]) -> StatsRequest | None:
    """`stats [7d] [workspace]` or `stats programmes [90d]`; None when malformed."""
    period, workspace, programmes_asked = None, False, False
    for word in words:
        if word.lower() == "workspace" and not workspace and not programmes_asked:
            workspace = True
        elif word.lower() == "programmes" and not programmes_asked and not workspace:
            programmes_asked = True
        elif period is None and (parsed := metrics.parse_period(word)) is not None:
            period = parsed
        else:
            return None
    default = PROGRAMMES_PERIOD if programmes_asked else metrics.DEFAULT_PERIOD
    return StatsRequest(period or default, workspace, programmes_asked)


def peerbot_reply(text: str, *, public_url: str | None = None) -> dict | None:
    """The ack for `/peerbot <text>`: pure, so it is always on time. None when
    the answer follows from a lazy function (stats)."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return help_message()
    if words[0].lower() == "dashboard":
        return dashboard_reply(words[1:], public_url)
    if words[0].lower() == "stats":
        return None if parse_stats(words[1:]) is not None else message(stats_usage())
    if words[0].lower() in subscriptions.WORDS:
        return subscriptions.reply(words)
    if words[0].lower() in programmes.WORDS:
        return programmes.reply(words)
    return help_message(f"I don't know `/peerbot {escape(words[0])}` yet. Here is what I can do:")


def register(app: App, deps: Deps) -> None:
    def ack_peerbot(ack: Ack, command: dict) -> None:
        reply = peerbot_reply(unescape(command.get("text", "")), public_url=deps.settings.public_url)
        ack(response_type="ephemeral", **reply) if reply is not None else ack()

    @after_ack
    def handle_peerbot(command: dict, client: WebClient, respond: Respond) -> None:
        words = unescape(command.get("text", "")).split()
        if words and words[0].lower() == "dashboard":
            return dashboard_command(deps, command, client, respond, words[1:])
        if not words or words[0].lower() != "stats" or (parsed := parse_stats(words[1:])) is None:
            return
        if parsed.programmes:
            return programme_stats(deps, command, client, respond, parsed.period)
        period, workspace = parsed.period, parsed.workspace
        team_id, channel_id = command["team_id"], command["channel_id"]
        now = deps.clock()
        with deps.db.read() as session:
            asked_in = metrics.channels_asked_in(session, team_id, now=now, period=period)
        # Topic names of knowledge gaps may be shown if asked about in a public
        # channel or in this one; privacy comes from conversations.info.
        nameable = {channel_id}
        for other in asked_in:
            try:
                if privacy_of(client, deps.db, team_id, other, now) == PUBLIC:
                    nameable.add(other)
            except SlackApiError:
                continue
        with deps.db.read() as session:
            numbers = metrics.compute(session, team_id, now=now, period=period,
                                    channel_id=None if workspace else channel_id, nameable_channels=nameable)
        scope = "the workspace" if workspace else f"<#{channel_id}>"
        respond(response_type="ephemeral", **stats_message(numbers, scope=scope, days=period.days))

    app.command("/peerbot")(ack=ack_peerbot, lazy=[handle_peerbot, subscriptions.handler(deps), programmes.handler(deps)])


def programme_stats(deps: Deps, command: dict, client: WebClient, respond: Respond, period: timedelta) -> None:
    """After the ack: the programmes' measures for the workspace; the helpers in two or more
    roles only for admins."""
    team_id, now = command["team_id"], deps.clock()
    admin = dashboard_access.is_admin(client.users_info(user=command["user_id"])["user"])
    with deps.db.read() as session:
        kinds = metrics.running(session, team_id)
        buddies = metrics.buddy_measures(session, team_id, since=now - period, until=now,
                                         tz=deps.settings.timezone) if "buddies" in kinds else None
        others = {kind: measure(session, team_id, since=now - period, until=now) for kind, measure in (
            ("mentoring", metrics.mentoring_measures), ("circles", metrics.circle_measures),
            ("talks", metrics.talk_measures), ("feedback", metrics.feedback_measures)) if kind in kinds}
        across = metrics.across_programmes(session, team_id, now=now) if kinds else None
    respond(response_type="ephemeral", **programme_stats_message(
        buddies, across, days=period.days, stretched=across.stretched if across and admin else None, **others))


# ---- /peerbot dashboard [grant|revoke @user] ------------------------------------------------------

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def parse_dashboard(words: list[str]) -> tuple[str | None, str | None] | None:
    """`dashboard` → (None, None); `dashboard grant @bob` → ("grant", "@bob"); None when malformed."""
    if not words:
        return None, None
    if len(words) == 2 and words[0].lower() in ("grant", "revoke") and words[1].strip("@"):
        return words[0].lower(), words[1]
    return None


def dashboard_reply(words: list[str], public_url: str | None) -> dict | None:
    if public_url is None:
        return help_blocks.dashboard_not_configured()
    return None if parse_dashboard(words) is not None else message(help_blocks.DASHBOARD_USAGE)


def _find_user(client: WebClient, who: str) -> dict | None:
    """A user from `<@U123|name>`, `<@U123>`, `@name` or `name` (handle or display name)."""
    if (match := _MENTION.match(who)) is not None:
        try:
            return client.users_info(user=match.group(1))["user"]
        except SlackApiError:
            return None
    name = who.lstrip("@").lower()
    cursor = None
    while True:
        page = client.users_list(limit=200, **({"cursor": cursor} if cursor else {}))
        for user in page.get("members", []):
            profile = user.get("profile") or {}
            if name in (str(user.get("name", "")).lower(), str(profile.get("display_name", "")).lower()) \
                    and not user.get("deleted"):
                return user
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def dashboard_command(deps: Deps, command: dict, client: WebClient, respond: Respond, words: list[str]) -> None:
    """After the ack: DM a login link, or grant / revoke access (admins only)."""
    public_url = deps.settings.public_url
    parsed = parse_dashboard(words)
    if public_url is None or parsed is None:
        return  # the ack already explained
    action, who = parsed
    team_id, user_id = command["team_id"], command["user_id"]
    now = deps.clock()
    caller = client.users_info(user=user_id)["user"]
    if action is None:
        with deps.db.read() as session:
            granted = dashboard_access.is_granted(session, team_id, user_id)
        role = dashboard_access.role_of(caller, granted)
        if role is None:
            respond(response_type="ephemeral", **help_blocks.dashboard_refused())
            return
        with deps.db.begin() as session:
            token = dashboard_access.issue_link(session, team_id, user_id, role, now=now)
        minutes = int(dashboard_access.LINK_TTL.total_seconds() // 60)
        client.chat_postMessage(channel=dm_channel(client, user_id), unfurl_links=False, unfurl_media=False,
                                **help_blocks.dashboard_link_message(f"{public_url}/dashboard/login?token={token}",
                                                                     minutes))
        respond(response_type="ephemeral", **help_blocks.dashboard_link_sent(minutes))
        return
    if not dashboard_access.is_admin(caller):
        respond(response_type="ephemeral", **help_blocks.dashboard_admins_only())
        return
    target = _find_user(client, who)
    if target is None:
        respond(response_type="ephemeral", **help_blocks.dashboard_no_such_user(who))
        return
    if action == "grant":
        if target.get("is_bot") or target.get("deleted"):
            reply = help_blocks.dashboard_cannot_grant(target["id"], "can't be given access (a bot or a deactivated account).")
        elif dashboard_access.is_admin(target):
            reply = help_blocks.dashboard_cannot_grant(target["id"], "is an admin or owner and always has access.")
        else:
            with deps.db.begin() as session:
                new = dashboard_access.grant(session, team_id, target["id"], by=user_id, now=now)
            reply = help_blocks.dashboard_granted(target["id"], new)
    else:
        with deps.db.begin() as session:
            had = dashboard_access.revoke(session, team_id, target["id"], now=now)
        reply = help_blocks.dashboard_revoked(target["id"], had)
    respond(response_type="ephemeral", **reply)
