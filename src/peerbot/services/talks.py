"""Lunch-and-learn talks (PROGRAMMES.md §6): proposals, the organisers'
decision, RSVPs with a capacity and a waitlist, held seats for the next in
line, cancellation, and the talk as an iCalendar event.

The last seat: taking one is an INSERT of (talk, seat number) that does
nothing on conflict, so of two people clicking Going at the same moment one
gets the seat and the other the waitlist, on SQLite and PostgreSQL alike.

Everything takes a Session and `now`; Slack is in talks_flow.py."""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from icalendar import Calendar, Event
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.services import experts, knowledge, topics
from peerbot.store.models import (PUBLIC, Answer, Conversation, KnowledgeItem, Question, Talk, TalkRating, TalkRsvp,
                                  TalkSeat, TalkWish, TalkWishVote, Topic)
from peerbot.store.upsert import insert_ignore

TALKS = "talks"  # the programme kind: `/peerbot talks on`
PROPOSED, ACCEPTED, DECLINED, CANCELLED = "proposed", "accepted", "declined", "cancelled"
GOING, WAITLIST, MAYBE, CANT, LAPSED = "going", "waitlist", "maybe", "cant", "lapsed"
WALK_IN = "walk-in"  # said "I'm here" without an RSVP

FORMATS = {  # format -> (label, usual minutes)
    "lightning": ("Lightning (5–10 min)", 10),
    "short": ("Short (20–25 min)", 25),
    "long": ("Long (40–50 min)", 50),
}
TITLE_MAX, ABSTRACT_MAX, PLACE_MAX = 150, 2000, 500
MAX_MINUTES = 240  # 4 hours
OFFER_HOLD = timedelta(hours=4)  # a freed seat waits this long for the next in line
RSVP_CLOSE = timedelta(hours=2)  # before the start
RATING_WINDOW = timedelta(days=3)  # after the end: ratings asked for, then the final summary
RATINGS_RELEASED_AT = 3  # the speaker sees ratings once this many exist, never per person
COMMENT_MAX = 1000
URL = re.compile(r"^https?://[^\s|<>]+$")


# ---- proposing (validation is pure) --------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    title: str
    abstract: str
    format: str | None
    starts_at: datetime | None
    minutes: str  # as typed; empty means the format's usual length
    place: str
    capacity: str  # as typed; empty means no limit
    recording_allowed: bool


def proposal_problems(form: Proposal, now: datetime) -> dict[str, str]:
    """Field -> a clear message; empty when the proposal is fine. Fields:
    title, abstract, format, start, minutes, place, capacity."""
    problems: dict[str, str] = {}
    if not form.title.strip():
        problems["title"] = "Give the talk a title."
    elif len(form.title.strip()) > TITLE_MAX:
        problems["title"] = f"Keep the title to {TITLE_MAX} characters."
    if len(form.abstract.strip()) > ABSTRACT_MAX:
        problems["abstract"] = f"Keep the abstract to {ABSTRACT_MAX} characters (it has {len(form.abstract.strip())})."
    if form.format not in FORMATS:
        problems["format"] = "Pick a format."
    if form.starts_at is None:
        problems["start"] = "Pick the date and time of the talk."
    elif form.starts_at <= now:
        problems["start"] = "That time is in the past. Pick a time that is still to come."
    minutes = minutes_of(form)
    if minutes is None:
        problems["minutes"] = f"The length is a whole number of minutes, from 1 to {MAX_MINUTES}."
    elif minutes > MAX_MINUTES:
        problems["minutes"] = f"A talk can last at most 4 hours ({MAX_MINUTES} minutes)."
    if not form.place.strip():
        problems["place"] = "Say where: a room, or a link to join."
    elif len(form.place.strip()) > PLACE_MAX:
        problems["place"] = f"Keep it to {PLACE_MAX} characters."
    if capacity_of(form) == 0:
        problems["capacity"] = "The capacity is a whole number of seats, at least 1 (or leave it empty for no limit)."
    return problems


def minutes_of(form: Proposal) -> int | None:
    text = form.minutes.strip()
    if not text:
        return FORMATS.get(form.format or "", ("", 0))[1] or None
    try:
        minutes = int(text)
    except ValueError:
        return None
    return minutes if minutes >= 1 else None


