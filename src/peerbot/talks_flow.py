"""Talk steps that talk to Slack, shared by the listeners and the
`programmes` job: the organisers' DM, the card and its counts, held seats,
reminders, the join link, cancellation notices; and the `.ics` file that
peerbot's HTTP server serves.

Every post goes through the outbox (`programme_flow.post_once`), keyed by
(recipient, step, talk): retries, restarts, replicas and a job run twice
never send twice."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from peerbot.blocks import talks as blocks
from peerbot.deps import Deps
from peerbot.programme_flow import Tally, post_once
from peerbot.services import outbox, programmes, talks
from peerbot.services.buddies import add_business_days, date_token, next_nudge_time
from peerbot.slack_api import dm_channel
from peerbot.store.models import Member, Programme, Talk

logger = logging.getLogger("peerbot.talks")
DECIDE, DECIDED, CARD, OFFER = "talk-decide", "talk-decided", "talk-card", "talk-offer"
DAY_BEFORE, SOON, SPEAKER, JOIN, CANCELLED = "talk-daybefore", "talk-soon", "talk-speaker", "talk-join", "talk-cancel"
DECIDE_REMINDER, WISH_INVITE, MOVED, BUMPED = "talk-decide-remind", "talk-wish-invite", "talk-moved", "talk-bumped"
RATE, RATINGS, RECORDING_ASK, RECORDING = "talk-rate", "talk-ratings", "talk-recording-ask", "talk-recording"
DAY_BEFORE_TIME = (10, 0)  # local
DECISION_REMINDER_DAYS = 2  # business days without a decision
NO_HOLIDAYS: frozenset = frozenset()
SOON_BEFORE, SPEAKER_BEFORE, JOIN_BEFORE = timedelta(minutes=15), timedelta(hours=48), timedelta(minutes=10)
ICS_PATH = re.compile(r"^/talks/([A-Za-z0-9_-]{16,64})\.ics$")


def get_talk(deps: Deps, talk_id: int) -> Talk | None:
    with deps.db.read() as session:
        return talks.get(session, talk_id)


def organisers(deps: Deps, team_id: str) -> list[str]:
    """Who decides proposals: whoever switched talks on, and the workspace
    admins peerbot knows of."""
    with deps.db.read() as session:
        row = programmes.get(session, team_id, talks.TALKS)
        admins = session.scalars(select(Member.user_id).where(
            Member.team_id == team_id, Member.is_admin.is_(True), Member.deleted.is_(False),
            Member.is_bot.is_(False)).order_by(Member.user_id))
        people = ([row.switched_on_by] if row is not None and row.switched_on_by else []) + list(admins)
    return list(dict.fromkeys(people))


def ask_organisers(deps: Deps, talk_id: int, at: datetime) -> int:
    talk = get_talk(deps, talk_id)
    sent = 0
    for organiser in organisers(deps, talk.team_id):
        outcome, _, _ = post_once(deps, team_id=talk.team_id, recipient=organiser, kind=DECIDE, period=str(talk_id),
                                  at=at, channel=lambda organiser=organiser: dm_channel(deps.client, organiser),
                                  content=lambda key: blocks.decision_request(key, talk))
        sent += outcome == "posted"
    return sent


def tell_speaker(deps: Deps, talk_id: int, at: datetime) -> None:
    talk = get_talk(deps, talk_id)
    with deps.db.read() as session:
        home = programmes.home_of(session, talk.team_id, talks.TALKS)
    post_once(deps, team_id=talk.team_id, recipient=talk.speaker_id, kind=DECIDED, period=str(talk_id), at=at,
              channel=lambda: dm_channel(deps.client, talk.speaker_id),
              content=lambda key: blocks.speaker_told(key, talk, talk.status != talks.DECLINED, talk.decided_by,
                                                      talk.channel_id or home))


def post_card(deps: Deps, talk_id: int, at: datetime) -> str:
    """The card in the talks' home channel, once; returns the outcome."""
    talk = get_talk(deps, talk_id)
    with deps.db.read() as session:
        home = programmes.home_of(session, talk.team_id, talks.TALKS)
        counts = talks.counts(session, talk)
    if home is None:
        return "no home"
    outcome, channel, ts = post_once(deps, team_id=talk.team_id, recipient=home, kind=CARD, period=str(talk_id),
                                     at=at, channel=lambda: home,
                                     content=lambda key: blocks.card(key, talk, counts))
    if ts is not None:
        with deps.db.begin() as session:
            talks.card_posted(session, talk_id, channel, ts)
    return outcome


