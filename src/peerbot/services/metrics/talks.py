"""Lunch-and-learn talks' measures (PROGRAMMES.md §8), defined in docs/metrics.md.

The cohort is the talks proposed in the period, followed up to its end; wishes are those made in
the period. Ratings are only aggregated and comments are never read. A talk's topic is the one its
recording was saved under (the knowledge item keyed by its card), which is how a wish is fulfilled."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbot.services import talks
from peerbot.services.metrics.programmes import Figure, ProgrammeMeasures, _share
from peerbot.store.models import KnowledgeItem, Talk, TalkRating, TalkRsvp, TalkSeat, TalkWish, TalkWishVote

RECORDING_WITHIN = timedelta(days=7)  # after the talk ends
WISH_FULFILLED_WITHIN = timedelta(days=60)  # from the wish to a talk on its topic
RSVP_ANSWERS = ((talks.GOING, "Going (with a seat)"), (talks.MAYBE, "Maybe"), (talks.CANT, "Can't"),
                (talks.WAITLIST, "Still on the waitlist"), (talks.LAPSED, "Offered seat lapsed"),
                (talks.WALK_IN, "Walk-in (“I'm here” without an RSVP)"))


def _held(talk: Talk, until: datetime) -> bool:
    return talk.status == talks.ACCEPTED and talks.ends_at(talk) <= until


def talk_measures(session: Session, team_id: str, *, since: datetime, until: datetime) -> ProgrammeMeasures:
    proposed = list(session.scalars(select(Talk).where(
        Talk.team_id == team_id, Talk.created_at >= since, Talk.created_at <= until)))
    decided = [t for t in proposed if t.decided_at is not None and t.decided_at <= until]
    accepted = [t for t in decided if t.status in (talks.ACCEPTED, talks.CANCELLED)]  # only accepted talks cancel
    held = [t for t in proposed if _held(t, until)]
    held_ids = [t.id for t in held]
    speakers = {t.speaker_id for t in proposed}
    held_speakers = {t.speaker_id for t in held}

    rsvps = list(session.scalars(select(TalkRsvp).where(TalkRsvp.talk_id.in_(held_ids),
                                                        TalkRsvp.answered_at <= until)))
    going = [r for r in rsvps if r.answer == talks.GOING]
    goers = {r.user_id for r in going}
    answered = {r.user_id for r in rsvps}
    seats = {(s.talk_id, s.user_id): s for s in session.scalars(select(TalkSeat).where(
        TalkSeat.talk_id.in_(held_ids), TalkSeat.offered_until.is_(None)))}
    # A seat taken after the RSVP was given came through an offer to the waitlist.
    promoted = [r for r in going if (s := seats.get((r.talk_id, r.user_id))) and s.taken_at > r.answered_at]
    waited = {r.talk_id for r in rsvps if r.answer in (talks.WAITLIST, talks.LAPSED)} | {r.talk_id for r in promoted}
    per_talk = {t.id: sum(r.talk_id == t.id for r in going) for t in held}
    full = [t for t in held if t.capacity is not None and (per_talk[t.id] >= t.capacity or t.id in waited)]

    attendees = {(r.talk_id, r.user_id) for r in rsvps if r.answer == talks.GOING or r.here_at is not None}
    rated = [(talk_id, user_id, rating) for talk_id, user_id, rating in session.execute(
        select(TalkRating.talk_id, TalkRating.user_id, TalkRating.rating).where(
            TalkRating.talk_id.in_(held_ids), TalkRating.created_at <= until))]
    ratings, raters = [r for _, _, r in rated], len({u for _, u, _ in rated})
    rated_attendees = {(t, u) for t, u, _ in rated} & attendees

    saved = _recordings(session, team_id, held, until)
    week_over = [t for t in held if talks.ends_at(t) + RECORDING_WITHIN <= until]
    recorded_in_week = [t for t in week_over if t.id in saved and saved[t.id][0] <= talks.ends_at(t) + RECORDING_WITHIN]
    first_held = _first_held(session, team_id, held_speakers, until)
    first_timers = {t.speaker_id for t in held if first_held.get(t.speaker_id) == t.id}
    days_to_decide = [(t.decided_at - t.created_at).total_seconds() / 86400 for t in decided]

    funnel = [
        Figure("talks_proposed", "Proposed", "int", len(proposed), len(speakers)),
        Figure("talks_accepted", "Accepted", "int", len(accepted), len(speakers)),
        Figure("talks_held", "Held", "int", len(held), len(speakers)),
    ]
    figures = [
        Figure("talks_declined", "Proposals declined", "int",
               sum(t.status == talks.DECLINED for t in decided), len(speakers)),
        Figure("talks_cancelled", "Accepted talks cancelled", "int",
               sum(t.status == talks.CANCELLED for t in accepted), len(speakers)),
        Figure("median_days_to_decision", "Median days from proposal to the organisers' decision", "days",
               statistics.median(days_to_decide) if days_to_decide else None, len({t.speaker_id for t in decided})),
        Figure("distinct_speakers", "Speakers (of talks held)", "int", len(held_speakers), len(held_speakers)),
        Figure("first_time_speakers", "First-time speakers (their first talk held)", "int", len(first_timers),
               len(held_speakers)),
        Figure("going_per_talk", "Going per talk held (mean)", "number",
               sum(per_talk.values()) / len(held) if held else None, len(goers)),
        Figure("maybe_per_talk", "Maybe per talk held (mean)", "number",
               sum(r.answer == talks.MAYBE for r in rsvps) / len(held) if held else None,
               len({r.user_id for r in rsvps if r.answer == talks.MAYBE})),
        Figure("full_talks", "Full talks (every seat taken or someone waited)", "int", len(full), len(goers)),
        Figure("waitlist_promotions", "Waitlist promotions (seat taken from an offer)", "int", len(promoted),
               len({r.user_id for r in promoted})),
        Figure("show_up", "Show-up (“I'm here” ÷ Going)", "share",
               _share(sum(r.here_at is not None for r in going), len(going)), len(goers)),
        Figure("rating_response_rate", "Rating response rate (attendees who rated ÷ attendees)", "share",
               _share(len(rated_attendees), len(attendees)), len({u for _, u in attendees})),
        Figure("rating_mean", "Rating (mean of 1–5)", "number", statistics.mean(ratings) if ratings else None,
               raters),
        Figure("rating_4_or_5", "Rating (share 4–5)", "share", _share(sum(r >= 4 for r in ratings), len(ratings)),
               raters),
        Figure("recordings_saved", "Talks held with a recording or slides", "int", len(saved), len(held_speakers)),
        Figure("recording_within_7_days", "Recording coverage (saved within 7 days ÷ talks held 7 days ago)",
               "share", _share(len(recorded_in_week), len(week_over)), len({t.speaker_id for t in week_over})),
        *_wish_figures(session, team_id, since, until),
    ]
    table = [Figure(f"rsvps_{key.replace('-', '_')}", label, "int", sum(r.answer == key for r in rsvps), len(answered))
             for key, label in RSVP_ANSWERS]
    return ProgrammeMeasures(since, until, funnel, figures, {"talk_rsvps": ("RSVPs to talks held", table)})


def _recordings(session: Session, team_id: str, held: list[Talk],
                until: datetime) -> dict[int, tuple[datetime, int | None]]:
    """Held talks with a recording or slides saved by `until`: talk → (when, its topic)."""
    by_card = {(t.channel_id, t.card_ts): t.id for t in held if t.recording_url and t.card_ts}
    found = {}
    for channel_id, ts, created_at, topic_id in session.execute(
            select(KnowledgeItem.channel_id, KnowledgeItem.message_ts, KnowledgeItem.created_at, KnowledgeItem.topic_id)
            .where(KnowledgeItem.team_id == team_id, KnowledgeItem.created_at <= until,
                   KnowledgeItem.message_ts.in_([ts for _, ts in by_card]))):
        if (channel_id, ts) in by_card:
            found[by_card[(channel_id, ts)]] = (created_at, topic_id)
    return found


def _first_held(session: Session, team_id: str, speaker_ids: set[str], until: datetime) -> dict[str, int]:
    """Each speaker's first talk held, ever (up to `until`)."""
    first: dict[str, Talk] = {}
    for talk in session.scalars(select(Talk).where(Talk.team_id == team_id, Talk.speaker_id.in_(speaker_ids),
                                                   Talk.status == talks.ACCEPTED).order_by(Talk.starts_at, Talk.id)):
        if _held(talk, until):
            first.setdefault(talk.speaker_id, talk)
    return {speaker: talk.id for speaker, talk in first.items()}


