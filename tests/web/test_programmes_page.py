"""The Programmes page: a section for each programme the workspace has, its funnel and tables with
their CSV and JSON twins, the small-group rule, and the burnout watch list for admins only.

Five hires start on the Mondays 2 Feb to 2 Mar 2026, each enrolled on 20 Jan and given a buddy on
26 Jan (before day 1). The hires of 2 and 9 Feb report a meeting two days in. Buddy b1 is also an
active mentor. Two people rate their day-30 check-in, one with a comment."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from peerbot.services import conversations, dashboard_access
from peerbot.store.models import BuddyPairing, CheckIn, ProgrammeMember

from conftest import NOW

COMMENT = "SECRET-CHECKIN-COMMENT"


@pytest.fixture
def programme(site):
    slack, team = site.slack, site.slack.team_id
    carol = slack.add_user("carol", real_name="Carol Admin", is_admin=True)
    dana = slack.add_user("dana", real_name="Dana Granted")
    hires = [slack.add_user(f"hire{n}", real_name=f"Hire {n}") for n in range(1, 6)]
    buddies = [slack.add_user(f"buddy{n}", real_name=f"Buddy {n}") for n in range(1, 6)]
    with site.deps.db.begin() as s:
        conversations.ensure_workspace(s, team, NOW)
        for user_id in [carol, dana, *hires, *buddies]:
            conversations.remember_member(s, team, site.deps.client.users_info(user=user_id)["user"], NOW)
        for n, (hire, buddy) in enumerate(zip(hires, buddies)):
            start = date(2026, 2, 2) + timedelta(weeks=n)
            pairing = BuddyPairing(team_id=team, hire_id=hire, enrolled_by=carol, start_date=start.isoformat(),
                                   tz="UTC", buddy_id=buddy, status="open", suggestions="[]",
                                   created_at=datetime(2026, 1, 20, 10, tzinfo=timezone.utc),
                                   assigned_at=datetime(2026, 1, 26, 10, tzinfo=timezone.utc), assigned_how="picked")
            s.add(pairing)
            s.add(ProgrammeMember(team_id=team, kind="buddies", user_id=hire, role="hire", status="active",
                                  joined_at=NOW - timedelta(days=60)))
            s.add(ProgrammeMember(team_id=team, kind="buddies", user_id=buddy, role="buddy", status="active",
                                  joined_at=NOW - timedelta(days=60)))
            s.flush()
            met = datetime.combine(start + timedelta(days=2), datetime.min.time(), timezone.utc) + timedelta(hours=11)
            if n < 2:
                s.add(CheckIn(team_id=team, kind="buddies", subject_id=pairing.id, user_id=hire, step="first-chat",
                              due_date=start.isoformat(), asked_at=met, answer="met", answered_at=met, met_at=met))
            if n < 2:  # day-30 check-ins of the first two hires, rated
                asked = datetime.combine(start + timedelta(days=30), datetime.min.time(), timezone.utc)
                s.add(CheckIn(team_id=team, kind="buddies", subject_id=pairing.id, user_id=hire, step="d30",
                              due_date=(start + timedelta(days=30)).isoformat(), asked_at=asked, answer="met",
                              answered_at=asked, met_at=asked, rating=5 - n, comment=COMMENT if n == 0 else None,
                              channel_id="D1", message_ts=f"{n}.30"))
        s.add(ProgrammeMember(team_id=team, kind="mentoring", user_id=buddies[0], role="mentor", status="active",
                              joined_at=NOW - timedelta(days=10)))
    return carol, dana, hires, buddies


def test_the_buddy_section_and_its_downloads(site, programme):
    carol, _dana, _hires, buddies = programme
    cookie = site.login_as(carol)
    page = site.get("/dashboard/programmes", cookie, period="90")
    assert page.status == 200
    assert "Onboarding buddies" in page.text and 'class="chart funnel"' in page.text
    assert "No programme is running yet" not in page.text
    funnel = _csv(site.get("/dashboard/programmes", cookie, period="90", format="csv", table="buddy_funnel"))
    assert [(r["step"], r["count"]) for r in funnel] == [("Hires started", "5"), ("Buddy by day 1", "5"),
                                                           ("Met within 7 days", "2")]
    figures = json.loads(site.get("/dashboard/programmes", cookie, period="90", format="json", table="buddies").body)
    values = {row["figure"]: row["value"] for row in figures["rows"]}
    assert values["Coverage (buddy by the first day ÷ hires started)"] == 1.0
    assert values["Median business days from enrolment to a buddy"] == 4  # Wed 21 to Mon 26 Jan
    # Two people rated: neither the ratings nor the comment are shown.
    assert values["Usefulness at days 30 and 90 (mean of 1–5)"] == "<5"
    assert COMMENT not in page.text
    stretched = _csv(site.get("/dashboard/programmes", cookie, period="90", format="csv", table="two_roles"))
    assert [(r["user_id"], r["roles"]) for r in stretched] == [(buddies[0], "buddy, mentor")]
    reach = _csv(site.get("/dashboard/programmes", cookie, period="90", format="csv", table="programmes_reach"))
    assert reach[0]["value"] == str(round(10 / 12, 3))  # hires and buddies, of 12 members


def test_the_watch_list_is_for_admins_only(site, programme):
    _carol, dana, *_ = programme
    with site.deps.db.begin() as s:
        dashboard_access.grant(s, site.slack.team_id, dana, by="someone", now=NOW)
    cookie = site.login_as(dana, role="granted")
    page = site.get("/dashboard/programmes", cookie, period="90")
    assert page.status == 200 and "Onboarding buddies" in page.text
    assert "Helpers in two or more roles" not in page.text
    assert site.get("/dashboard/programmes", cookie, period="90", format="csv", table="two_roles").status == 404


def test_a_short_period_hides_small_groups(site, programme):
    carol, *_ = programme
    funnel = _csv(site.get("/dashboard/programmes", site.login_as(carol), period="7", format="csv",
                           table="buddy_funnel"))
    assert [r["count"] for r in funnel] == ["<5", "<5", "<5"]  # one hire started in the last 7 days


def _csv(reply) -> list[dict]:
    assert reply.status == 200, reply.text[:300]
    return list(csv.DictReader(io.StringIO(reply.text)))
