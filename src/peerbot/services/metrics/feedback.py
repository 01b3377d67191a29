"""Peer feedback's measures (PROGRAMMES.md §8), defined in docs/metrics.md.

Never content, and nothing about an anonymous answer: every figure comes from the requests and
from the ask rows (who was asked, and whether they answered or declined). The answers table is
never read, not even to count, and times to answer come from named requests only (an anonymous
ask keeps no time)."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbot.services import feedback
from peerbot.services.metrics.programmes import Figure, ProgrammeMeasures, _share
from peerbot.store.models import FeedbackAsk, FeedbackRequest, Member, OutboxPost

DIRECT = "feedback-direct"  # the outbox kind of give_feedback messages: the post's record, never its text
OUTCOMES = (("asks_answered", "Answered"), ("asks_declined", "Declined"),
            ("asks_expired", "Expired unanswered"), ("asks_withdrawn", "Request deleted before an answer"),
            ("asks_open", "Still open"))


def _outcome(ask: FeedbackAsk, request: FeedbackRequest) -> str:
    if ask.status == feedback.ANSWERED:
        return "asks_answered"
    if ask.status == feedback.DECLINED:
        return "asks_declined"
    return {feedback.EXPIRED: "asks_expired", feedback.DELETED: "asks_withdrawn"}.get(request.status, "asks_open")


def feedback_measures(session: Session, team_id: str, *, since: datetime, until: datetime) -> ProgrammeMeasures:
    """Requests made in the period and the asks they sent, as they stand now."""
    requests = {r.id: r for r in session.scalars(select(FeedbackRequest).where(
        FeedbackRequest.team_id == team_id, FeedbackRequest.created_at >= since,
        FeedbackRequest.created_at <= until))}
    asks = list(session.scalars(select(FeedbackAsk).where(FeedbackAsk.request_id.in_(list(requests)))))
    members = set(session.scalars(select(Member.user_id).where(
        Member.team_id == team_id, Member.deleted.is_(False), Member.is_bot.is_(False))))
    requesters = {r.requester_id for r in requests.values()}
    asked = {a.user_id for a in asks}
    outcomes = [_outcome(a, requests[a.request_id]) for a in asks]
    answerers = {a.user_id for a in asks if a.status == feedback.ANSWERED}
    named = [a for a in asks if a.status == feedback.ANSWERED and not requests[a.request_id].anonymous
             and a.responded_at is not None]
    hours = [(a.responded_at - requests[a.request_id].created_at).total_seconds() / 3600 for a in named]
    responded = outcomes.count("asks_answered") + outcomes.count("asks_declined")
    direct, recipients = session.execute(select(func.count(), func.count(OutboxPost.channel_id.distinct())).where(
        OutboxPost.team_id == team_id, OutboxPost.kind == DIRECT, OutboxPost.status == "posted",
        OutboxPost.posted_at >= since, OutboxPost.posted_at <= until)).one()

    funnel = [
        Figure("feedback_asked", "Peers asked", "int", len(asks), len(asked)),
        Figure("feedback_responded", "Answered or declined", "int", responded, len(asked)),
        Figure("feedback_answered", "Answered", "int", outcomes.count("asks_answered"), len(asked)),
    ]
    figures = [
        Figure("feedback_requests", "Requests made", "int", len(requests), len(requesters)),
        Figure("feedback_requesters", "People who asked for feedback", "int", len(requesters), len(requesters)),
        Figure("adoption", "Adoption (people who asked ÷ active members)", "share",
               _share(len(requesters), len(members)), len(requesters)),
        Figure("response_rate", "Response rate (asks answered ÷ asks)", "share",
               _share(outcomes.count("asks_answered"), len(asks)), len(asked)),
        Figure("median_hours_to_answer", "Median hours to answer (named requests)", "hours",
               statistics.median(hours) if hours else None, len({a.user_id for a in named})),
        Figure("decline_rate", "Decline rate (asks declined ÷ asks)", "share",
               _share(outcomes.count("asks_declined"), len(asks)), len(asked)),
        Figure("expiry_rate", "Expiry rate (asks unanswered when the request expired ÷ asks)", "share",
               _share(outcomes.count("asks_expired"), len(asks)), len(asked)),
        Figure("reciprocity", "Reciprocity (people who asked and also answered a peer ÷ people who asked)",
               "share", _share(len(requesters & answerers), len(requesters)), len(requesters)),
        Figure("feedback_on_messages", "Private feedback on messages (give_feedback)", "int", direct, recipients),
        Figure("anonymous_share", "Anonymous requests (÷ requests)", "share",
               _share(sum(r.anonymous for r in requests.values()), len(requests)), len(requesters)),
    ]
    table = [Figure(key, label, "int", outcomes.count(key), len(asked)) for key, label in OUTCOMES]
    return ProgrammeMeasures(since, until, funnel, figures, {"feedback_outcomes": ("Asks by outcome", table)})
