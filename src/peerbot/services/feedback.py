"""Peer feedback (PROGRAMMES.md §7): requests to 1-5 named peers, answers,
declines, "remind me tomorrow", release to the requester, expiry, deletion.

Anonymous requests (3 or more people) are unlinkable by construction: the
answer row has no giver, a random id and a date instead of a time; the
giver's ask row only flips to "answered" (no time), in the same transaction,
so a double click or a retry cannot store a second answer; answers reach the
requester only once 3 exist, in random order. Nothing here logs content.

Everything takes a Session and `now`; Slack is in feedback_flow.py."""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import FeedbackAnswer, FeedbackAsk, FeedbackRequest, OutboxPost
from peerbot.store.upsert import insert_ignore

OPEN, EXPIRED, DELETED = "open", "expired", "deleted"
ASKED, ANSWERED, DECLINED = "asked", "answered", "declined"

MAX_PEOPLE = 5
ANONYMOUS_MIN = 3  # anonymous only for 3 or more people, and released only once 3 answered
QUESTION_MIN, QUESTION_MAX = 10, 300
ANSWER_MIN, ANSWER_MAX = 2, 3000
DIRECT_MIN, DIRECT_MAX = 10, 3000
EXPIRY_MIN, EXPIRY_MAX, EXPIRY_DEFAULT = 1, 30, 14
WEEKLY_LIMIT = 5
WEEK = timedelta(days=7)
FIRST_REMINDER = timedelta(days=3)  # after the request
LAST_REMINDER = timedelta(days=1)  # before expiry
SNOOZE = timedelta(days=1)
REMIND = "feedback-remind"  # the outbox kind of reminders, period "<request id>-<step>"
REMINDER_STEPS = ("1", "2")

TEMPLATES = (
    "What should I start doing, stop doing, and continue doing?",
    "What is one thing I could do to make our work together easier?",
    "How clear was my last presentation, and what would have made it clearer?",
    "What is one strength I should use more, and one habit that holds me back?",
    "How could I give more useful code reviews?",
)
URL = re.compile(r"^https?://[^\s|<>]+$")


# ---- validation (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestForm:
    peers: tuple[str, ...]
    question: str
    link: str
    expiry_days: str  # as typed; checked here
    anonymous: bool


def request_problems(form: RequestForm, requester_id: str) -> dict[str, str]:
    """Field -> a clear message; empty when the form is fine. Field names are
    peers, question, link, expiry, anonymous (the modal's block ids map them)."""
    problems: dict[str, str] = {}
    if not form.peers:
        problems["peers"] = "Pick at least one person to ask."
    elif requester_id in form.peers:
        problems["peers"] = "You can't ask yourself for feedback. Remove yourself and pick your peers."
    elif len(form.peers) > MAX_PEOPLE:
        problems["peers"] = f"Ask at most {MAX_PEOPLE} people at once (you picked {len(form.peers)})."
    question = form.question.strip()
    if len(question) < QUESTION_MIN:
        problems["question"] = (f"Write a question of at least {QUESTION_MIN} characters, or pick a template."
                                if question else "Write your question, or pick a template.")
    elif len(question) > QUESTION_MAX:
        problems["question"] = f"Keep the question to {QUESTION_MAX} characters (it has {len(question)})."
    if form.link.strip() and (len(form.link) > 3000 or not URL.match(form.link.strip())):
        problems["link"] = "The link must be a web address starting with https:// (or leave it empty)."
    days = expiry_days(form.expiry_days)
    if days is None:
        problems["expiry"] = f"The request can stay open {EXPIRY_MIN} to {EXPIRY_MAX} days."
    if form.anonymous and len(form.peers) < ANONYMOUS_MIN and "peers" not in problems:
        problems["anonymous"] = (f"Anonymous feedback needs at least {ANONYMOUS_MIN} people, so nobody can tell "
                                 f"who said what. Add people, or untick anonymous.")
    return problems