def capacity_of(form: Proposal) -> int | None:
    """None: no limit; 0: not a valid capacity."""
    text = form.capacity.strip()
    if not text:
        return None
    try:
        seats = int(text)
    except ValueError:
        return 0
    return max(seats, 0)


def propose(session: Session, *, team_id: str, speaker_id: str, form: Proposal, speaker_tz: str | None,
            source_key: str, now: datetime) -> Talk | None:
    """The proposal; None when this submission was already stored (a retry)."""
    ensure_workspace(session, team_id, now)
    if not insert_ignore(session, Talk, team_id=team_id, speaker_id=speaker_id, title=form.title.strip(),
                         abstract=form.abstract.strip(), format=form.format, starts_at=form.starts_at,
                         minutes=minutes_of(form), place=form.place.strip(), capacity=capacity_of(form),
                         recording_allowed=form.recording_allowed, speaker_tz=speaker_tz, status=PROPOSED,
                         created_at=now, token=secrets.token_urlsafe(24), sequence=0, source_key=source_key):
        return None
    return session.scalars(select(Talk).where(Talk.team_id == team_id, Talk.source_key == source_key)).one()


def get(session: Session, talk_id: int) -> Talk | None:
    return session.get(Talk, talk_id)


def by_token(session: Session, token: str) -> Talk | None:
    return session.scalars(select(Talk).where(Talk.token == token)).one_or_none()


def decide(session: Session, talk_id: int, organiser_id: str, accept: bool, now: datetime) -> bool:
    """Accept or decline a proposal; False when it was decided already (the
    first organiser's click stands)."""
    result = session.execute(update(Talk).where(Talk.id == talk_id, Talk.status == PROPOSED)
                             .values(status=ACCEPTED if accept else DECLINED, decided_at=now, decided_by=organiser_id))
    return result.rowcount == 1


def card_posted(session: Session, talk_id: int, channel_id: str, ts: str) -> None:
    session.execute(update(Talk).where(Talk.id == talk_id).values(channel_id=channel_id, card_ts=ts))


def cancel(session: Session, talk_id: int) -> bool:
    """Cancel an accepted talk; the calendar event changes (SEQUENCE). False
    when it was not on (already cancelled, or never accepted)."""
    result = session.execute(update(Talk).where(Talk.id == talk_id, Talk.status == ACCEPTED)
                             .values(status=CANCELLED, sequence=Talk.sequence + 1))
    return result.rowcount == 1


def move_problem(starts_at: datetime | None, now: datetime) -> str | None:
    if starts_at is None:
        return "Pick the new date and time."
    return "That time is in the past. Pick a time that is still to come." if starts_at <= now else None


def move(session: Session, talk_id: int, starts_at: datetime) -> bool:
    """A new time for an accepted talk; the calendar event changes (SEQUENCE)."""
    result = session.execute(update(Talk).where(Talk.id == talk_id, Talk.status == ACCEPTED,
                                                Talk.starts_at != starts_at)
                             .values(starts_at=starts_at, sequence=Talk.sequence + 1))
    return result.rowcount == 1


def capacity_problem(text: str) -> str | None:
    """A new capacity as typed: None when it is a whole number of at least 1."""
    try:
        seats = int(text.strip())
    except ValueError:
        seats = 0
    return None if seats >= 1 else "The capacity is a whole number of seats, at least 1."


@dataclass(frozen=True)
class CapacityChange:
    bumped: list[tuple[datetime, str]]  # (when they had taken the seat they lost, person), in that order


