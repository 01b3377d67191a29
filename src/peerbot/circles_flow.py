"""Coaching-circle steps that talk to Slack, shared by /circle's listeners and
the `programmes` job (PROGRAMMES.md §5). Every post goes through the outbox
with a key, so the job run twice never sends twice. Only the round's opt-in
card goes to the programme's home channel; everything about a circle goes
to its group DM or to DMs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from peerbot.blocks import circles as blocks
from peerbot.blocks import programmes as programme_blocks
from peerbot.deps import Deps
from peerbot.programme_flow import Tally, checkin_gate, group_dm, post_once
from peerbot.services import checkins, circles, programmes
from peerbot.services.buddies import date_token
from peerbot.services.programmes import CIRCLES
from peerbot.slack_api import dm_channel
from peerbot.store.models import Circle, CircleRound

logger = logging.getLogger("peerbot.circles")


def post_round(deps: Deps, round_id: int, home: str, at: datetime) -> str:
    """The opt-in card in the home channel, once."""
    with deps.db.read() as session:
        row = session.get(CircleRound, round_id)
    outcome, channel, ts = post_once(
        deps, team_id=row.team_id, recipient=home, kind="circle-round", period=str(round_id), at=at,
        channel=lambda: home, content=lambda key: blocks.round_card(key, round_id, date_token(row.closes_at)))
    if ts is not None:
        with deps.db.begin() as session:
            circles.posted(session, round_id, channel, ts)
    return outcome


def run(deps: Deps, at: datetime) -> str:
    """Every circle step due at `at`, once: forming circles when a window
    closes, each circle's facilitator announcement 3 days ahead, reminders 1
    day and 15 minutes before (session reminders ignore quiet hours: the
    circle chose the time), and the after-session prompt."""
    tally = Tally("circles")
    with deps.db.read() as session:
        teams = programmes.teams_on(session, CIRCLES)
    for team_id in teams:
        with tally.guard(team_id):
            _run_team(deps, team_id, at, tally.count)
    return str(tally)


def _run_team(deps: Deps, team_id: str, at: datetime, count) -> None:
    with deps.db.read() as session:
        due = circles.due_rounds(session, team_id, at)
    for row in due:
        with deps.db.begin() as session:
            formed = circles.form(session, row.id, at)
            people = circles.opted_in(session, row.id)
        if formed is None:
            continue
        count("round formed" if formed.circles else "round cancelled")
        if row.message_ts:  # the card's Join button goes: the window is closed
            try:
                deps.client.chat_update(channel=row.channel_id, ts=row.message_ts,
                                        **blocks.round_closed(len(people), len(formed.circles)))
            except SlackApiError as error:
                logger.warning("could not close the round card %s: %s", row.id, error.response.get("error"))
        for circle in formed.circles:
            _introduce(deps, circle, at)
        for user_id, why in formed.unplaced.items():
            content = (lambda key: blocks.too_few_notice(key, len(people))) if not formed.circles else \
                (lambda key, why=why: blocks.unplaced_notice(key, why))
            post_once(deps, team_id=team_id, recipient=user_id, kind="circle-unplaced", period=str(row.id), at=at,
                      channel=lambda user_id=user_id: dm_channel(deps.client, user_id), content=content)
    with deps.db.read() as session:
        running = circles.circles_of(session, team_id, at)
    for circle in running:
        if circle.channel_id is None:
            _introduce(deps, circle, at)  # a retry after a failed first attempt
        for number, starts in enumerate(circles.session_times(circle), 1):
            for step in _session_steps(deps, circle, number, starts, at):
                count(step)


def _introduce(deps: Deps, circle: Circle, at: datetime) -> None:
    members = circles.members_of(circle)
    _, channel, _ = post_once(deps, team_id=circle.team_id, recipient=members[0], kind="circle-intro",
                              period=str(circle.id), at=at, channel=lambda: group_dm(deps, members),
                              content=lambda key: blocks.intro_message(key, circle.id, members))
    if channel is not None:
        with deps.db.begin() as session:
            session.get(Circle, circle.id).channel_id = channel


def _session_steps(deps: Deps, circle: Circle, number: int, starts: datetime, at: datetime) -> list[str]:
    """The steps of one session that are due, each while it still makes sense."""
    done = []
    facilitator = circles.facilitator(circle, number)
    when = date_token(starts)

    def post(kind: str, content) -> bool:
        outcome, _, _ = post_once(deps, team_id=circle.team_id, recipient=circle.channel_id, kind=kind,
                                  period=f"{circle.id}-{number}", at=at, channel=lambda: circle.channel_id,
                                  content=content)
        return outcome == "posted"

    if circle.channel_id is None:
        return done
    first_reminder = starts - circles.REMINDERS[0][1]
    if starts - circles.ANNOUNCE_BEFORE <= at < first_reminder:
        with deps.db.read() as session:
            follow_ups = [(c.id, c.user_id, c.text, c.outcome) for c in circles.commitments(session, circle.id,
                                                                                             number - 1)]
        if post("circle-announce", lambda key: blocks.announcement(key, number, when, facilitator, follow_ups)):
            done.append("facilitator announced")
    # Each reminder until the next one is due: a late first run never says "tomorrow" 10 minutes before.
    windows = [before for _, before in circles.REMINDERS[1:]] + [timedelta(0)]
    for (name, before), until in zip(circles.REMINDERS, windows):
        if starts - before <= at < starts - until and post(
                f"circle-remind-{name}", lambda key, soon=name == "15m": blocks.reminder(key, number, when,
                                                                                      facilitator, soon)):
            done.append("reminded")
    follow_until = starts + circles.EVERY
    if starts + circles.LENGTH <= at < follow_until:
        if post("circle-after", lambda key: blocks.after_session(key, circle.id, number, facilitator)):
            done.append("followed up")
        for member in circles.members_of(circle):
            if _checkin(deps, circle, member, number, starts, at):
                done.append("checked in")
    return done


def _checkin(deps: Deps, circle: Circle, who: str, number: int, starts: datetime, at: datetime) -> bool:
    """The shared check-in, by DM: were you there (Met), then how useful it was."""
    if checkin_gate(deps, circle.team_id, CIRCLES, who, at) != "ask":
        return False
    with deps.db.begin() as session:
        row = checkins.ask(session, team_id=circle.team_id, kind=CIRCLES, subject_id=circle.id, user_id=who,
                           step=f"s{number}", due_date=starts.date().isoformat(), now=at)
        checkin_id = row.id
    outcome, channel, ts = post_once(
        deps, team_id=circle.team_id, recipient=who, kind="checkin", period=f"c{circle.id}-s{number}", at=at,
        channel=lambda: dm_channel(deps.client, who),
        content=lambda key: programme_blocks.checkin_message(checkin_id, key, blocks.checkin_question(number)))
    if ts is not None:
        with deps.db.begin() as session:
            checkins.delivered(session, checkin_id, channel, ts)
    return outcome == "posted"
