"""Mentoring steps that talk to Slack, shared by the /mentor listeners and
the `programmes` job (PROGRAMMES.md §4). Every post goes through the outbox
with a key (kind, recipient, subject), so a double click, a retry or the job
run twice never sends twice. Nothing here posts in a channel: DMs and the
mentorship's group DM only."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from peerbot.blocks import mentoring as blocks
from peerbot.blocks import programmes as programme_blocks
from peerbot.deps import Deps
from peerbot.programme_flow import Tally, CHECKIN_CHOICES, PUBLISHERS, checkin_gate, group_dm, post_once, set_standing
from peerbot.services import checkins, mentoring, programmes, rounds
from peerbot.services.buddies import date_token, next_nudge_time
from peerbot.services.programmes import MENTORING
from peerbot.slack_api import dm_channel
from peerbot.store.models import MatchRound, Mentorship, MentorRequest

logger = logging.getLogger("peerbot.mentoring")
NO_HOLIDAYS: frozenset = frozenset()


def _tz(deps: Deps, team_id: str, user_id: str) -> str:
    with deps.db.read() as session:
        return mentoring.tz_of(session, team_id, user_id, deps.settings.timezone)


def _dm(deps: Deps, who: str):
    return lambda: dm_channel(deps.client, who)


# ---- requests --------------------------------------------------------------------------------------------


def send_request(deps: Deps, request_id: int, at: datetime) -> str | None:
    """The request DM to the mentor, once, within their working hours (the
    job sends one created at night in the morning). "asked" when sent now."""
    with deps.db.read() as session:
        req = session.get(MentorRequest, request_id)
        mentee = mentoring.profile(session, req.team_id, req.mentee_id, at)
    if req.status != mentoring.PENDING:
        return None
    if at < next_nudge_time(req.asked_at, _tz(deps, req.team_id, req.mentor_id), NO_HOLIDAYS):
        return None
    topics, goals = (list(mentee.topics), list(mentee.goals)) if mentee else ([], [])
    outcome, channel, ts = post_once(
        deps, team_id=req.team_id, recipient=req.mentor_id, kind="mentor-request", period=str(req.id), at=at,
        channel=_dm(deps, req.mentor_id),
        content=lambda key: blocks.request_message(key, req.id, req.mentee_id, topics, goals, req.reason,
                                                   date_token(req.expires_at), req.choice))
    if ts is not None:
        with deps.db.begin() as session:
            mentoring.delivered(session, req.id, channel, ts)
    return "asked" if outcome == "posted" else None


def after_close(deps: Deps, req: MentorRequest, how: str, at: datetime) -> None:
    """After a decline or expiry (called once, by whoever closed the request):
    ask the mentee's next choice or put them on the waitlist, and tell them."""
    with deps.db.begin() as session:
        step = mentoring.next_choice(session, req, at, fallback_tz=deps.settings.timezone)
    following = step.request
    post_once(deps, team_id=req.team_id, recipient=req.mentee_id, kind="mentor-next", period=str(req.id), at=at,
              channel=_dm(deps, req.mentee_id),
              content=lambda key: blocks.next_notice(key, req.mentor_id, how,
                                                     following.mentor_id if following else None, step.position,
                                                     date_token(following.expires_at) if following else None))
    if following is not None:
        send_request(deps, following.id, at)


def kickoff(deps: Deps, mentorship_id: int, at: datetime) -> str | None:
    """The group DM (mentor, mentee) with the mentee's goals, once."""
    with deps.db.read() as session:
        m = session.get(Mentorship, mentorship_id)
    people = [m.mentee_id, m.mentor_id]
    outcome, channel, _ = post_once(
        deps, team_id=m.team_id, recipient=m.mentee_id, kind="mentor-kickoff", period=str(m.id), at=at,
        channel=lambda: group_dm(deps, people),
        content=lambda key: blocks.kickoff_message(key, m.mentor_id, m.mentee_id, mentoring.goals_of(m),
                                                   date_token(m.ends_at, "{date_long}")))
    if channel is not None:
        with deps.db.begin() as session:
            session.get(Mentorship, m.id).channel_id = channel
    return "introduced" if outcome == "posted" else None


def tell_ended(deps: Deps, mentorship_id: int, at: datetime, only: str | None = None) -> None:
    """Tell both (or `only` one of them) that the mentorship ended, once each."""
    with deps.db.read() as session:
        m = session.get(Mentorship, mentorship_id)
    for who, other in ((m.mentee_id, m.mentor_id), (m.mentor_id, m.mentee_id)):
        if only is None or who == only:
            post_once(deps, team_id=m.team_id, recipient=who, kind="mentor-ended", period=str(m.id), at=at,
                      channel=_dm(deps, who),
                      content=lambda key, other=other: blocks.ended_notice(key, other, m.ended_by, m.end_reason))