def change_capacity(session: Session, talk_id: int, capacity: int, now: datetime) -> CapacityChange | None:
    """A new number of seats for an accepted talk; None when it is not on or
    already has that many. Lowering keeps the earliest seats (by when they
    were taken); the others go to the front of the waitlist in their
    original order. Seats held for the waitlist give way before confirmed
    ones (their holders stay first in line). Raising leaves free seats for
    `offer_free_seats`.

    The UPDATE comes first: it locks the talk's row, which every seat change
    reads with a shared lock (`_seats_locked`), so no RSVP can slip a seat in
    between. The SEQUENCE is not bumped: the calendar event carries no
    capacity, and a new SEQUENCE would only make calendars re-import an
    unchanged event (time and place changes do bump it)."""
    changed = session.execute(update(Talk).where(Talk.id == talk_id, Talk.status == ACCEPTED,
                                                 (Talk.capacity.is_(None)) | (Talk.capacity != capacity))
                              .values(capacity=capacity))
    if changed.rowcount != 1:
        return None
    team_id = session.scalar(select(Talk.team_id).where(Talk.id == talk_id))
    seats = {row.user_id: row for row in session.execute(
        select(TalkSeat.user_id, TalkSeat.taken_at, TalkSeat.offered_until).where(TalkSeat.talk_id == talk_id))}
    going = session.execute(select(TalkRsvp.user_id, TalkRsvp.answered_at).where(TalkRsvp.talk_id == talk_id,
                                                                                  TalkRsvp.answer == GOING))
    # A talk that had no limit has no seat rows: its Going took their seat when they said so.
    confirmed = sorted((seats[user].taken_at if user in seats else answered_at, user) for user, answered_at in going)
    held = sorted((s.taken_at, s.user_id, s.offered_until) for s in seats.values() if s.offered_until is not None)
    kept, bumped = confirmed[:capacity], confirmed[capacity:]
    kept_seats = [(taken_at, user, None) for taken_at, user in kept] + held[:max(capacity - len(kept), 0)]
    session.execute(delete(TalkSeat).where(TalkSeat.talk_id == talk_id))
    if kept_seats:
        session.execute(insert(TalkSeat), [
            {"talk_id": talk_id, "seat_no": seat_no, "team_id": team_id, "user_id": user, "taken_at": taken_at,
             "offered_until": until} for seat_no, (taken_at, user, until) in enumerate(kept_seats, start=1)])
    if bumped:
        # The waitlist is ordered by answered_at: place them just before everyone waiting, a millisecond apart.
        front = min(taken_at for taken_at, _ in bumped)
        waiting = session.scalar(select(func.min(TalkRsvp.answered_at)).where(TalkRsvp.talk_id == talk_id,
                                                                              TalkRsvp.answer == WAITLIST))
        front = min(front, waiting) if waiting else front
        for place, (_, user) in enumerate(bumped):
            session.execute(update(TalkRsvp).where(TalkRsvp.talk_id == talk_id, TalkRsvp.user_id == user)
                            .values(answer=WAITLIST, answered_at=front - timedelta(milliseconds=len(bumped) - place)))
    session.flush()
    return CapacityChange(bumped)


def upcoming(session: Session, team_id: str, now: datetime, limit: int = 10) -> list[Talk]:
    return list(session.scalars(select(Talk).where(Talk.team_id == team_id, Talk.status == ACCEPTED,
                                                   Talk.starts_at > now).order_by(Talk.starts_at).limit(limit)))


def mine(session: Session, team_id: str, user_id: str, now: datetime) -> list[tuple[Talk, str]]:
    """The person's upcoming talks: (talk, speaker | going | waitlist | maybe)."""
    answers = dict(session.execute(select(TalkRsvp.talk_id, TalkRsvp.answer).where(
        TalkRsvp.team_id == team_id, TalkRsvp.user_id == user_id,
        TalkRsvp.answer.in_((GOING, WAITLIST, MAYBE)))).all())
    rows = [t for t in upcoming(session, team_id, now, limit=50) if t.speaker_id == user_id or t.id in answers]
    return [(t, "speaker" if t.speaker_id == user_id else answers[t.id]) for t in rows]


def live(session: Session, now: datetime) -> list[Talk]:
    """Talks with steps still to run: proposed, accepted or cancelled, until
    their ratings window has closed."""
    return list(session.scalars(select(Talk).where(
        Talk.status.in_((PROPOSED, ACCEPTED, CANCELLED)),
        Talk.starts_at > now - timedelta(minutes=MAX_MINUTES) - RATING_WINDOW).order_by(Talk.id)))


def ends_at(talk: Talk) -> datetime:
    return talk.starts_at + timedelta(minutes=talk.minutes)


# ---- RSVPs, seats and the waitlist ---------------------------------------------------------------


def rsvp_refusal(talk: Talk | None, now: datetime) -> str | None:
    """Why nobody can RSVP to this talk now; None when they can."""
    if talk is None:
        return "I can't find that talk any more. Nothing changed."
    if talk.status == CANCELLED:
        return "This talk was cancelled, so it takes no RSVPs. Nothing changed."
    if talk.status != ACCEPTED:
        return "That talk isn't on the programme. Nothing changed."
    if now >= closes_at(talk):
        return ("RSVPs closed 2 hours before the start, so nothing changed. "
                "If you can still come, ask the speaker directly.")
    return None