def refresh_card(deps: Deps, talk_id: int) -> None:
    """Counts and status updated in place."""
    with deps.db.read() as session:
        talk = talks.get(session, talk_id)
        counts = talks.counts(session, talk)
    if talk.card_ts is None:
        return
    try:
        deps.client.chat_update(channel=talk.channel_id, ts=talk.card_ts,
                                **blocks.card(outbox.block_id(CARD, str(talk_id)), talk, counts))
    except SlackApiError as error:
        logger.warning("could not update the card of talk %s: %s", talk_id, error.response.get("error"))


def send_offers(deps: Deps, talk_id: int, at: datetime) -> int:
    """Free seats to the next in line, and a DM to each held seat's person, once per hold."""
    with deps.db.begin() as session:
        talks.offer_free_seats(session, talks.get(session, talk_id), at)
        held = [(s.user_id, s.offered_until) for s in talks.held_offers(session, talk_id)]
    talk = get_talk(deps, talk_id)
    sent = 0
    for user, until in held:
        outcome, _, _ = post_once(deps, team_id=talk.team_id, recipient=user, kind=OFFER,
                                  period=f"{talk_id}-{int(until.timestamp())}", at=at,
                                  channel=lambda user=user: dm_channel(deps.client, user),
                                  content=lambda key, until=until: blocks.offer_message(key, talk, date_token(until)))
        sent += outcome == "posted"
    return sent


def cancel(deps: Deps, talk_id: int, at: datetime) -> bool:
    with deps.db.begin() as session:
        done = talks.cancel(session, talk_id)
    if done:
        refresh_card(deps, talk_id)
        tell_cancelled(deps, talk_id, at)
    return done


def move(deps: Deps, talk_id: int, starts_at: datetime, at: datetime) -> bool:
    """The new time: the card changes, Going and Maybe hear once per move."""
    with deps.db.begin() as session:
        done = talks.move(session, talk_id, starts_at)
    if done:
        refresh_card(deps, talk_id)
        talk = get_talk(deps, talk_id)
        with deps.db.read() as session:
            told = talks.people(session, talk_id, (talks.GOING, talks.WAITLIST, talks.MAYBE))
        _each(deps, talk, told, MOVED, f"{talk_id}-{talk.sequence}", at, lambda key: blocks.moved_notice(key, talk))
    return done


def change_capacity(deps: Deps, talk_id: int, capacity: int, at: datetime) -> talks.CapacityChange | None:
    """A new number of seats: free seats are offered to the waitlist (the
    4-hour hold, as after a cancellation), those who lost theirs hear once
    (keyed by the seat they lost, so a double submit or a retry sends no
    second DM), and the card's counts change in place."""
    with deps.db.begin() as session:
        change = talks.change_capacity(session, talk_id, capacity, at)
    if change is None:
        return None
    talk = get_talk(deps, talk_id)
    for taken_at, user in change.bumped:
        with deps.db.read() as session:
            position = talks.waitlist_position(session, talk_id, user)
        post_once(deps, team_id=talk.team_id, recipient=user, kind=BUMPED,
                  period=f"{talk_id}-{int(taken_at.timestamp() * 1000)}", at=at,
                  channel=lambda user=user: dm_channel(deps.client, user),
                  content=lambda key, position=position: blocks.bumped_notice(key, talk, position))
    send_offers(deps, talk_id, at)
    refresh_card(deps, talk_id)
    return change


def tell_cancelled(deps: Deps, talk_id: int, at: datetime) -> int:
    """Everyone who said Going (seated or waiting) or Maybe hears once."""
    talk = get_talk(deps, talk_id)
    with deps.db.read() as session:
        told = talks.people(session, talk_id, (talks.GOING, talks.WAITLIST, talks.MAYBE))
    return _each(deps, talk, told, CANCELLED, str(talk_id), at, lambda key: blocks.cancelled_notice(key, talk))


def _each(deps: Deps, talk: Talk, users: Iterable[str], kind: str, period: str, at: datetime,
          content: Callable[[str], dict]) -> int:
    sent = 0
    for user in users:
        outcome, _, _ = post_once(deps, team_id=talk.team_id, recipient=user, kind=kind, period=period, at=at,
                                  channel=lambda user=user: dm_channel(deps.client, user), content=content)
        sent += outcome == "posted"
    return sent


_DEFAULT = object()