def expiry_days(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return EXPIRY_DEFAULT
    try:
        days = int(text)
    except ValueError:
        return None
    return days if EXPIRY_MIN <= days <= EXPIRY_MAX else None


def person_problem(user: dict | None) -> str | None:
    """Why someone cannot be asked for feedback, from users.info; None when fine."""
    if user is None:
        return "I can't find one of these people in this workspace."
    if user.get("is_bot") or user.get("is_app_user") or user.get("id") == "USLACKBOT":
        return f"<@{user['id']}> is a bot: ask people for feedback, not apps."
    if user.get("deleted"):
        return f"<@{user['id']}>'s account is deactivated."
    return None


def answer_problem(text: str, limit_min: int = ANSWER_MIN, limit_max: int = ANSWER_MAX) -> str | None:
    text = text.strip()
    if len(text) < limit_min:
        return f"Write at least {limit_min} characters."
    if len(text) > limit_max:
        return f"Keep it to {limit_max} characters (it has {len(text)})."
    return None


# ---- requests -----------------------------------------------------------------------------------


def requests_this_week(session: Session, team_id: str, user_id: str, now: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(FeedbackRequest)
        .where(FeedbackRequest.team_id == team_id, FeedbackRequest.requester_id == user_id,
               FeedbackRequest.created_at > now - WEEK)
    ) or 0


WEEKLY_LIMIT_TEXT = (f"You've asked for feedback {WEEKLY_LIMIT} times in the last 7 days, the most peerbot "
                     "allows, so your peers aren't flooded. Try again in a few days.")


def create(session: Session, *, team_id: str, requester_id: str, form: RequestForm, source_key: str,
           now: datetime) -> FeedbackRequest | None:
    """The request and one ask per peer. None when this submission was
    already stored (a retry of the same modal)."""
    ensure_workspace(session, team_id, now)
    days = expiry_days(form.expiry_days) or EXPIRY_DEFAULT
    if not insert_ignore(session, FeedbackRequest, team_id=team_id, requester_id=requester_id,
                         question=form.question.strip(), link=form.link.strip() or None,
                         anonymous=form.anonymous, status=OPEN, created_at=now, expires_at=now + timedelta(days=days),
                         source_key=source_key):
        return None
    request = session.scalars(select(FeedbackRequest).where(FeedbackRequest.team_id == team_id,
                                                            FeedbackRequest.source_key == source_key)).one()
    for peer in dict.fromkeys(form.peers):
        session.add(FeedbackAsk(team_id=team_id, request_id=request.id, user_id=peer, status=ASKED))
    session.flush()
    return request


def get(session: Session, request_id: int) -> FeedbackRequest | None:
    return session.get(FeedbackRequest, request_id)


def is_open(request: FeedbackRequest | None, now: datetime) -> bool:
    return request is not None and request.status == OPEN and now < request.expires_at


def asks_of(session: Session, request_id: int) -> list[FeedbackAsk]:
    return list(session.scalars(select(FeedbackAsk).where(FeedbackAsk.request_id == request_id)
                                .order_by(FeedbackAsk.id)))


def ask_of(session: Session, request_id: int, user_id: str) -> FeedbackAsk | None:
    return session.scalars(select(FeedbackAsk).where(FeedbackAsk.request_id == request_id,
                                                     FeedbackAsk.user_id == user_id)).one_or_none()


def delivered(session: Session, ask_id: int, channel: str, ts: str) -> None:
    session.execute(update(FeedbackAsk).where(FeedbackAsk.id == ask_id).values(dm_channel=channel, dm_ts=ts))


def refusal(request: FeedbackRequest | None, ask: FeedbackAsk | None, now: datetime) -> str | None:
    """Why this person cannot answer (or decline) now; None when they can."""
    if request is None or request.status == DELETED:
        return "This feedback request was withdrawn by the person who asked. Nothing to do."
    if ask is None:
        return "This feedback request wasn't sent to you."
    if ask.status == ANSWERED:
        return "You've already answered this request. Thank you! Only one answer per person is kept."
    if ask.status == DECLINED:
        return "You declined this request, so it's closed for you."
    if not is_open(request, now):
        return "This feedback request has expired, so answers are closed. Nothing was saved."
    return None


# ---- answering ----------------------------------------------------------------------------------


def answer(session: Session, request_id: int, user_id: str, text: str, now: datetime) -> str | None:
    """Store one answer. Returns None when saved, else why not (nothing stored).

    The ask row flips from "asked" to "answered" with a conditional update in
    the same transaction as the insert: two submissions (double click, retry,
    two replicas) cannot both win. For an anonymous request the answer row
    gets no giver and no time, and every answer of the request is rewritten
    (in random-id order), so even PostgreSQL's row versions (xmin, ctid) say
    nothing about which answer came with which ask."""
    request = session.get(FeedbackRequest, request_id)
    ask = ask_of(session, request_id, user_id)
    if (why := refusal(request, ask, now)) is not None:
        return why
    flipped = session.execute(
        update(FeedbackAsk).where(FeedbackAsk.id == ask.id, FeedbackAsk.status == ASKED)
        .values(status=ANSWERED, snoozed_until=None, responded_at=None if request.anonymous else now)
    )
    if flipped.rowcount != 1:
        return "You've already answered this request. Thank you! Only one answer per person is kept."
    session.add(FeedbackAnswer(id=secrets.token_hex(16), team_id=request.team_id, request_id=request_id,
                               giver_id=None if request.anonymous else user_id, text=text.strip()))
    session.flush()
    if request.anonymous:
        _forget_reminders(session, request, user_id)
        _reseal(session, request_id)
    return None


def _forget_reminders(session: Session, request: FeedbackRequest, user_id: str) -> None:
    """Which reminders someone got says until when they had not answered; once
    they have, no reminder will follow, so the records go."""
    session.execute(delete(OutboxPost).where(
        OutboxPost.team_id == request.team_id, OutboxPost.channel_id == user_id, OutboxPost.kind == REMIND,
        OutboxPost.period.in_([f"{request.id}-{step}" for step in REMINDER_STEPS])))


def _reseal(session: Session, request_id: int) -> None:
    """Rewrite every answer and ask of the request, in an order that says
    nothing (random ids; ask ids were set when the request was made), so all
    of them carry this transaction's row version and none stands out."""
    for answer_id in sorted(session.scalars(select(FeedbackAnswer.id).where(FeedbackAnswer.request_id == request_id))):
        session.execute(update(FeedbackAnswer).where(FeedbackAnswer.id == answer_id)
                        .values(released_on=FeedbackAnswer.released_on))
    for ask_id in sorted(session.scalars(select(FeedbackAsk.id).where(FeedbackAsk.request_id == request_id))):
        session.execute(update(FeedbackAsk).where(FeedbackAsk.id == ask_id).values(status=FeedbackAsk.status))


def decline(session: Session, request_id: int, user_id: str, now: datetime) -> str | None:
    request = session.get(FeedbackRequest, request_id)
    ask = ask_of(session, request_id, user_id)
    if (why := refusal(request, ask, now)) is not None:
        return why
    flipped = session.execute(update(FeedbackAsk).where(FeedbackAsk.id == ask.id, FeedbackAsk.status == ASKED)
                              .values(status=DECLINED, responded_at=now, snoozed_until=None))
    return None if flipped.rowcount == 1 else "You've already answered or declined this request."


def snooze(session: Session, request_id: int, user_id: str, now: datetime) -> str | None:
    request = session.get(FeedbackRequest, request_id)
    ask = ask_of(session, request_id, user_id)
    if (why := refusal(request, ask, now)) is not None:
        return why
    session.execute(update(FeedbackAsk).where(FeedbackAsk.id == ask.id, FeedbackAsk.status == ASKED)
                    .values(snoozed_until=now + SNOOZE))
    return None


# ---- release, reading ----------------------------------------------------------------------------


def release(session: Session, request_id: int, now: datetime) -> int:
    """Mark what the requester may now read as released; returns how many
    answers they have in all (0 while an anonymous request has fewer than 3)."""
    request = session.get(FeedbackRequest, request_id)
    if request is None or request.status == DELETED:
        return 0
    total = session.scalar(select(func.count()).select_from(FeedbackAnswer)
                           .where(FeedbackAnswer.request_id == request_id)) or 0
    if request.anonymous and total < ANONYMOUS_MIN:
        return 0
    session.execute(update(FeedbackAnswer).where(FeedbackAnswer.request_id == request_id,
                                                 FeedbackAnswer.released_on.is_(None))
                    .values(released_on=now.date().isoformat()))
    return total


def released_answers(session: Session, request_id: int) -> list[tuple[str | None, str]]:
    """(giver or None, text) of the released answers, in random order."""
    rows = [(a.giver_id, a.text) for a in session.scalars(
        select(FeedbackAnswer).where(FeedbackAnswer.request_id == request_id,
                                     FeedbackAnswer.released_on.is_not(None)))]
    random.SystemRandom().shuffle(rows)
    return rows


def requests_of(session: Session, team_id: str, user_id: str, limit: int = 5) -> list[FeedbackRequest]:
    """The requester's open and recently closed requests, newest first."""
    return list(session.scalars(
        select(FeedbackRequest).where(FeedbackRequest.team_id == team_id, FeedbackRequest.requester_id == user_id,
                                      FeedbackRequest.status != DELETED)
        .order_by(FeedbackRequest.created_at.desc(), FeedbackRequest.id.desc()).limit(limit)))


def waiting_for(session: Session, team_id: str, user_id: str, now: datetime) -> list[FeedbackRequest]:
    """Open requests this person was asked and has not answered or declined."""
    return list(session.scalars(
        select(FeedbackRequest).join(FeedbackAsk, FeedbackAsk.request_id == FeedbackRequest.id)
        .where(FeedbackAsk.team_id == team_id, FeedbackAsk.user_id == user_id, FeedbackAsk.status == ASKED,
               FeedbackRequest.status == OPEN, FeedbackRequest.expires_at > now)
        .order_by(FeedbackRequest.expires_at)))


def due_requests(session: Session, now: datetime) -> list[FeedbackRequest]:
    """Requests the job looks at: open ones, and those expired in the last
    week (their requester may not have been told yet)."""
    return list(session.scalars(
        select(FeedbackRequest).where((FeedbackRequest.status == OPEN)
                                      | ((FeedbackRequest.status == EXPIRED)
                                         & (FeedbackRequest.closed_at > now - WEEK)))
        .order_by(FeedbackRequest.id)))


# ---- closing ------------------------------------------------------------------------------------


def expire(session: Session, request_id: int, now: datetime) -> bool:
    """Close an open request past its expiry, once. Anonymous answers that
    were never released (fewer than 3) can never be shown: they are deleted."""
    closed = session.execute(update(FeedbackRequest)
                             .where(FeedbackRequest.id == request_id, FeedbackRequest.status == OPEN,
                                    FeedbackRequest.expires_at <= now)
                             .values(status=EXPIRED, closed_at=now))
    if closed.rowcount != 1:
        return False
    session.execute(delete(FeedbackAnswer).where(FeedbackAnswer.request_id == request_id,
                                                 FeedbackAnswer.released_on.is_(None)))
    return True


def delete_request(session: Session, request_id: int, user_id: str, now: datetime) -> FeedbackRequest | None:
    """The requester deletes the request and its answers. The emptied row and
    the asks (who, whether answered) stay for the measures, without content."""
    request = session.get(FeedbackRequest, request_id)
    if request is None or request.requester_id != user_id or request.status == DELETED:
        return None
    session.execute(delete(FeedbackAnswer).where(FeedbackAnswer.request_id == request_id))
    request.status, request.closed_at, request.question, request.link = DELETED, now, "", None
    session.flush()
    return request


# ---- reminders ----------------------------------------------------------------------------------


def reminder_slots(request: FeedbackRequest, snoozed_until: datetime | None,
                   sent: set[str]) -> list[tuple[str, datetime]]:
    """The (at most 2) reminders still to send: "1" on day 3, "2" a day before
    expiry; a slot too close to the other or to the ends is dropped. "Remind
    me tomorrow" brings the next unsent slot forward to the snooze time."""
    first, last = request.created_at + FIRST_REMINDER, request.expires_at - LAST_REMINDER
    slots = []
    if first < request.expires_at and last - first >= timedelta(days=1):
        slots.append((REMINDER_STEPS[0], first))
    if last > request.created_at:
        slots.append((REMINDER_STEPS[1], last))
    slots = [(step, due) for step, due in slots if step not in sent]
    if slots and snoozed_until is not None:
        step, due = slots[0]
        slots[0] = (step, min(due, snoozed_until))
    return slots