def closes_at(talk: Talk) -> datetime:
    return talk.starts_at - RSVP_CLOSE


@dataclass(frozen=True)
class Rsvp:
    answer: str  # going | waitlist | maybe | cant
    position: int | None = None  # on the waitlist, 1 = next
    freed: bool = False  # a seat came free (offer it to the waitlist)


def answer(session: Session, talk: Talk, user_id: str, choice: str, now: datetime) -> Rsvp:
    """Record Going / Maybe / Can't. Going takes a free seat or joins the
    waitlist; leaving a seat frees it for the next in line."""
    _seats_locked(session, talk.id)
    first = insert_ignore(session, TalkRsvp, team_id=talk.team_id, talk_id=talk.id, user_id=user_id,
                          answer=choice, answered_at=now)
    row = _rsvp(session, talk.id, user_id)
    if choice == GOING:
        seat = _seat_of(session, talk.id, user_id)
        if seat is not None and seat.offered_until is not None:
            take_offer(session, talk, user_id, now)  # Going while a seat is held for you takes it
        elif seat is None and (first or row.answer != WAITLIST):  # a second click keeps your place in line
            row.answered_at = now
            row.answer = GOING if take_seat(session, talk, user_id, now) else WAITLIST
        session.flush()
        row = _rsvp(session, talk.id, user_id)
        return Rsvp(row.answer, waitlist_position(session, talk.id, user_id))
    row.answer, row.answered_at = choice, now
    freed = session.execute(delete(TalkSeat).where(TalkSeat.talk_id == talk.id, TalkSeat.user_id == user_id)
                            ).rowcount == 1
    session.flush()
    return Rsvp(choice, freed=freed)


def _seats_locked(session: Session, talk_id: int) -> int | None:
    """The talk's current capacity, read with a shared lock on its row: every
    change to the seats takes it, so a capacity change (which updates the
    row) waits for RSVPs in flight and they wait for it, and nobody takes a
    seat numbered by a capacity that is about to change. (On SQLite every
    write transaction is BEGIN IMMEDIATE, so they already run one at a time.)"""
    return session.scalar(select(Talk.capacity).where(Talk.id == talk_id).with_for_update(read=True))


def take_seat(session: Session, talk: Talk, user_id: str, now: datetime, *, offered_until: datetime | None = None
              ) -> bool:
    """A seat for this person, if one is free. The unique key on (talk, seat
    number) settles a race for the last one."""
    capacity = _seats_locked(session, talk.id)
    if capacity is None:
        return True
    taken = set(session.scalars(select(TalkSeat.seat_no).where(TalkSeat.talk_id == talk.id)))
    for seat_no in range(1, capacity + 1):
        if seat_no not in taken and insert_ignore(session, TalkSeat, talk_id=talk.id, seat_no=seat_no,
                                                  team_id=talk.team_id, user_id=user_id, taken_at=now,
                                                  offered_until=offered_until):
            return True
    return False


def waitlist(session: Session, talk_id: int) -> list[TalkRsvp]:
    """Going while full, in the order they said so; those holding an offer excluded."""
    offered = select(TalkSeat.user_id).where(TalkSeat.talk_id == talk_id)
    return list(session.scalars(select(TalkRsvp).where(TalkRsvp.talk_id == talk_id, TalkRsvp.answer == WAITLIST,
                                                       TalkRsvp.user_id.not_in(offered))
                                .order_by(TalkRsvp.answered_at, TalkRsvp.id)))


def waitlist_position(session: Session, talk_id: int, user_id: str) -> int | None:
    for position, row in enumerate(waitlist(session, talk_id), start=1):
        if row.user_id == user_id:
            return position
    return None


def offer_free_seats(session: Session, talk: Talk, now: datetime) -> list[TalkSeat]:
    """Hold each free seat for the next person on the waitlist, for 4 hours
    (never past the RSVP close). Returns the seats offered now."""
    offered = []
    if talk.capacity is None or talk.status != ACCEPTED or now >= closes_at(talk):
        return offered
    until = min(now + OFFER_HOLD, closes_at(talk))
    for row in waitlist(session, talk.id):
        if not take_seat(session, talk, row.user_id, now, offered_until=until):
            break  # no seat left
        offered.append(_seat_of(session, talk.id, row.user_id))
    return offered


