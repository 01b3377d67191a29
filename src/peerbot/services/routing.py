"""Routing questions to experts, fairly, and escalating the ones nobody answers.

A question is routed in steps: step 0 when it is posted (or at the start of
the next working hours), then step 1, 2, ... when it has gone unanswered for
ESCALATE_AFTER_HOURS working hours since the last step. Each step is claimed
once in `routing_steps` before anyone is mentioned, and each expert is
mentioned at most once per question (`routings`), so retries, replicas and a
job run twice at the same time change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from peerbot.services import questions
from peerbot.services.experts import NEVER, is_away, score
from peerbot.services.worktime import local_day_start, working_hours_between
from peerbot.store.models import Answer, ChannelSettings, Expertise, Member, Question, Routing, RoutingStep
from peerbot.store.upsert import insert_ignore

EXPERTS_PER_STEP = 3
DAILY_CAP = 3  # routings per expert per local day
MAX_ESCALATIONS = 2
ESCALATE_AFTER_HOURS = 24  # working hours without an answer
MEMBER_TTL = timedelta(hours=1)  # how long users.info (deleted?) is trusted
SWEEP_LOOKBACK = timedelta(days=30)  # older open questions are left alone


@dataclass(frozen=True)
class Candidate:
    user_id: str
    declared: bool
    earned: int
    last_routed_at: datetime | None
    needs_refresh: bool  # users.info is older than MEMBER_TTL: check `deleted` first

    @property
    def score(self) -> int:
        return score(self.declared, self.earned)


def candidates(session: Session, question: Question, now: datetime, tz: str) -> list[Candidate]:
    """Everyone who may be mentioned on this question now, fairest first:
    least recently routed (anywhere) first, then the strongest on the topic.
    Never the asker, someone away, a deactivated or bot user, someone already
    routed on this question, or someone who reached today's cap."""
    if question.topic_id is None:
        return []
    team_id = question.team_id
    already = set(session.scalars(select(Routing.user_id).where(Routing.question_id == question.id)))
    today = dict(session.execute(
        select(Routing.user_id, func.count())
        .where(Routing.team_id == team_id, Routing.routed_at >= local_day_start(now, tz))
        .group_by(Routing.user_id)
    ).all())
    last = dict(session.execute(
        select(Routing.user_id, func.max(Routing.routed_at)).where(Routing.team_id == team_id).group_by(Routing.user_id)
    ).all())
    rows = session.execute(
        select(Expertise, Member)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .where(Expertise.team_id == team_id, Expertise.topic_id == question.topic_id,
               (Expertise.declared.is_(True)) | (Expertise.earned > 0),
               Member.deleted.is_(False), Member.is_bot.is_(False), Expertise.user_id != question.asker_id)
    ).all()
    found = [
        Candidate(e.user_id, e.declared, e.earned, _aware(last.get(e.user_id)), m.refreshed_at < now - MEMBER_TTL)
        for e, m in rows
        if not is_away(m, now) and e.user_id not in already and today.get(e.user_id, 0) < DAILY_CAP
    ]
    found.sort(key=lambda c: (c.last_routed_at or NEVER, -c.score, c.user_id))
    return found


def _aware(moment: datetime | None) -> datetime | None:
    # func.max() bypasses the column type on SQLite, so the value may come back naive or as text.
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=NEVER.tzinfo)


def claim_step(session: Session, question: Question, step: int, now: datetime) -> bool:
    """True for the one caller that gets to run this step of this question."""
    return insert_ignore(session, RoutingStep, question_id=question.id, step=step, team_id=question.team_id,
                         routed_count=0, created_at=now)


def record(session: Session, question: Question, user_ids: list[str], step: int, now: datetime) -> list[str]:
    """Record the mentions of a claimed step; returns who is new to this question."""
    routed = [
        user_id for user_id in user_ids
        if insert_ignore(session, Routing, question_id=question.id, user_id=user_id, team_id=question.team_id,
                         step=step, routed_at=now)
    ]
    if routed:
        session.execute(
            update(Expertise)
            .where(Expertise.team_id == question.team_id, Expertise.topic_id == question.topic_id,
                   Expertise.user_id.in_(routed))
            .values(last_routed_at=now)
        )
    session.execute(
        update(RoutingStep).where(RoutingStep.question_id == question.id, RoutingStep.step == step)
        .values(routed_count=len(routed))
    )
    return routed


def routed_on(session: Session, question_id: int) -> list[str]:
    return list(session.scalars(select(Routing.user_id).where(Routing.question_id == question_id)
                                .order_by(Routing.step, Routing.routed_at, Routing.user_id)))


@dataclass(frozen=True)
class Due:
    question_id: int
    step: int


def _has_answer():
    return exists().where(Answer.question_id == Question.id, Answer.author_id != Question.asker_id)


def due(session: Session, now: datetime, tz: str, after_hours: float = ESCALATE_AFTER_HOURS) -> list[Due]:
    """The routing steps to run now: step 0 for open questions never routed
    (posted outside working hours), and the next escalation for questions with
    no answer `after_hours` working hours after their last step (or the hours
    set for the question's channel in /peerbot settings). A question stops
    escalating after MAX_ESCALATIONS, or once an escalation found nobody new
    to ask."""
    open_questions = session.execute(
        select(Question.id, ChannelSettings.escalation_hours)
        .outerjoin(ChannelSettings, and_(ChannelSettings.team_id == Question.team_id,
                                         ChannelSettings.channel_id == Question.channel_id))
        .where(Question.status == questions.OPEN, Question.message_ts.is_not(None),
               Question.created_at >= now - SWEEP_LOOKBACK, Question.created_at <= now, ~_has_answer())
        .order_by(Question.created_at, Question.id)
    ).all()
    if not open_questions:
        return []
    steps: dict[int, RoutingStep] = {}
    for row in session.scalars(select(RoutingStep).where(RoutingStep.question_id.in_([q for q, _ in open_questions]))
                               .order_by(RoutingStep.step)):
        steps[row.question_id] = row  # the last step wins
    found = []
    for question_id, channel_hours in open_questions:
        last = steps.get(question_id)
        if last is None:
            found.append(Due(question_id, 0))
        elif last.step >= MAX_ESCALATIONS or (last.step >= 1 and last.routed_count == 0):
            continue
        elif working_hours_between(last.created_at, now, tz) >= (channel_hours or after_hours):
            found.append(Due(question_id, last.step + 1))
    return found
