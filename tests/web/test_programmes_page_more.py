"""The Programmes page's mentoring, circles and feedback sections: each with its funnel chart and
tables, their CSV and JSON twins, the small-group rule, no feedback content anywhere, and the same
figures in `/peerbot stats programmes`.

Now is Wed 4 Mar 2026 12:00 UTC; the period is the last 90 days.
Mentoring: mentors m1 m2 m3; mentees e1..e5 each asked a mentor in February; e1 e2 e3 were matched
on 10 Feb and e1 met on 15 Feb; e4 e5 wait. Circles: a round closed 20 Feb with six opt-ins (m1,
c2..c6); one circle m1 c2 c3 c4 meets from Tue 24 Feb 10:00, all four at session 1. Feedback: f1 asks
f2..f6 anonymously (three answer, one declines, one has not answered); f2 asks f1, who answers."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from peerbot.blocks.stats import programme_stats_message
from peerbot.services import conversations, metrics
from peerbot.store.models import (
    CheckIn,
    Circle,
    CircleAttendance,
    CircleOptIn,
    CircleRound,
    FeedbackAnswer,
    FeedbackAsk,
    FeedbackRequest,
    MentoringProfile,
    MentoringWaitlist,
    Mentorship,
    MentorRequest,
    ProgrammeMember,
)

SECRET = "SECRET-ANONYMOUS-ANSWER"
QUESTION = "QUESTION-TEXT-NEVER-ON-THE-DASHBOARD"
FEB = lambda day, hour=10: datetime(2026, 2, day, hour, tzinfo=timezone.utc)  # noqa: E731


@pytest.fixture
def programmes(site):
    slack, team, now = site.slack, site.slack.team_id, site.deps.clock()
    carol = slack.add_user("carol", real_name="Carol Admin", is_admin=True)
    names = ["m1", "m2", "m3", "e1", "e2", "e3", "e4", "e5", "c2", "c3", "c4", "c5", "c6",
             "f1", "f2", "f3", "f4", "f5", "f6"]
    u = {name: slack.add_user(name, real_name=name.upper()) for name in names}
    with site.deps.db.begin() as s:
        conversations.ensure_workspace(s, team, now)
        for user_id in [carol, *u.values()]:
            conversations.remember_member(s, team, site.deps.client.users_info(user=user_id)["user"], now)
        for mentor in ("m1", "m2", "m3"):
            s.add(MentoringProfile(team_id=team, user_id=u[mentor], capacity=2, created_at=FEB(1), updated_at=FEB(1)))
            s.add(ProgrammeMember(team_id=team, kind="mentoring", user_id=u[mentor], role="mentor", status="active",
                                  joined_at=FEB(1)))
        for n, (mentee, mentor) in enumerate((("e1", "m1"), ("e2", "m2"), ("e3", "m3"), ("e4", "m1"), ("e5", "m2"))):
            matched = n < 3
            s.add(MentorRequest(team_id=team, mentee_id=u[mentee], mentor_id=u[mentor],
                                status="accepted" if matched else "declined", asked_at=FEB(5),
                                expires_at=FEB(8), answered_at=FEB(10 if matched else 6), sought_at=FEB(5)))
            if matched:
                s.add(Mentorship(id=n + 1, team_id=team, mentor_id=u[mentor], mentee_id=u[mentee], status="active",
                                 mentor_slot=1, mentee_open=u[mentee], sought_at=FEB(5), started_at=FEB(10),
                                 ends_at=FEB(10) + timedelta(days=91)))
            else:
                s.add(MentoringWaitlist(team_id=team, mentee_id=u[mentee], status="waiting", joined_at=FEB(6),
                                        updated_at=FEB(6)))
        s.flush()
        s.add(CheckIn(team_id=team, kind="mentoring", subject_id=1, user_id=u["e1"], step="d14", due_date="2026-02-15",
                      asked_at=FEB(15), answer="met", answered_at=FEB(15), met_at=FEB(15)))

        s.add(CircleRound(id=1, team_id=team, opened_by=carol, status="formed", opens_at=FEB(13), closes_at=FEB(20)))
        s.flush()
        members = [u["m1"], u["c2"], u["c3"], u["c4"]]
        for user_id in [*members, u["c5"], u["c6"]]:
            s.add(CircleOptIn(round_id=1, user_id=user_id, team_id=team, joined_at=FEB(14)))
        s.add(Circle(id=1, team_id=team, round_id=1, members=json.dumps(members), first_session_at=FEB(24),
                     time_set_by=u["m1"], created_at=FEB(20)))
        s.flush()
        for user_id in members:
            s.add(CircleAttendance(circle_id=1, number=1, user_id=user_id, present=True, marked_by=u["m1"]))

        anonymous = FeedbackRequest(team_id=team, requester_id=u["f1"], question=QUESTION, anonymous=True,
                                    status="open", created_at=FEB(25), expires_at=FEB(25) + timedelta(days=14),
                                    source_key="V1")
        named = FeedbackRequest(team_id=team, requester_id=u["f2"], question=QUESTION, status="open",
                                created_at=FEB(26), expires_at=FEB(26) + timedelta(days=14), source_key="V2")
        s.add_all([anonymous, named])
        s.flush()
        for peer, status in (("f2", "answered"), ("f3", "answered"), ("f4", "answered"), ("f5", "declined"),
                             ("f6", "asked")):
            s.add(FeedbackAsk(team_id=team, request_id=anonymous.id, user_id=u[peer], status=status,
                              responded_at=FEB(26) if status == "declined" else None))
        for n in range(3):
            s.add(FeedbackAnswer(id=f"anon{n}", team_id=team, request_id=anonymous.id, text=SECRET))
        s.add(FeedbackAsk(team_id=team, request_id=named.id, user_id=u["f1"], status="answered", responded_at=FEB(27)))
        s.add(FeedbackAnswer(id="named", team_id=team, request_id=named.id, giver_id=u["f1"], text=SECRET))
    return carol, u


TABLES = ("mentoring_funnel", "mentoring", "mentoring_health", "circles_funnel", "circles", "circle_sessions",
          "feedback_funnel", "feedback", "feedback_outcomes")


def test_the_three_sections_with_their_charts_tables_and_downloads(site, programmes):
    carol, u = programmes
    cookie = site.login_as(carol)
    page = site.get("/dashboard/programmes", cookie, period="90")
    assert page.status == 200
    for title in ("Peer mentoring", "Peer coaching circles", "Peer feedback"):
        assert title in page.text
    for kind in ("mentoring", "circles", "feedback"):
        assert f'id="programme-{kind}"' in page.text and f'id="table-{kind}"' in page.text
        assert f'id="chart-{kind}_funnel"' in page.text
    assert page.text.count('class="chart funnel"') == 3
    assert "Onboarding buddies" not in page.text  # no buddy programme here
    for name in TABLES:  # every table downloads, and none carries content
        reply = site.get("/dashboard/programmes", cookie, period="90", format="csv", table=name)
        assert reply.status == 200 and reply.text.count("\r\n") >= 2, name
        assert SECRET not in reply.text and QUESTION not in reply.text
    assert SECRET not in page.text and QUESTION not in page.text

    # Five mentees looked: the funnel covers them all, so its steps show even under 5.
    assert _steps(site, cookie, "mentoring_funnel") == [("Mentees looking for a mentor", "5"), ("Matched", "3"),
                                                        ("Met within 30 days", "1")]
    assert _steps(site, cookie, "circles_funnel") == [("Opted in", "6"), ("Placed in a circle", "4"),
                                                      ("Attended a session", "4"), ("Attended 2/3 of sessions", "4")]
    assert _steps(site, cookie, "feedback_funnel") == [("Peers asked", "6"), ("Answered or declined", "5"),
                                                       ("Answered", "4")]
    feedback = json.loads(site.get("/dashboard/programmes", cookie, period="90", format="json", table="feedback").body)
    values = {row["figure"]: row["value"] for row in feedback["rows"]}
    assert values["Response rate (asks answered ÷ asks)"] == round(4 / 6, 3)
    assert values["Anonymous requests (÷ requests)"] == "<5"  # two requesters
    assert values["Median hours to answer (named requests)"] == "<5"  # one named answer


def test_the_mentor_who_facilitates_is_on_the_watch_list(site, programmes):
    carol, u = programmes
    rows = _csv(site.get("/dashboard/programmes", site.login_as(carol), period="90", format="csv", table="two_roles"))
    assert [(r["user_id"], r["roles"]) for r in rows] == [(u["m1"], "mentor, facilitator")]


def test_stats_programmes_shows_the_same_figures(site, programmes):
    now = site.deps.clock()
    with site.deps.db.read() as s:
        since = now - timedelta(days=90)
        kinds = metrics.running(s, site.slack.team_id)
        measures = {kind: f(s, site.slack.team_id, since=since, until=now) for kind, f in (
            ("mentoring", metrics.mentoring_measures), ("circles", metrics.circle_measures),
            ("feedback", metrics.feedback_measures))}
        across = metrics.across_programmes(s, site.slack.team_id, now=now)
    assert kinds == ["mentoring", "circles", "feedback"]
    text = json.dumps(programme_stats_message(None, across, days=90, stretched=None, **measures), ensure_ascii=False)
    assert "Peer mentoring" in text and "Peer coaching circles" in text and "Peer feedback" in text
    assert "opted in *6* → placed in a circle *4*" in text
    assert "Response rate (asks answered ÷ asks): *67%*" in text
    assert SECRET not in text and QUESTION not in text


def _steps(site, cookie, table: str) -> list[tuple[str, str]]:
    return [(r["step"], r["count"]) for r in _csv(site.get("/dashboard/programmes", cookie, period="90", format="csv",
                                                           table=table))]


def _csv(reply) -> list[dict]:
    assert reply.status == 200, reply.text[:300]
    return list(csv.DictReader(io.StringIO(reply.text)))