def lapse_offers(session: Session, talk: Talk, now: datetime) -> list[str]:
    """Held seats whose time ran out go back; their holders leave the
    waitlist. Returns who lapsed."""
    _seats_locked(session, talk.id)
    lapsed = list(session.scalars(select(TalkSeat.user_id).where(
        TalkSeat.talk_id == talk.id, TalkSeat.offered_until.is_not(None), TalkSeat.offered_until <= now)))
    for user_id in lapsed:
        if session.execute(delete(TalkSeat).where(TalkSeat.talk_id == talk.id, TalkSeat.user_id == user_id,
                                                  TalkSeat.offered_until <= now)).rowcount == 1:
            session.execute(update(TalkRsvp).where(TalkRsvp.talk_id == talk.id, TalkRsvp.user_id == user_id)
                            .values(answer=LAPSED, answered_at=now))
    session.flush()
    return lapsed


def take_offer(session: Session, talk: Talk, user_id: str, now: datetime) -> str | None:
    """The held seat becomes theirs. None when taken, else why not."""
    if why := rsvp_refusal(talk, now):
        return why
    _seats_locked(session, talk.id)
    taken = session.execute(update(TalkSeat).where(
        TalkSeat.talk_id == talk.id, TalkSeat.user_id == user_id, TalkSeat.offered_until.is_not(None),
        TalkSeat.offered_until > now).values(offered_until=None, taken_at=now))
    if taken.rowcount != 1:
        return ("This seat is no longer held for you: the 4 hours ran out, or you answered already. "
                "Click Going on the talk to join the waitlist again.")
    session.execute(update(TalkRsvp).where(TalkRsvp.talk_id == talk.id, TalkRsvp.user_id == user_id)
                    .values(answer=GOING))
    return None


def here(session: Session, talk: Talk, user_id: str, now: datetime) -> bool:
    """"I'm here": attendance, once (for the show-up measure). False when already noted."""
    insert_ignore(session, TalkRsvp, team_id=talk.team_id, talk_id=talk.id, user_id=user_id, answer=WALK_IN,
                  answered_at=now)
    return session.execute(update(TalkRsvp).where(TalkRsvp.talk_id == talk.id, TalkRsvp.user_id == user_id,
                                                  TalkRsvp.here_at.is_(None)).values(here_at=now)).rowcount == 1


def held_offers(session: Session, talk_id: int) -> list[TalkSeat]:
    return list(session.scalars(select(TalkSeat).where(TalkSeat.talk_id == talk_id,
                                                       TalkSeat.offered_until.is_not(None))))


def _seat_of(session: Session, talk_id: int, user_id: str) -> TalkSeat | None:
    return session.scalars(select(TalkSeat).where(TalkSeat.talk_id == talk_id, TalkSeat.user_id == user_id)
                           ).one_or_none()


def _rsvp(session: Session, talk_id: int, user_id: str) -> TalkRsvp:
    return session.scalars(select(TalkRsvp).where(TalkRsvp.talk_id == talk_id, TalkRsvp.user_id == user_id)
                           .execution_options(populate_existing=True)).one()


@dataclass(frozen=True)
class Counts:
    going: int
    maybe: int
    waitlist: int
    capacity: int | None


def counts(session: Session, talk: Talk) -> Counts:
    by_answer = dict(session.execute(select(TalkRsvp.answer, func.count()).where(TalkRsvp.talk_id == talk.id)
                                     .group_by(TalkRsvp.answer)).all())
    held = len(held_offers(session, talk.id))
    return Counts(going=by_answer.get(GOING, 0), maybe=by_answer.get(MAYBE, 0),
                  waitlist=by_answer.get(WAITLIST, 0) - held, capacity=talk.capacity)


def people(session: Session, talk_id: int, answers: tuple[str, ...]) -> list[str]:
    """Who gave one of these answers (going = with a confirmed seat)."""
    rows = session.scalars(select(TalkRsvp).where(TalkRsvp.talk_id == talk_id, TalkRsvp.answer.in_(answers))
                           .order_by(TalkRsvp.answered_at, TalkRsvp.id))
    return [r.user_id for r in rows]


# ---- after the talk: ratings, the recording -------------------------------------------------------