def member_tz(deps: Deps, team_id: str, user_id: str, fallback: str | None | object = _DEFAULT) -> str | None:
    """Their zone as users.info last said; else `fallback` (the workspace's zone by default)."""
    with deps.db.read() as session:
        member = session.get(Member, (team_id, user_id))
    if member is not None and member.tz:
        return member.tz
    return deps.settings.timezone if fallback is _DEFAULT else fallback


def day_before_at(talk: Talk, tz: str) -> datetime:
    """10:00 in the reader's zone on the day before the talk (their calendar day)."""
    zone = ZoneInfo(tz)
    day = talk.starts_at.astimezone(zone).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, *DAY_BEFORE_TIME, tzinfo=zone)


# ---- the programmes job --------------------------------------------------------------------------------


def run(deps: Deps, at: datetime) -> str:
    """Every talk step due at `at`, once: lapsed seat offers passed on,
    reminders, the speaker's check-in, the join link, cancellation notices."""
    tally = Tally("talks")
    with deps.db.read() as session:
        live = [t.id for t in talks.live(session, at)]
    for talk_id in live:
        with tally.guard(f"talk {talk_id}"):
            for step, n in _steps(deps, talk_id, at):
                tally.count(step, n)
    with tally.guard("wishes"):
        tally.count("wish invitations", _wishes(deps, at))
    return str(tally)


def _wishes(deps: Deps, at: datetime) -> int:
    """Wishes wanted by 5 or more: up to 3 experts invited, once per topic per quarter."""
    with deps.db.read() as session:
        teams = [row.team_id for row in session.scalars(select(Programme).where(Programme.kind == talks.TALKS,
                                                                                Programme.is_on.is_(True)))]
    sent = 0
    for team_id in teams:
        with deps.db.read() as session:
            wanted = [w for w in talks.wishes(session, team_id) if w.people >= talks.WISH_THRESHOLD]
        for wish in wanted:
            with deps.db.begin() as session:
                invitees = talks.invite_experts(session, team_id, wish, at)
                answered = {u: talks.answered_on(session, team_id, u, wish.topic_id) for u in invitees}
            for user in invitees:
                outcome, _, _ = post_once(
                    deps, team_id=team_id, recipient=user, kind=WISH_INVITE,
                    period=f"{wish.topic_id}-{talks.quarter(at)}", at=at,
                    channel=lambda user=user: dm_channel(deps.client, user),
                    content=lambda key, user=user: blocks.wish_invitation(key, wish.topic, wish.people,
                                                                          answered[user]))
                sent += outcome == "posted"
    return sent


def _steps(deps: Deps, talk_id: int, at: datetime) -> list[tuple[str, int]]:
    talk = get_talk(deps, talk_id)
    if talk.status == talks.PROPOSED:
        return [("decision reminders", _remind_organisers(deps, talk, at))]
    if talk.status == talks.CANCELLED:
        return [("cancellations", tell_cancelled(deps, talk_id, at) if at < talk.starts_at else 0)]
    if talk.card_ts is None:  # accepted, but the card never made it (a crash, or no home then)
        post_card(deps, talk_id, at)
    with deps.db.begin() as session:
        lapsed = talks.lapse_offers(session, talks.get(session, talk_id), at)
    offers = send_offers(deps, talk_id, at)
    if lapsed or offers:
        refresh_card(deps, talk_id)
    with deps.db.read() as session:
        going = talks.people(session, talk_id, (talks.GOING,))
        maybe = talks.people(session, talk_id, (talks.MAYBE,))
    key = f"{talk_id}-{talk.sequence}"  # a moved talk gets its reminders again, for the new time
    day_before = [u for u in going + maybe
                  if day_before_at(talk, member_tz(deps, talk.team_id, u)) <= at < talk.starts_at - SOON_BEFORE]
    steps = [("day-before reminders", _each(deps, talk, day_before, DAY_BEFORE, key, at,
                                            lambda k: blocks.day_before(k, talk)))]
    # Each step is sent late only while it still makes sense: reminders before the start, the link until the end.
    if talk.starts_at - SOON_BEFORE <= at < talk.starts_at:
        steps.append(("15-minute reminders", _each(deps, talk, going, SOON, key, at,
                                                   lambda k: blocks.starting_soon(k, talk))))
    if talk.starts_at - SPEAKER_BEFORE <= at < talk.starts_at:
        steps.append(("speaker check-ins", _each(deps, talk, [talk.speaker_id], SPEAKER, key, at,
                                                 lambda k: blocks.speaker_checkin(k, talk, len(going), len(maybe)))))
    if talk.starts_at - JOIN_BEFORE <= at < talk.starts_at + timedelta(minutes=talk.minutes) and talk.card_ts:
        outcome, _, _ = post_once(deps, team_id=talk.team_id, recipient=talk.channel_id, kind=JOIN, period=key, at=at,
                                  channel=lambda: talk.channel_id,
                                  content=lambda k: {**blocks.join_link(k, talk), "thread_ts": talk.card_ts})
        steps.append(("join links", int(outcome == "posted")))
    return steps + [("lapsed offers", len(lapsed)), ("seat offers", offers)] + _after(deps, talk, at)