def offer_rematch(deps: Deps, mentorship_id: int, at: datetime) -> None:
    with deps.db.read() as session:
        m = session.get(Mentorship, mentorship_id)
    post_once(deps, team_id=m.team_id, recipient=m.mentee_id, kind="mentor-rematch", period=str(m.id), at=at,
              channel=_dm(deps, m.mentee_id), content=lambda key: blocks.rematch_offer(key, m.id, m.mentor_id))


# ---- the programmes job ------------------------------------------------------------------------------------


def run(deps: Deps, at: datetime) -> str:
    """Every mentoring step due at `at`, once: expiries and next choices,
    request DMs held back by working hours, the waitlist, kick-offs, the
    day-14 fit check, check-ins every 4 weeks, the end survey, completion."""
    tally = Tally("mentoring")
    with deps.db.read() as session:
        teams = programmes.teams_on(session, MENTORING)
    for team_id in teams:
        with tally.guard(team_id):
            _run_team(deps, team_id, at, tally.count)
    return str(tally)


def _run_team(deps: Deps, team_id: str, at: datetime, count) -> None:
    with deps.db.read() as session:
        cohorts = mentoring.cohorts_to_propose(session, team_id, at)
    for cohort in cohorts:
        count(_propose_cohort(deps, cohort, at))
    with deps.db.read() as session:
        expiring = mentoring.due_to_expire(session, team_id, at)
    for req in expiring:
        # The mentee hears of it (and the next choice is asked) in their working hours.
        if at < next_nudge_time(req.expires_at, _tz(deps, team_id, req.mentee_id), NO_HOLIDAYS):
            continue
        with deps.db.begin() as session:
            won = mentoring.expire(session, req.id, at)
        if won:
            count("expired")
            after_close(deps, req, "expired", at)
    with deps.db.read() as session:
        held = list(session.scalars(select(MentorRequest.id).where(
            MentorRequest.team_id == team_id, MentorRequest.status == mentoring.PENDING,
            MentorRequest.message_ts.is_(None))))
    for request_id in held:
        count(send_request(deps, request_id, at))
    with deps.db.begin() as session:
        served = mentoring.serve_waitlist(session, team_id, at, fallback_tz=deps.settings.timezone)
    for req in served:
        count("asked from the waitlist")
        post_once(deps, team_id=team_id, recipient=req.mentee_id, kind="mentor-waitlist", period=str(req.id), at=at,
                  channel=_dm(deps, req.mentee_id),
                  content=lambda key, req=req: blocks.waitlist_served(key, req.mentor_id, date_token(req.expires_at)))
        send_request(deps, req.id, at)
    with deps.db.read() as session:
        active = mentoring.active_mentorships(session, team_id)
    for m in active:
        try:
            for step in _steps(deps, m, at):
                count(step)
        except Exception:
            logger.exception("mentoring steps for mentorship %s failed", m.id)
            count("crashed")


def _steps(deps: Deps, m: Mentorship, at: datetime) -> list[str]:
    done: list[str] = []
    if at < m.ends_at and (step := kickoff(deps, m.id, at)):
        done.append(step)
    for who, other in ((m.mentee_id, m.mentor_id), (m.mentor_id, m.mentee_id)):
        tz = _tz(deps, m.team_id, who)
        as_mentee = who == m.mentee_id
        # Three check-ins unanswered in a row pause the person and ask stay / pause / leave. Checked on
        # every run, not only when the next check-in is due: a 3-month match has just three of them.
        gate = checkin_gate(deps, m.team_id, MENTORING, who, at)
        if gate == "paused":
            done.append("paused")
        # Day 14: "did you meet?" (the shared check-in) and the fit question, for two weeks.
        fit_at = next_nudge_time(mentoring.at_local_day(m.started_at, mentoring.FIT_DAY, tz), tz, NO_HOLIDAYS)
        if fit_at <= at < fit_at + timedelta(days=mentoring.FIT_DAY):
            if gate == "ask" and _checkin(deps, m, who, other, mentoring.FIT_DAY, at, as_mentee):
                done.append("checked in")
            outcome, _, _ = post_once(deps, team_id=m.team_id, recipient=who, kind="mentor-fit", period=str(m.id),
                                      at=at, channel=_dm(deps, who),
                                      content=lambda key, other=other: blocks.fit_message(key, m.id, other))
            if outcome == "posted":
                done.append("fit asked")
        # Then every 4 weeks, until the next one is due.
        for day in mentoring.checkin_days(m):
            due = next_nudge_time(mentoring.at_local_day(m.started_at, day, tz), tz, NO_HOLIDAYS)
            if gate == "ask" and due <= at < due + timedelta(days=mentoring.CHECKIN_EVERY) and \
                    _checkin(deps, m, who, other, day, at, as_mentee):
                done.append("checked in")
        # The end survey, with Extend, from the end day.
        if next_nudge_time(m.ends_at, tz, NO_HOLIDAYS) <= at:
            outcome, _, _ = post_once(
                deps, team_id=m.team_id, recipient=who, kind="mentor-survey", period=f"{m.id}-{m.extensions}",
                at=at, channel=_dm(deps, who),
                content=lambda key, other=other: blocks.survey_message(key, m.id, other,
                                                                       date_token(m.ends_at, "{date_long}")))
            if outcome == "posted":
                done.append("survey sent")
    # A week after the end without an extension, the mentorship is complete and the slot frees.
    complete_at = m.ends_at + mentoring.COMPLETE_AFTER
    if at >= next_nudge_time(complete_at, _tz(deps, m.team_id, m.mentee_id), NO_HOLIDAYS):
        with deps.db.begin() as session:
            ended = mentoring.end(session, m.id, mentoring.COMPLETED, at)
        if ended:
            tell_ended(deps, m.id, at)
            done.append("completed")
    return done