def attendees(session: Session, talk_id: int) -> list[str]:
    """Who is asked for a rating: Going with a seat, or said "I'm here"."""
    rows = session.scalars(select(TalkRsvp).where(TalkRsvp.talk_id == talk_id,
                                                  (TalkRsvp.answer == GOING) | TalkRsvp.here_at.is_not(None))
                           .order_by(TalkRsvp.id))
    return [r.user_id for r in rows]


def rate(session: Session, talk: Talk, user_id: str, rating: int, now: datetime) -> str | None:
    """Store a 1-5; None when stored, else why not (nothing changes)."""
    if user_id not in attendees(session, talk.id):
        return "Ratings are for the people who came to the talk."
    if not insert_ignore(session, TalkRating, team_id=talk.team_id, talk_id=talk.id, user_id=user_id, rating=rating,
                         comment=None, created_at=now):
        return "You've rated this talk already. Thank you! Only your first rating counts."
    return None


def comment(session: Session, talk_id: int, user_id: str, text: str) -> bool:
    """Add a comment to their rating, once."""
    return session.execute(update(TalkRating).where(TalkRating.talk_id == talk_id, TalkRating.user_id == user_id,
                                                    TalkRating.comment.is_(None))
                           .values(comment=text.strip()[:COMMENT_MAX])).rowcount == 1


@dataclass(frozen=True)
class Ratings:
    count: int
    mean: float
    by_score: dict[int, int]
    comments: list[str]  # shuffled: their order says nothing about who wrote them


def ratings(session: Session, talk_id: int) -> Ratings | None:
    """The speaker's view, None until 3 have rated: no names, no times."""
    rows = list(session.scalars(select(TalkRating).where(TalkRating.talk_id == talk_id)))
    if len(rows) < RATINGS_RELEASED_AT:
        return None
    comments = [r.comment for r in rows if r.comment]
    random.shuffle(comments)
    return Ratings(len(rows), sum(r.rating for r in rows) / len(rows),
                   {n: sum(r.rating == n for r in rows) for n in range(5, 0, -1)}, comments)


def add_recording(session: Session, talk: Talk, url: str, topic: str, is_public: bool, added_by: str,
                  now: datetime) -> KnowledgeItem:
    """The recording or slides: kept on the talk and saved as a knowledge
    item on its topic (keyed by the card), so `/kb` finds the talk."""
    talk.recording_url = url
    found = topics.get_or_create(session, talk.team_id, topic, now) if topic.strip() else None
    text = f"Talk by <@{talk.speaker_id}>: {talk.title}\n{talk.abstract}\nRecording or slides: {url}"
    saved = knowledge.save(session, knowledge.MessageToSave(
        team_id=talk.team_id, channel_id=talk.channel_id, message_ts=talk.card_ts, is_public=is_public, text=text,
        author_id=talk.speaker_id, permalink=url, kind=knowledge.TIP, title=f"Talk: {talk.title}"[:255],
        topic_id=found.id if found else None), saved_by=added_by, via="tip", now=now)
    return saved.item


# ---- wishes --------------------------------------------------------------------------------------------

WISH_THRESHOLD = 5  # people wanting a talk before experts are invited
INVITES_PER_WISH = 3


@dataclass(frozen=True)
class Wish:
    topic_id: int
    topic: str
    votes: int  # `/talks wish` votes
    askers: int  # people with an unanswered question on it, in public channels, who did not vote
    wish_id: int | None  # None: a wish only from unanswered questions

    @property
    def people(self) -> int:
        return self.votes + self.askers


def wish(session: Session, team_id: str, user_id: str, name: str, now: datetime) -> tuple[str, bool] | None:
    """Add a wish or vote for it, once per person: (topic, counted), or None
    when the topic is not a topic name."""
    topic = topics.get_or_create(session, team_id, name, now)
    if topic is None:
        return None
    insert_ignore(session, TalkWish, team_id=team_id, topic_id=topic.id, created_at=now)
    row = session.scalars(select(TalkWish).where(TalkWish.team_id == team_id, TalkWish.topic_id == topic.id)).one()
    return topic.name, insert_ignore(session, TalkWishVote, wish_id=row.id, user_id=user_id, created_at=now)


