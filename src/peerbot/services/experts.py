"""Who knows what: declared topics, expertise earned by helping, the
directory, a question's topic, and the topics nobody can answer.

Routing questions to experts lives in services/routing.py; the numbers for
`/peerbot stats` in services/metrics/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, or_, select, update
from sqlalchemy.orm import Session

from peerbot.services import topics
from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import Expertise, Member, Question, Topic
from peerbot.store.upsert import insert_ignore

# Earned expertise: what helping is worth on a question's topic.
ACCEPTED_POINTS = 3  # the asker accepted your answer
BOOKMARK_POINTS = 1  # per person who bookmarked your answer
# Declaring a topic counts like one accepted answer when ranking experts.
DECLARED_POINTS = 3
MAX_TOPICS_PER_COMMAND = 20
# A member row created before peerbot has read users.info for them.
NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)


def score(declared: bool, earned: int) -> int:
    """How strongly someone knows a topic: declared counts, helping counts more."""
    return (DECLARED_POINTS if declared else 0) + max(earned, 0)


def is_away(member: Member | None, now: datetime) -> bool:
    if member is None or not member.away:
        return False
    return member.away_until is None or member.away_until > now


# ---- parsing what people type ------------------------------------------------------------------

def parse_topic_list(text: str) -> list[str]:
    """`python, SQL; postgres` → ['python', 'sql', 'postgresql'] (normalised, deduplicated)."""
    seen: list[str] = []
    for part in re.split(r"[,;\n]", text):
        name = topics.normalise(part)
        if name and name not in seen:
            seen.append(name)
    return seen


def parse_away_until(text: str, today: date) -> date | None:
    """`2026-03-10` → that date; raises ValueError for anything else or a past date."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"`{text.strip()}` is not a date like {today.isoformat()}.") from None
    if day < today:
        raise ValueError(f"{day.isoformat()} is in the past.")
    return day


_INLINE_TOPIC = re.compile(r"^\s*\[([^\[\]\n]{1,80})\]\s*(.*)$", re.DOTALL)


def split_inline_topic(text: str) -> tuple[str | None, str]:
    """`[python] how do I ...` → ('python', 'how do I ...'). The bracket must
    open the question; without one (or with nothing after it) the text is
    returned unchanged."""
    match = _INLINE_TOPIC.match(text)
    if not match or not match.group(2).strip():
        return None, text
    name = topics.normalise(match.group(1))
    return (name or None), (match.group(2) if name else text)


def detect_topic(text: str, known: list[str], synonyms: dict[str, str] = topics.SYNONYMS) -> str | None:
    """The known topic the question mentions first (whole words, any case,
    synonyms folded: "postgres" finds "postgresql"). None when it names none."""
    known_set = set(known)
    spellings = {name: name for name in known_set}
    spellings.update({alias: canonical for alias, canonical in synonyms.items() if canonical in known_set})
    best: tuple[int, int, str] | None = None
    lowered = text.lower()
    for spelling, canonical in spellings.items():
        match = re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", lowered)
        if match:
            candidate = (match.start(), -len(spelling), canonical)
            best = candidate if best is None or candidate < best else best
    return best[2] if best else None


# ---- members and profiles -------------------------------------------------------------------------