def _checkin(deps: Deps, m: Mentorship, who: str, other: str, day: int, at: datetime, as_mentee: bool) -> bool:
    step = f"d{day}"
    with deps.db.begin() as session:
        row = checkins.ask(session, team_id=m.team_id, kind=MENTORING, subject_id=m.id, user_id=who, step=step,
                           due_date=(m.started_at + timedelta(days=day)).date().isoformat(), now=at)
        checkin_id = row.id
    question = blocks.checkin_question(day, other, as_mentee)
    outcome, channel, ts = post_once(
        deps, team_id=m.team_id, recipient=who, kind="checkin", period=f"m{m.id}-{step}", at=at,
        channel=_dm(deps, who), content=lambda key: programme_blocks.checkin_message(checkin_id, key, question))
    if ts is not None:
        with deps.db.begin() as session:
            checkins.delivered(session, checkin_id, channel, ts)
    return outcome == "posted"


def checkin_choice(deps: Deps, team_id: str, kind: str, user_id: str, status: str, at: datetime) -> None:
    """Stay / Pause / Leave after three unanswered check-ins. Pausing also
    keeps them out of suggestions; leaving ends their mentorships (each
    partner is told) and takes them off the waitlist."""
    set_standing(deps, team_id, kind, user_id, status, at)
    if status != programmes.LEFT:
        return
    with deps.db.begin() as session:
        ended = [(m.id, m.mentee_id if m.mentor_id == user_id else m.mentor_id)
                 for m in mentoring.of_person(session, team_id, user_id)
                 if mentoring.end(session, m.id, mentoring.ENDED_EARLY, at, by=user_id)]
        mentoring.leave_waitlist(session, team_id, user_id, at)
    for mentorship_id, partner in ended:
        tell_ended(deps, mentorship_id, at, only=partner)


CHECKIN_CHOICES[MENTORING] = checkin_choice


# ---- the cohort option ---------------------------------------------------------------------------------


def _propose_cohort(deps: Deps, cohort, at: datetime) -> str | None:
    """When registration closes: one whole-pool run, proposed once as a round,
    previewed to the admin who opened the cohort (in their working hours)."""
    if at < next_nudge_time(cohort.closes_at, _tz(deps, cohort.team_id, cohort.admin_id), NO_HOLIDAYS):
        return None
    with deps.db.begin() as session:
        row = rounds.find(session, cohort.team_id, MENTORING, f"cohort-{cohort.id}")
        if row is None:
            pairs, unplaced = mentoring.cohort_run(session, cohort, at)
            row = rounds.propose(session, team_id=cohort.team_id, kind=MENTORING, key=f"cohort-{cohort.id}",
                                 admin_id=cohort.admin_id, groups=pairs, unplaced=unplaced, now=at)
        mentoring.propose_cohort(session, cohort.id, row.id)
        round_id, (pairs, unplaced) = row.id, rounds.proposal_of(row)
    title = f"the mentoring cohort's matches ({len(pairs)} pairs, mentee first)"
    outcome, _, _ = post_once(deps, team_id=cohort.team_id, recipient=cohort.admin_id, kind="round-preview",
                              period=str(round_id), at=at, channel=_dm(deps, cohort.admin_id),
                              content=lambda key: programme_blocks.round_preview(key, round_id, title, pairs,
                                                                                 unplaced))
    return "cohort previewed" if outcome == "posted" else None


def publish_cohort(deps: Deps, round_id: int, at: datetime) -> None:
    """Publish (the admin's click, once): the pairs start with a kick-off each;
    whoever could not be placed is told why and joins the waitlist."""
    with deps.db.begin() as session:
        row = session.get(MatchRound, round_id)
        pairs, unplaced = rounds.proposal_of(row)
        made = mentoring.publish_cohort(session, round_id, pairs, at)
        positions = {u: mentoring.join_waitlist(session, row.team_id, u, at) for u in unplaced}
    for m in made:
        kickoff(deps, m.id, at)
    for user_id, why in unplaced.items():
        post_once(deps, team_id=row.team_id, recipient=user_id, kind="mentor-cohort", period=str(round_id), at=at,
                  channel=_dm(deps, user_id),
                  content=lambda key, why=why, user_id=user_id: blocks.cohort_unplaced(key, why, positions[user_id]))


# What the Publish button of a mentoring round does (programme_flow holds one entry per programme).
PUBLISHERS[MENTORING] = publish_cohort
