"""Peer feedback steps that talk to Slack, shared by the listeners and the
`programmes` job: the asks, the requester's answers DM, reminders, expiry.

Every post goes through the outbox (`programme_flow.post_once`), keyed by
(recipient, step, request): retries, restarts, replicas and a job run twice
never send twice. Only DMs; nothing about a request reaches a channel, and
nothing here logs a question or an answer."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from peerbot.blocks import feedback as blocks
from peerbot.deps import Deps
from peerbot.programme_flow import Tally, post_once
from peerbot.services import feedback, outbox
from peerbot.services.buddies import date_token, next_nudge_time
from peerbot.slack_api import dm_channel
from peerbot.store.models import FeedbackAsk, Member

NO_HOLIDAYS: frozenset = frozenset()
ASK, ANSWERS, REQUESTED, EXPIRED = "feedback-ask", "feedback-answers", "feedback-requested", "feedback-expired"
REMIND = feedback.REMIND


def _tz(deps: Deps, team_id: str, user_id: str) -> str:
    with deps.db.read() as session:
        member = session.get(Member, (team_id, user_id))
    return member.tz if member is not None and member.tz else deps.settings.timezone


def send_asks(deps: Deps, request_id: int, at: datetime) -> int:
    """The ask DM to every peer not reached yet; returns how many were posted."""
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
        asks = [(a.id, a.user_id) for a in feedback.asks_of(session, request_id) if a.dm_ts is None]
    if not feedback.is_open(request, at):
        return 0
    sent = 0
    for ask_id, user in asks:
        outcome, channel, ts = post_once(
            deps, team_id=request.team_id, recipient=user, kind=ASK, period=str(request_id), at=at,
            channel=lambda user=user: dm_channel(deps.client, user),
            content=lambda key: blocks.ask_message(key, request_id, request.requester_id, request.question,
                                                   request.link, request.anonymous, date_token(request.expires_at)))
        if ts is not None:
            with deps.db.begin() as session:
                feedback.delivered(session, ask_id, channel, ts)
        sent += outcome == "posted"
    return sent


def update(client: WebClient, channel: str | None, ts: str | None, content: dict) -> None:
    if channel and ts:
        try:
            client.chat_update(channel=channel, ts=ts, **content)
        except SlackApiError:
            pass  # the DM is gone: the database already says what happened


def close_ask(client: WebClient, ask: FeedbackAsk, requester_id: str, question: str, outcome: str) -> None:
    """The ask DM once it's done with: the buttons go, the outcome shows."""
    key = outbox.block_id(ASK, str(ask.request_id))
    update(client, ask.dm_channel, ask.dm_ts, blocks.ask_closed(key, requester_id, question, outcome))


def confirm_request(deps: Deps, request_id: int, at: datetime) -> None:
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
        peers = [a.user_id for a in feedback.asks_of(session, request_id)]
    post_once(deps, team_id=request.team_id, recipient=request.requester_id, kind=REQUESTED, period=str(request_id),
              at=at, channel=lambda: dm_channel(deps.client, request.requester_id),
              content=lambda key: blocks.requested_message(key, peers, request.anonymous,
                                                           date_token(request.expires_at)))


def deliver_answers(deps: Deps, request_id: int, at: datetime) -> bool:
    """Release what the requester may read and tell them, once per count of
    answers (an anonymous request stays silent until 3 exist)."""
    with deps.db.begin() as session:
        total = feedback.release(session, request_id, at)
    if total == 0:
        return False
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
    outcome, _, _ = post_once(
        deps, team_id=request.team_id, recipient=request.requester_id, kind=ANSWERS, period=f"{request_id}-{total}",
        at=at, channel=lambda: dm_channel(deps.client, request.requester_id),
        content=lambda key: _answers_content(deps, key, request_id))
    return outcome == "posted"


def _answers_content(deps: Deps, key: str, request_id: int) -> dict:
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
        answers = feedback.released_answers(session, request_id)
    return blocks.answers_message(key, request_id, request.question, answers, request.anonymous)


def sent_reminders(deps: Deps, team_id: str, user_id: str, request_id: int) -> set[str]:
    with deps.db.read() as session:
        return {step for step in feedback.REMINDER_STEPS
                if (row := outbox.get(session, team_id, user_id, REMIND, f"{request_id}-{step}")) is not None
                and row.status == outbox.POSTED}


# ---- the programmes job --------------------------------------------------------------------------------


def run(deps: Deps, at: datetime) -> str:
    """Every feedback step due at `at`, once: asks not delivered yet, answers
    to release, reminders, expiry."""
    tally = Tally("feedback")
    with deps.db.read() as session:
        requests = [r.id for r in feedback.due_requests(session, at)]
    for request_id in requests:
        with tally.guard(f"request {request_id}"):
            tally.count("asks", send_asks(deps, request_id, at))
            tally.count("answers delivered", deliver_answers(deps, request_id, at))
            tally.count("reminders", _remind(deps, request_id, at))
            tally.count("expired", _expire(deps, request_id, at))
    return str(tally)


def _remind(deps: Deps, request_id: int, at: datetime) -> int:
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
        waiting = [(a.user_id, a.snoozed_until) for a in feedback.asks_of(session, request_id)
                   if a.status == feedback.ASKED and a.dm_ts is not None]
    if not feedback.is_open(request, at):
        return 0
    sent = 0
    for user, snoozed_until in waiting:
        slots = feedback.reminder_slots(request, snoozed_until, sent_reminders(deps, request.team_id, user, request_id))
        if not slots:
            continue
        step, due = slots[0]  # one reminder per run at most: the next one
        if at < next_nudge_time(due, _tz(deps, request.team_id, user), NO_HOLIDAYS):
            continue
        outcome, _, _ = post_once(
            deps, team_id=request.team_id, recipient=user, kind=REMIND, period=f"{request_id}-{step}", at=at,
            channel=lambda user=user: dm_channel(deps.client, user),
            content=lambda key: blocks.ask_message(key, request_id, request.requester_id, request.question,
                                                   request.link, request.anonymous, date_token(request.expires_at),
                                                   reminder=True))
        sent += outcome == "posted"
    return sent


def _expire(deps: Deps, request_id: int, at: datetime) -> int:
    """The request closes at its expiry; the requester hears of it once, in their working hours."""
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
    if request.status == feedback.OPEN and at >= request.expires_at:
        with deps.db.begin() as session:
            closed = feedback.expire(session, request_id, at)
            unanswered = [a for a in feedback.asks_of(session, request_id) if a.status == feedback.ASKED]
        for ask in unanswered if closed else []:
            close_ask(deps.client, ask, request.requester_id, request.question,
                      "This request has closed; nothing more to do.")
    with deps.db.read() as session:
        request = feedback.get(session, request_id)
    if request.status != feedback.EXPIRED:
        return 0
    if at < next_nudge_time(request.expires_at, _tz(deps, request.team_id, request.requester_id), NO_HOLIDAYS):
        return 0
    with deps.db.read() as session:
        answered = sum(a.status == feedback.ANSWERED for a in feedback.asks_of(session, request_id))
        released = len(feedback.released_answers(session, request_id))
    outcome, _, _ = post_once(
        deps, team_id=request.team_id, recipient=request.requester_id, kind=EXPIRED, period=str(request_id), at=at,
        channel=lambda: dm_channel(deps.client, request.requester_id),
        content=lambda key: blocks.expired_message(key, request.question, answered, request.anonymous, released))
    return int(outcome == "posted")