def ensure_member(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """A member row to hang expertise on; users.info fills it in later."""
    ensure_workspace(session, team_id, now)
    insert_ignore(session, Member, team_id=team_id, user_id=user_id, name="", real_name="", is_admin=False,
                  is_owner=False, is_bot=False, deleted=False, away=False, refreshed_at=NEVER)


def _expertise(session: Session, team_id: str, user_id: str, topic_id: int, now: datetime) -> None:
    ensure_member(session, team_id, user_id, now)
    insert_ignore(session, Expertise, team_id=team_id, user_id=user_id, topic_id=topic_id, declared=False, earned=0)


def declare(session: Session, team_id: str, user_id: str, names: list[str], now: datetime) -> list[str]:
    """Add declared topics; returns the canonical names."""
    declared = []
    for name in names[:MAX_TOPICS_PER_COMMAND]:
        topic = topics.get_or_create(session, team_id, name, now)
        if topic is None:
            continue
        _expertise(session, team_id, user_id, topic.id, now)
        session.execute(
            update(Expertise)
            .where(Expertise.team_id == team_id, Expertise.user_id == user_id, Expertise.topic_id == topic.id,
                   Expertise.declared.is_(False))
            .values(declared=True, declared_at=now)
        )
        declared.append(topic.name)
    return declared


def undeclare(session: Session, team_id: str, user_id: str, names: list[str]) -> tuple[list[str], list[str]]:
    """Remove declared topics. Earned expertise stays: it records help given.
    Returns (removed, not declared)."""
    removed, missing = [], []
    for name in names:
        topic_id = session.scalar(select(Topic.id).where(Topic.team_id == team_id, Topic.name == name))
        result = session.execute(
            update(Expertise)
            .where(Expertise.team_id == team_id, Expertise.user_id == user_id, Expertise.topic_id == topic_id,
                   Expertise.declared.is_(True))
            .values(declared=False, declared_at=None)
        ) if topic_id is not None else None
        (removed if result is not None and result.rowcount else missing).append(name)
    return removed, missing


def set_away(session: Session, team_id: str, user_id: str, until: date | None, tz: str, now: datetime) -> datetime | None:
    """Pause routing; `until` is the last day away (routing resumes the day after)."""
    ensure_member(session, team_id, user_id, now)
    back_at = None
    if until is not None:
        back_at = datetime.combine(until + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    session.execute(update(Member).where(Member.team_id == team_id, Member.user_id == user_id)
                    .values(away=True, away_until=back_at))
    return back_at


def set_back(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    ensure_member(session, team_id, user_id, now)
    session.execute(update(Member).where(Member.team_id == team_id, Member.user_id == user_id)
                    .values(away=False, away_until=None))


def earn(session: Session, *, team_id: str, user_id: str, topic_id: int | None, points: int, now: datetime) -> None:
    """Credit (or, with negative points, take back) help on a topic. Callers
    call this only behind a once-only guard (a new acceptance, a counted save)."""
    if topic_id is None or not points:
        return
    _expertise(session, team_id, user_id, topic_id, now)
    session.execute(
        update(Expertise)
        .where(Expertise.team_id == team_id, Expertise.user_id == user_id, Expertise.topic_id == topic_id)
        .values(earned=func.max(Expertise.earned + points, 0) if session.get_bind().dialect.name == "sqlite"
                else func.greatest(Expertise.earned + points, 0))
    )


# ---- the directory ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExpertEntry:
    user_id: str
    topic: str
    declared: bool
    earned: int
    away: bool

    @property
    def score(self) -> int:
        return score(self.declared, self.earned)


@dataclass(frozen=True)
class Profile:
    user_id: str
    away: bool
    away_until: datetime | None
    topics: list[ExpertEntry]


def _counts(session: Session):
    """Expertise that counts: declared or earned, of people still here."""
    return and_(or_(Expertise.declared.is_(True), Expertise.earned > 0), Member.deleted.is_(False),
                Member.is_bot.is_(False))


def experts_on(session: Session, team_id: str, topic_name: str, now: datetime, limit: int = 20) -> list[ExpertEntry]:
    """Who knows a topic, best first (score, then earned, then name)."""
    rows = session.execute(
        select(Expertise, Member, Topic.name)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .join(Topic, Topic.id == Expertise.topic_id)
        .where(Expertise.team_id == team_id, Topic.name == topic_name, _counts(session))
    ).all()
    entries = [ExpertEntry(e.user_id, name, e.declared, e.earned, is_away(m, now)) for e, m, name in rows]
    entries.sort(key=lambda x: (-x.score, -x.earned, x.user_id))
    return entries[:limit]


def profile(session: Session, team_id: str, user_id: str, now: datetime) -> Profile:
    member = session.get(Member, (team_id, user_id))
    rows = session.execute(
        select(Expertise, Topic.name).join(Topic, Topic.id == Expertise.topic_id)
        .where(Expertise.team_id == team_id, Expertise.user_id == user_id,
               or_(Expertise.declared.is_(True), Expertise.earned > 0))
    ).all()
    away = is_away(member, now)
    entries = sorted((ExpertEntry(user_id, name, e.declared, e.earned, away) for e, name in rows),
                     key=lambda x: (-x.score, x.topic))
    return Profile(user_id, away, member.away_until if away and member else None, entries)


def top_topics(session: Session, team_id: str, now: datetime, limit: int = 5,
               per_topic: int = 3) -> list[tuple[str, list[ExpertEntry]]]:
    """The topics with the most expertise, each with its best experts. Only
    topics someone declared are listed unprompted: a topic known only from
    answers in a private conversation is never named here."""
    strength = func.sum(Expertise.earned) + func.count()
    declared = func.sum(case((Expertise.declared.is_(True), 1), else_=0))
    names = session.execute(
        select(Topic.name)
        .join(Expertise, Expertise.topic_id == Topic.id)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .where(Topic.team_id == team_id, _counts(session))
        .group_by(Topic.name)
        .having(declared > 0)
        .order_by(strength.desc(), Topic.name)
        .limit(limit)
    ).scalars().all()
    return [(name, experts_on(session, team_id, name, now, per_topic)) for name in names]


def expert_count(session: Session, team_id: str, topic_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Expertise)
        .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
        .where(Expertise.team_id == team_id, Expertise.topic_id == topic_id, _counts(session))
    ) or 0


# ---- knowledge gaps ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    topic: str
    questions: int
    unanswered: int
    experts: int


def knowledge_gaps(session: Session, team_id: str, *, since: datetime, now: datetime,
                   nameable_channels: set[str] | None = None, min_questions: int = 2,
                   max_experts: int = 1, limit: int = 5) -> list[Gap]:
    """Topics with demand (questions since `since`) and few or no experts,
    most needed first. Counts include every question; with
    `nameable_channels`, a topic is only named if it was asked about in one of
    those channels or someone declared it (so a topic that only a private
    conversation knows never leaves it)."""
    # One grouped query: demand per topic, its experts, and (for the naming rule) whether it was
    # asked about in a nameable channel and how many declared it.
    experts = (select(Expertise.topic_id, func.count().label("n")).select_from(Expertise)
               .join(Member, and_(Member.team_id == Expertise.team_id, Member.user_id == Expertise.user_id))
               .where(Expertise.team_id == team_id, _counts(session)).group_by(Expertise.topic_id).subquery())
    declared = (select(Expertise.topic_id, func.count().label("n")).where(Expertise.declared.is_(True))
                .group_by(Expertise.topic_id).subquery())
    in_nameable = (func.max(case((Question.channel_id.in_(sorted(nameable_channels)), 1), else_=0))
                   if nameable_channels is not None else literal_column("1"))
    rows = session.execute(
        select(Topic.name, func.count(), func.count(case((Question.status == "open", 1))),
               func.coalesce(func.max(experts.c.n), 0), in_nameable, func.coalesce(func.max(declared.c.n), 0))
        .select_from(Question).join(Topic, Topic.id == Question.topic_id)
        .outerjoin(experts, experts.c.topic_id == Question.topic_id)
        .outerjoin(declared, declared.c.topic_id == Question.topic_id)
        .where(Question.team_id == team_id, Question.topic_id.is_not(None), Question.created_at >= since,
               Question.created_at <= now, Question.message_ts.is_not(None))
        .group_by(Question.topic_id, Topic.name)
        .having(func.count() >= min_questions)
    ).all()
    gaps = [Gap(name, asked, unanswered, expert_total)
            for name, asked, unanswered, expert_total, nameable, declared_total in rows
            if expert_total <= max_experts and (nameable or declared_total)]
    gaps.sort(key=lambda g: (-(g.questions / (g.experts + 1)), -g.unanswered, g.topic))
    return gaps[:limit]