def _after(deps: Deps, talk: Talk, at: datetime) -> list[tuple[str, int]]:
    """Once it has ended: a rating ask to each attendee and the recording ask
    to the speaker, for 3 days; then the speaker's final ratings."""
    end, key = talks.ends_at(talk), str(talk.id)
    if at < end:
        return []
    if at >= end + talks.RATING_WINDOW:
        return [("final ratings", int(deliver_ratings(deps, talk.id, at, final=True)))]
    with deps.db.read() as session:
        attendees = talks.attendees(session, talk.id)
    steps = [("rating asks", _each(deps, talk, attendees, RATE, key, at, lambda k: blocks.rating_request(k, talk)))]
    if talk.recording_url is None:
        steps.append(("recording asks", _each(deps, talk, [talk.speaker_id], RECORDING_ASK, key, at,
                                              lambda k: blocks.recording_ask(k, talk))))
    return steps


def deliver_ratings(deps: Deps, talk_id: int, at: datetime, *, final: bool) -> bool:
    """The speaker's ratings, without names: once when 3 exist, once more when the window closes."""
    talk = get_talk(deps, talk_id)
    with deps.db.read() as session:
        result = talks.ratings(session, talk_id)
    if result is None:
        return False
    outcome, _, _ = post_once(deps, team_id=talk.team_id, recipient=talk.speaker_id, kind=RATINGS,
                              period=f"{talk_id}-{'final' if final else 'first'}", at=at,
                              channel=lambda: dm_channel(deps.client, talk.speaker_id),
                              content=lambda k: blocks.ratings_summary(k, talk, result, final))
    return outcome == "posted"


def post_recording(deps: Deps, talk_id: int, at: datetime) -> None:
    """The recording in the card's thread, once."""
    talk = get_talk(deps, talk_id)
    post_once(deps, team_id=talk.team_id, recipient=talk.channel_id, kind=RECORDING, period=str(talk_id), at=at,
              channel=lambda: talk.channel_id,
              content=lambda k: {**blocks.notice(k, blocks.recording_posted(talk)), "thread_ts": talk.card_ts})


def _remind_organisers(deps: Deps, talk: Talk, at: datetime) -> int:
    """No decision after 2 business days (the organiser's working days): one reminder each."""
    sent = 0
    for organiser in organisers(deps, talk.team_id):
        tz = member_tz(deps, talk.team_id, organiser)
        due = next_nudge_time(add_business_days(talk.created_at, DECISION_REMINDER_DAYS, tz, NO_HOLIDAYS), tz,
                              NO_HOLIDAYS)
        if at >= due:
            sent += _each(deps, talk, [organiser], DECIDE_REMINDER, str(talk.id), at,
                          lambda k: blocks.decision_reminder(k, talk))
    return sent


# ---- GET /talks/<token>.ics ----------------------------------------------------------------------------


def calendar_wsgi(deps: Deps, path: str, start_response: Callable) -> list[bytes]:
    """The talk's calendar file; 404 for anything but a known token."""
    match = ICS_PATH.match(path)
    with deps.db.read() as session:
        talk = talks.by_token(session, match.group(1)) if match else None
    if talk is None or talk.status not in (talks.ACCEPTED, talks.CANCELLED):
        body = b"not found"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    body = talks.calendar_file(talk, ics_url(deps, talk))
    start_response("200 OK", [("Content-Type", "text/calendar; charset=utf-8"), ("Content-Length", str(len(body))),
                              ("Content-Disposition", f'attachment; filename="talk-{talk.id}.ics"')])
    return [body]


def ics_url(deps: Deps, talk: Talk) -> str | None:
    base = deps.settings.public_url
    return f"{base.rstrip('/')}/talks/{talk.token}.ics" if base else None
