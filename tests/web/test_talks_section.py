"""The Programmes page's talks section and `/peerbot stats programmes`: the funnel chart and tables,
their downloads, ratings only as aggregates, comments nowhere.

Now is Wed 4 Mar 2026 12:00 UTC; the period is the last 90 days. s1 proposed a talk on 2 Feb,
accepted on 4 Feb and held on 20 Feb 12:00 (50 minutes) for a1..a6, all Going; a1..a4 said "I'm
here" and rated it 5 5 4 3 (with a comment each); s2's proposal of 10 Feb was declined on 11 Feb."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from peerbot.blocks.stats import programme_stats_message
from peerbot.services import conversations, metrics
from peerbot.store.models import Talk, TalkRating, TalkRsvp

COMMENT = "SECRET-TALK-COMMENT"
FEB = lambda day, hour=10: datetime(2026, 2, day, hour, tzinfo=timezone.utc)  # noqa: E731


@pytest.fixture
def talks(site):
    slack, team, now = site.slack, site.slack.team_id, site.deps.clock()
    carol = slack.add_user("carol", real_name="Carol Admin", is_admin=True)
    u = {name: slack.add_user(name, real_name=name.upper()) for name in ("s1", "s2", "a1", "a2", "a3", "a4", "a5", "a6")}
    with site.deps.db.begin() as s:
        conversations.ensure_workspace(s, team, now)
        for user_id in [carol, *u.values()]:
            conversations.remember_member(s, team, site.deps.client.users_info(user=user_id)["user"], now)
        for tid, speaker, proposed, status, decided, starts in ((1, "s1", FEB(2), "accepted", FEB(4), FEB(20, 12)),
                                                               (2, "s2", FEB(10), "declined", FEB(11), FEB(27, 12))):
            s.add(Talk(id=tid, team_id=team, speaker_id=u[speaker], title="Window functions", abstract="-",
                       format="long", starts_at=starts, minutes=50, place="Room 4", capacity=None,
                       recording_allowed=False, status=status, created_at=proposed, decided_at=decided,
                       decided_by=carol, channel_id="CHOME", card_ts=f"{tid}.0001", token=f"tok{tid}", sequence=0,
                       source_key=f"view{tid}"))
        s.flush()
        for n in range(1, 7):
            came = n <= 4
            s.add(TalkRsvp(team_id=team, talk_id=1, user_id=u[f"a{n}"], answer="going", answered_at=FEB(5),
                           here_at=FEB(20, 12) if came else None))
        for n, rating in zip(range(1, 5), (5, 5, 4, 3)):
            s.add(TalkRating(team_id=team, talk_id=1, user_id=u[f"a{n}"], rating=rating, comment=COMMENT,
                             created_at=FEB(21)))
    return carol, u


def _csv(reply) -> list[dict]:
    assert reply.status == 200, reply.text[:300]
    return list(csv.DictReader(io.StringIO(reply.text)))


def test_the_talks_section_with_its_chart_tables_and_downloads(site, talks):
    carol, u = talks
    cookie = site.login_as(carol)
    page = site.get("/dashboard/programmes", cookie, period="90")
    assert page.status == 200
    assert "Lunch-and-learn talks" in page.text
    assert 'id="programme-talks"' in page.text and 'id="table-talks"' in page.text
    assert 'id="chart-talks_funnel"' in page.text and 'id="chart-talk_rsvps"' in page.text
    assert COMMENT not in page.text
    for name in ("talks_funnel", "talks", "talk_rsvps"):
        reply = site.get("/dashboard/programmes", cookie, period="90", format="csv", table=name)
        assert COMMENT not in reply.text
    steps = [(r["step"], r["count"]) for r in _csv(site.get("/dashboard/programmes", cookie, period="90",
                                                            format="csv", table="talks_funnel"))]
    assert steps == [("Proposed", "<5"), ("Accepted", "<5"), ("Held", "<5")]  # two speakers
    table = json.loads(site.get("/dashboard/programmes", cookie, period="90", format="json", table="talks").body)
    values = {row["figure"]: row["value"] for row in table["rows"]}
    assert values["Show-up (“I'm here” ÷ Going)"] == round(4 / 6, 3)  # six people Going
    assert values["Rating (mean of 1–5)"] == "<5"  # four raters: never shown


def test_stats_programmes_shows_the_talks(site, talks):
    now = site.deps.clock()
    with site.deps.db.read() as s:
        assert metrics.running(s, site.slack.team_id) == ["talks"]
        measures = metrics.talk_measures(s, site.slack.team_id, since=now - timedelta(days=90), until=now)
        across = metrics.across_programmes(s, site.slack.team_id, now=now)
    text = json.dumps(programme_stats_message(None, across, days=90, stretched=None, talks=measures),
                      ensure_ascii=False)
    assert "Lunch-and-learn talks" in text
    assert "Going per talk held (mean): *6.0*" in text
    assert "Show-up (“I'm here” ÷ Going): *67%*" in text
    assert "Rating (mean of 1–5): *&lt;5*" in text
    assert COMMENT not in text
