"""Peer mentoring's measures (PROGRAMMES.md §8), defined in docs/metrics.md.

Figures about the period follow the mentees and mentorships that moved in it, up to its end;
supply, utilisation and health are as they stand now. Fit answers and survey ratings are only
ever aggregated, and survey comments do not exist: nothing here is per person."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbot.services import mentoring, programmes
from peerbot.services.metrics.programmes import Figure, ProgrammeMeasures, _share
from peerbot.store.models import (
    CheckIn,
    MentoringProfile,
    MentoringSurvey,
    MentoringWaitlist,
    Mentorship,
    MentorRequest,
)

ACTIVATION_DAYS = 30
COMPLETE_MEETINGS = 3
MONTH_DAYS = 30
HEALTHS = (("on_track", mentoring.ON_TRACK), ("needs_checkin", mentoring.NEEDS_CHECKIN),
           ("too_early", mentoring.TOO_EARLY))


def _meetings(session: Session, team_id: str, ids: list[int], until: datetime) -> dict[int, list[datetime]]:
    """Mentorship → when each meeting was reported by `until`: a check-in step answered Met by either
    person (both saying Met for the same step is one meeting, at the first report)."""
    met: dict[int, list[datetime]] = {}
    for subject_id, _step, met_at in session.execute(
        select(CheckIn.subject_id, CheckIn.step, func.min(CheckIn.met_at))
        .where(CheckIn.team_id == team_id, CheckIn.kind == programmes.MENTORING, CheckIn.met_at <= until,
               CheckIn.subject_id.in_(ids))
        .group_by(CheckIn.subject_id, CheckIn.step)
    ):
        met.setdefault(subject_id, []).append(met_at)
    return met


def _pairs(rows) -> set[str]:
    return {p for m in rows for p in (m.mentor_id, m.mentee_id)}


def mentoring_measures(session: Session, team_id: str, *, since: datetime, until: datetime) -> ProgrammeMeasures:
    """The period's figures, followed up to `until`; the "now" figures as they stand at `until`."""
    ships = list(session.scalars(select(Mentorship).where(Mentorship.team_id == team_id,
                                                          Mentorship.started_at <= until)))
    met = _meetings(session, team_id, [m.id for m in ships], until)
    started = [m for m in ships if since <= m.started_at]
    requests = list(session.scalars(select(MentorRequest).where(MentorRequest.team_id == team_id,
                                                                MentorRequest.asked_at.between(since, until))))
    waitlisted = set(session.scalars(select(MentoringWaitlist.mentee_id).where(
        MentoringWaitlist.team_id == team_id, MentoringWaitlist.joined_at.between(since, until))))
    looking = {r.mentee_id for r in requests} | waitlisted | {m.mentee_id for m in started}
    matched = {m.mentee_id for m in started}
    activated = {m.mentee_id for m in started
                 if any(t < m.started_at + timedelta(days=ACTIVATION_DAYS) for t in met.get(m.id, []))}
    funnel = [
        Figure("mentees_looking", "Mentees looking for a mentor", "int", len(looking), len(looking)),
        Figure("mentees_matched", "Matched", "int", len(matched), len(looking)),
        Figure("mentees_activated", "Met within 30 days", "int", len(activated), len(looking)),
    ]

    decided = [r for r in requests if r.status in (mentoring.ACCEPTED, mentoring.DECLINED, mentoring.EXPIRED)]
    asked_mentors = len({r.mentor_id for r in decided})
    days_to_match = [(m.started_at - m.sought_at).total_seconds() / 86400 for m in started]
    month_over = [m for m in started if m.started_at + timedelta(days=ACTIVATION_DAYS) <= until]
    running_in_period = [m for m in ships if m.ended_at is None or m.ended_at >= since]
    active_days = sum((min(m.ended_at or until, until) - max(m.started_at, since)).total_seconds()
                      for m in running_in_period) / 86400
    in_period_meetings = sum(1 for times in met.values() for t in times if t >= since)
    fits = [f for m in started for f in (m.mentee_fit, m.mentor_fit) if f]
    fit_people = {p for m in started for p, f in ((m.mentee_id, m.mentee_fit), (m.mentor_id, m.mentor_fit)) if f}
    ended = [m for m in ships if m.ended_at is not None and since <= m.ended_at <= until]
    completed = [m for m in ended if sum(1 for t in met.get(m.id, []) if t <= m.ended_at) >= COMPLETE_MEETINGS]
    surveys = list(session.scalars(select(MentoringSurvey).where(MentoringSurvey.team_id == team_id,
                                                                 MentoringSurvey.answered_at.between(since, until))))
    ratings, raters = [s.rating for s in surveys], len({s.user_id for s in surveys})
    goals = [s for s in surveys if s.goals_achieved]
    goal_people = len({s.user_id for s in goals})

    figures = [
        Figure("match_rate", "Match rate (matched ÷ mentees looking)", "share",
               _share(len(matched), len(looking)), len(looking)),
        Figure("median_days_to_match", "Median days from looking to a match", "days",
               statistics.median(days_to_match) if days_to_match else None, len(matched)),
        Figure("requests_sent", "Requests to mentors", "int", len(requests), len({r.mentor_id for r in requests})),
        Figure("request_acceptance", "Requests accepted (÷ requests answered or expired)", "share",
               _share(sum(r.status == mentoring.ACCEPTED for r in decided), len(decided)), asked_mentors),
        Figure("request_expiry", "Requests expired unanswered (÷ requests answered or expired)", "share",
               _share(sum(r.status == mentoring.EXPIRED for r in decided), len(decided)), asked_mentors),
        Figure("activation", "Activation (met within 30 days ÷ matches 30 days in)", "share",
               _share(sum(1 for m in month_over if m.mentee_id in activated), len(month_over)),
               len(_pairs(month_over))),
        Figure("meetings_per_match_month", "Meetings per active match per month", "number",
               in_period_meetings / (active_days / MONTH_DAYS) if active_days else None,
               len(_pairs(running_in_period))),
        Figure("fit_good", "Fit at day 14: share “good”", "share",
               _share(fits.count(mentoring.GOOD), len(fits)), len(fit_people)),
        Figure("fit_not_a_fit", "Fit at day 14: share “not a fit”", "share",
               _share(fits.count(mentoring.NOT_A_FIT), len(fits)), len(fit_people)),
        Figure("rematch_rate", "Rematch rate (matches ended as not a fit ÷ matches)", "share",
               _share(sum(m.end_reason == mentoring.NOT_A_FIT_END for m in started), len(started)),
               len(_pairs(started))),
        Figure("completion", "Completion (3 or more meetings by the end ÷ matches ended)", "share",
               _share(len(completed), len(ended)), len(_pairs(ended))),
        Figure("satisfaction_mean", "Satisfaction at the end (mean of 1–5)", "number",
               statistics.mean(ratings) if ratings else None, raters),
        Figure("satisfaction_4_or_5", "Satisfaction at the end (share rating 4–5)", "share",
               _share(sum(r >= 4 for r in ratings), len(ratings)), raters),
        Figure("would_recommend", "Would recommend", "share",
               _share(sum(s.would_recommend for s in surveys), len(surveys)), raters),
        Figure("goals_achieved", "Goals achieved (mentees: yes)", "share",
               _share(sum(s.goals_achieved == "yes" for s in goals), len(goals)), goal_people),
        Figure("goals_partly", "Goals partly achieved (mentees)", "share",
               _share(sum(s.goals_achieved == "partly" for s in goals), len(goals)), goal_people),
        *_supply_figures(session, team_id, until),
    ]
    active = [m for m in ships if m.status == mentoring.ACTIVE]
    healths = [mentoring.health(m, met.get(m.id, []), until) for m in active]
    health = [Figure(key, label, "int", healths.count(label), len(_pairs(active))) for key, label in HEALTHS]
    return ProgrammeMeasures(since, until, funnel, figures, {"mentoring_health": ("Active matches by health now",
                                                                                  health)})