def _wish_figures(session: Session, team_id: str, since: datetime, until: datetime) -> list[Figure]:
    """Wishes made in the period: votes, invitations, and those a talk answered within 60 days."""
    made = list(session.scalars(select(TalkWish).where(
        TalkWish.team_id == team_id, TalkWish.created_at >= since, TalkWish.created_at <= until)))
    votes = session.execute(select(TalkWishVote.wish_id, TalkWishVote.user_id).join(
        TalkWish, TalkWish.id == TalkWishVote.wish_id).where(
        TalkWish.team_id == team_id, TalkWishVote.created_at >= since, TalkWishVote.created_at <= until)).all()
    voters = {u for _, u in votes}
    wishers = set(session.scalars(select(TalkWishVote.user_id).where(TalkWishVote.wish_id.in_([w.id for w in made]))))
    invited = [u for w in made if w.invited for u in w.invited.split(",")]
    held = [t for t in session.scalars(select(Talk).where(Talk.team_id == team_id, Talk.status == talks.ACCEPTED,
                                                          Talk.starts_at >= since)) if _held(t, until)]
    saved = _recordings(session, team_id, held, until)
    on_topic = [(saved[t.id][1], t.starts_at) for t in held if t.id in saved]
    fulfilled = [w for w in made if any(topic == w.topic_id and w.created_at <= start
                                        <= w.created_at + WISH_FULFILLED_WITHIN for topic, start in on_topic)]
    return [
        Figure("wishes_made", "Talk wishes made", "int", len(made), len(wishers)),
        Figure("wish_votes", "Wish votes cast", "int", len(votes), len(voters)),
        Figure("wishes_invited", "Wishes with experts invited to speak", "int",
               sum(bool(w.invited) for w in made), len(set(invited))),
        Figure("experts_invited", "Experts invited to give a talk", "int", len(invited), len(set(invited))),
        Figure("wishes_fulfilled_60_days", "Wishes fulfilled (a talk on the topic within 60 days ÷ wishes)", "share",
               _share(len(fulfilled), len(made)), len(wishers)),
    ]