def wishes(session: Session, team_id: str) -> list[Wish]:
    """Every wish, most wanted first: votes plus the askers of unanswered
    questions on the topic (public channels only, so no private topic is
    ever named)."""
    voters: dict[int, set[str]] = {}
    ids: dict[int, int] = {}
    for wish_id, topic_id, user_id in session.execute(
            select(TalkWish.id, TalkWish.topic_id, TalkWishVote.user_id)
            .join(TalkWishVote, TalkWishVote.wish_id == TalkWish.id, isouter=True)
            .where(TalkWish.team_id == team_id)):
        ids[topic_id] = wish_id
        voters.setdefault(topic_id, set()).update([user_id] if user_id else [])
    askers: dict[int, set[str]] = {}
    for topic_id, asker in session.execute(
            select(Question.topic_id, Question.asker_id)
            .join(Conversation, (Conversation.team_id == Question.team_id)
                  & (Conversation.channel_id == Question.channel_id))
            .where(Question.team_id == team_id, Question.status == "open", Question.topic_id.is_not(None),
                   Conversation.privacy == PUBLIC)):
        askers.setdefault(topic_id, set()).add(asker)
    names = dict(session.execute(select(Topic.id, Topic.name).where(Topic.team_id == team_id)).all())
    found = [Wish(t, names[t], len(voters.get(t, ())), len(askers.get(t, set()) - voters.get(t, set())), ids.get(t))
             for t in set(voters) | set(askers)]
    return sorted(found, key=lambda w: (-w.people, w.topic))


def quarter(now: datetime) -> str:
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def invite_experts(session: Session, team_id: str, wanted: Wish, now: datetime) -> list[str]:
    """Pick up to 3 experts on the topic (most earned expertise, not away)
    once per topic per quarter; returns this quarter's invitees (empty when
    nobody fits), the same list however often it is asked."""
    if wanted.wish_id is None:  # auto wishes get a row, so the quarter can be recorded
        insert_ignore(session, TalkWish, team_id=team_id, topic_id=wanted.topic_id, created_at=now)
    row = session.scalars(select(TalkWish).where(TalkWish.team_id == team_id, TalkWish.topic_id == wanted.topic_id)
                          .with_for_update()).one()
    if row.invited_quarter == quarter(now):
        return row.invited.split(",") if row.invited else []
    chosen = [e.user_id for e in experts.experts_on(session, team_id, wanted.topic, now)
              if not e.away and e.earned > 0][:INVITES_PER_WISH]
    row.invited_quarter, row.invited = quarter(now), ",".join(chosen)
    session.flush()
    return chosen


def answered_on(session: Session, team_id: str, user_id: str, topic_id: int) -> int:
    """How many questions on the topic this person answered (the case for their talk)."""
    return session.scalar(select(func.count(func.distinct(Answer.question_id))).join(Question)
                          .where(Answer.team_id == team_id, Answer.author_id == user_id,
                                 Question.topic_id == topic_id)) or 0


# ---- the calendar ------------------------------------------------------------------------------------


def uid(talk: Talk) -> str:
    return f"talk-{talk.id}-{talk.team_id}@peerbot"


def calendar_file(talk: Talk, url: str | None) -> bytes:
    """The talk as one iCalendar event, in UTC. Cancelling bumps SEQUENCE, so
    calendars that imported it update it."""
    event = Event()
    event.add("uid", uid(talk))
    event.add("sequence", talk.sequence)
    event.add("dtstamp", datetime.now(timezone.utc).replace(microsecond=0))
    event.add("dtstart", talk.starts_at.astimezone(timezone.utc))
    event.add("dtend", (talk.starts_at + timedelta(minutes=talk.minutes)).astimezone(timezone.utc))
    event.add("summary", talk.title)
    event.add("description", talk.abstract)
    event.add("location", talk.place)
    event.add("status", "CANCELLED" if talk.status == CANCELLED else "CONFIRMED")
    if url:
        event.add("url", url)
    calendar = Calendar()
    calendar.add("prodid", "-//peerbot//talks//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def google_calendar_link(talk: Talk) -> str:
    def utc(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    end = talk.starts_at + timedelta(minutes=talk.minutes)
    query = urlencode({"action": "TEMPLATE", "text": talk.title, "dates": f"{utc(talk.starts_at)}/{utc(end)}",
                       "details": talk.abstract[:500], "location": talk.place})
    return f"https://calendar.google.com/calendar/render?{query}"


def is_link(place: str) -> bool:
    return bool(URL.match(place))
