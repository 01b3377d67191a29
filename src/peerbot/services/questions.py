"""Questions and their answers: ask, answer, +1, accept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import Answer, Question, QuestionVote
from peerbot.store.upsert import insert_ignore

MAX_QUESTION_LENGTH = 3000
# pending: recorded, not yet posted (the asker is looking at similar answers);
# posting: claimed by the one request that posts the card.
PENDING, POSTING, OPEN, ANSWERED, CLOSED = "pending", "posting", "open", "answered", "closed"

ASK_USAGE = (
    "Ask your colleagues with `/ask your question`, for example "
    "`/ask How do I get read access to the billing database?`. "
    "Run `/ask` on its own to open a form where you can pick a topic or ask anonymously."
)


def question_error(text: str) -> str | None:
    """Why this question text cannot be posted, or None when it can."""
    if not text.strip():
        return ASK_USAGE
    if len(text) > MAX_QUESTION_LENGTH:
        return (
            f"Your question is {len(text):,} characters long; the limit is {MAX_QUESTION_LENGTH:,}. "
            "Please shorten it (you can add details as a reply in the question's thread)."
        )
    return None


def ask(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    asker_id: str,
    text: str,
    anonymous: bool,
    topic_id: int | None,
    request_key: str,
    now: datetime,
) -> tuple[Question, bool]:
    """Record a question once per request key (a command's trigger, a modal
    submission): double clicks and retries find the first one. Returns the
    question and whether this call created it."""
    ensure_workspace(session, team_id, now)
    created = insert_ignore(
        session,
        Question,
        team_id=team_id,
        channel_id=channel_id,
        asker_id=asker_id,
        text=text,
        anonymous=anonymous,
        topic_id=topic_id,
        request_key=request_key,
        status=PENDING,
        created_at=now,
    )
    question = session.scalars(
        select(Question).where(Question.team_id == team_id, Question.request_key == request_key)
    ).one()
    return question, created


def claim_for_posting(session: Session, question_id: int) -> bool:
    """Exactly one caller (of many double clicks) gets to post the card."""
    result = session.execute(
        update(Question).where(Question.id == question_id, Question.status == PENDING).values(status=POSTING)
    )
    return result.rowcount == 1


def card_posted(session: Session, question_id: int, ts: str) -> None:
    session.execute(update(Question).where(Question.id == question_id).values(status=OPEN, message_ts=ts))


def posting_failed(session: Session, question_id: int) -> None:
    """Slack refused the card: the question waits, so a retry can post it."""
    session.execute(
        update(Question).where(Question.id == question_id, Question.status == POSTING).values(status=PENDING)
    )


def by_card(session: Session, team_id: str, channel_id: str, ts: str) -> Question | None:
    return session.scalars(
        select(Question).where(
            Question.team_id == team_id, Question.channel_id == channel_id, Question.message_ts == ts
        )
    ).one_or_none()


def card_in_flight(session: Session, team_id: str, channel_id: str) -> bool:
    """A question card in this channel is being posted right now."""
    return session.scalar(
        select(Question.id).where(
            Question.team_id == team_id, Question.channel_id == channel_id, Question.status == POSTING
        ).limit(1)
    ) is not None


def record_answer(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    ts: str,
    author_id: str,
    text: str,
    now: datetime,
) -> tuple[Question, Answer] | None:
    """A reply in a question card's thread is an answer (once, however often
    Slack delivers it). None when the thread is not a question's, or the
    reply was already recorded."""
    question = by_card(session, team_id, channel_id, thread_ts)
    if question is None:
        return None
    created = insert_ignore(
        session,
        Answer,
        question_id=question.id,
        team_id=team_id,
        channel_id=channel_id,
        message_ts=ts,
        author_id=author_id,
        text=text,
        created_at=now,
    )
    if not created:
        return None
    return question, answer_at(session, team_id, channel_id, ts)


def answer_at(session: Session, team_id: str, channel_id: str, ts: str) -> Answer | None:
    return session.scalars(
        select(Answer).where(Answer.team_id == team_id, Answer.channel_id == channel_id, Answer.message_ts == ts)
    ).one_or_none()


def update_answer_text(session: Session, team_id: str, channel_id: str, ts: str, text: str) -> bool:
    result = session.execute(
        update(Answer)
        .where(Answer.team_id == team_id, Answer.channel_id == channel_id, Answer.message_ts == ts)
        .values(text=text)
    )
    return result.rowcount > 0


def vote(session: Session, question: Question, user_id: str, now: datetime) -> bool:
    """"I have this question too": True when this person's +1 is new."""
    if user_id == question.asker_id:
        return False
    return insert_ignore(session, QuestionVote, question_id=question.id, user_id=user_id, created_at=now)


def vote_count(session: Session, question_id: int) -> int:
    return session.scalar(select(func.count()).where(QuestionVote.question_id == question_id)) or 0


@dataclass(frozen=True)
class Acceptance:
    question: Question
    answer: Answer
    newly: bool  # False when this answer had already been accepted


class NotAllowed(Exception):
    """The person may not do that; the message says why, politely."""


def accept(session: Session, *, question: Question, answer: Answer, by_user: str, now: datetime) -> Acceptance:
    """The asker accepts one answer: the question becomes answered. Accepting
    the same answer again changes nothing; accepting another one moves it."""
    if by_user != question.asker_id:
        raise NotAllowed("Only the person who asked can accept an answer.")
    if answer.question_id != question.id:
        raise NotAllowed("That reply belongs to another question.")
    # Lock the question row (PostgreSQL; SQLite's write lock already serialises).
    session.refresh(question, with_for_update=True)
    if answer.accepted_at is not None:
        return Acceptance(question, answer, newly=False)
    session.execute(update(Answer).where(Answer.question_id == question.id).values(accepted_at=None))
    answer.accepted_at = now
    question.status = ANSWERED
    question.answered_at = question.answered_at or now
    session.flush()
    return Acceptance(question, answer, newly=True)


def close(session: Session, *, question: Question, by_user: str, now: datetime) -> bool:
    if by_user != question.asker_id:
        raise NotAllowed("Only the person who asked can close the question.")
    if question.status != OPEN:
        return False
    question.status = CLOSED
    question.answered_at = question.answered_at or now
    return True


def accepted_answer(question: Question) -> Answer | None:
    return next((a for a in question.answers if a.accepted_at is not None), None)


_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in is it its me my no not of on or "
    "our should so that the their there this to was we what when where which who why will with you your "
    "anyone someone know get use using".split()
)


def keywords(text: str) -> set[str]:
    """The words that carry a question's meaning, for spotting near-duplicates."""
    return {w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 1 and w not in _STOPWORDS}


def is_close_match(question_text: str, candidate_text: str, threshold: float = 0.6) -> bool:
    """Most of the question's keywords appear in the candidate."""
    wanted = keywords(question_text)
    if not wanted:
        return False
    return len(wanted & keywords(candidate_text)) / len(wanted) >= threshold


def open_questions_of(session: Session, team_id: str, user_id: str, limit: int = 5) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .where(Question.team_id == team_id, Question.asker_id == user_id, Question.status == OPEN)
            .where(Question.message_ts.is_not(None))
            .order_by(Question.created_at.desc())
            .limit(limit)
        )
    )


def answered_by(session: Session, team_id: str, user_id: str, limit: int = 5) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .join(Answer, Answer.question_id == Question.id)
            .where(Answer.team_id == team_id, Answer.author_id == user_id)
            .group_by(Question.id)
            .order_by(func.max(Answer.created_at).desc())
            .limit(limit)
        )
    )