def _supply_figures(session: Session, team_id: str, now: datetime) -> list[Figure]:
    """Now: free slots of active mentors, mentees waiting, their ratio, and mentor utilisation."""
    mentors = {m.user_id for m in programmes.active(session, team_id, programmes.MENTORING, mentoring.MENTOR, now)}
    capacity = dict(session.execute(select(MentoringProfile.user_id, MentoringProfile.capacity).where(
        MentoringProfile.team_id == team_id, MentoringProfile.user_id.in_(mentors))).all())
    taken = dict(session.execute(select(Mentorship.mentor_id, func.count()).where(
        Mentorship.team_id == team_id, Mentorship.status == mentoring.ACTIVE, Mentorship.mentor_id.in_(mentors))
        .group_by(Mentorship.mentor_id)).all())
    free = sum(max(capacity.get(u, 0) - taken.get(u, 0), 0) for u in mentors)
    waiting = set(session.scalars(select(MentoringWaitlist.mentee_id).where(
        MentoringWaitlist.team_id == team_id,
        MentoringWaitlist.status.in_((mentoring.WAITING, mentoring.ASKED)))))
    return [
        Figure("free_mentor_slots", "Free mentor slots now", "int", free, len(mentors)),
        Figure("mentees_waiting", "Mentees waiting now", "int", len(waiting), len(waiting)),
        Figure("supply_ratio", "Supply ratio now (free mentor slots ÷ mentees waiting)", "number",
               free / len(waiting) if waiting else None, len(mentors | waiting)),
        Figure("mentor_utilisation", "Mentor utilisation now (slots taken ÷ slots)", "share",
               _share(sum(min(taken.get(u, 0), capacity.get(u, 0)) for u in mentors), sum(capacity.values())),
               len(mentors)),
    ]
