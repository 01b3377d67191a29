"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright.

An admin gets a login link by DM in the sandbox, opens it, sees the overview
with its charts, switches the period, downloads a CSV and checks its rows
against the database, and leaves a screenshot (PEERBOT_SCREENSHOT_DIR, else a
temporary directory). In CI (CI=true) a missing Chromium fails the test: it
never skips silently there."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from peerbot.services import conversations
from peerbot.store.models import PUBLIC, Answer, Question

CHROMIUM = os.environ.get("PEERBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--no-proxy-server"]
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)  # a Wednesday
LINK = re.compile(r"<(http://[^|>]+/dashboard/login\?token=[^|>]+)\|")


def _browser_or_fail():
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "the playwright package is missing (pip install -e '.[test]')"
        sync_playwright = None
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser test cannot run in CI: {problem}")
        pytest.skip(problem)
    return sync_playwright


def seed(world) -> None:
    """Six weeks of questions in #general from eight people: askers, answerers, acceptances."""
    slack, team = world.slack, world.slack.team_id
    people = [world.alice, world.bob, world.carol] + [slack.add_user(n) for n in ("dave", "erin", "frank", "gina", "hugo")]
    with world.deps.db.begin() as session:
        conversations.remember(session, team, world.general, name="general", privacy=PUBLIC, now=NOW)
        for user in people:
            conversations.remember_member(session, team, world.deps.client.users_info(user=user)["user"], now=NOW)
        n = 0
        for week in range(6):
            for k in range(week + 3):  # 3, 4, 5, ... questions per week
                n += 1
                asked = NOW - timedelta(days=7 * week + 1, hours=k)
                asker, helper = people[n % 8], people[(n + 3) % 8]
                q = Question(team_id=team, channel_id=world.general, message_ts=f"1700000{n:03d}.000100",
                             asker_id=asker, text=f"Question number {n}?", status="open", created_at=asked)
                session.add(q)
                session.flush()
                if k % 3 != 2:  # two in three get an answer three hours later
                    accepted = asked + timedelta(hours=5) if k % 3 == 0 else None
                    session.add(Answer(question_id=q.id, team_id=team, channel_id=world.general,
                                       message_ts=f"1700000{n:03d}.000200", author_id=helper, text="An answer",
                                       created_at=asked + timedelta(hours=3), accepted_at=accepted))
                    q.status = "answered" if accepted else "open"


def test_admin_logs_in_and_reads_the_dashboard_in_chromium(http_world, tmp_path):
    sync_playwright = _browser_or_fail()
    world = http_world
    base = world.health_url.rsplit("/healthz", 1)[0]
    world.deps.settings = replace(world.deps.settings, public_url=base)
    world.deps.clock = lambda: NOW
    seed(world)

    slack = world.slack
    slack.command(world.carol, world.general, "/peerbot", "dashboard")
    slack.wait_for(lambda: slack.dms(world.carol))
    world.settle()
    link = LINK.search(slack.dms(world.carol)[-1]["text"]).group(1)

    shots = Path(os.environ.get("PEERBOT_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900},
                                          java_script_enabled=False)
            page = context.new_page()
            page.goto(link)
            page.get_by_role("button", name="Open the dashboard").click()
            page.wait_for_url(f"{base}/dashboard")
            assert page.get_by_role("heading", name="Overview").is_visible()
            assert page.locator("svg.chart").count() == 9
            assert page.locator("svg.chart rect.bar").count() > 0
            summary = page.locator("#table-summary")
            assert "Questions asked" in summary.inner_text()
            page.screenshot(path=str(shots / "dashboard-overview.png"), full_page=True)

            # Switch to the last 7 days: only last week's 3 questions remain.
            page.get_by_label("Last 7 days").check()
            page.get_by_role("button", name="Show").click()
            page.wait_for_url(re.compile(r".*period=7.*"))
            # Last week: 3 questions (people 1, 2, 3 asked; 4 and 5 answered two of them: 5 people).
            asked_row = page.locator("#table-summary tr", has_text="Questions asked")
            assert asked_row.locator("td").nth(1).inner_text() == "3"
            answered_row = page.locator("#table-summary tr", has_text="Share answered")
            assert answered_row.locator("td").nth(1).inner_text() == "67%"

            # Back to 90 days; download the weekly table as CSV.
            page.get_by_label("Last 90 days").check()
            page.get_by_role("button", name="Show").click()
            page.wait_for_url(re.compile(r".*period=90.*"))
            with page.expect_download() as download_info:
                page.locator("#table-weekly").get_by_role("link", name="CSV").click()
            path = tmp_path / "weekly.csv"
            download_info.value.save_as(path)
        finally:
            browser.close()

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows and list(rows[0])[:3] == ["week_start", "asked", "answered"]
    with world.deps.db.read() as session:
        created = session.scalars(select(Question.created_at)).all()
    by_week: dict[str, int] = {}
    for moment in created:
        monday = (moment.date() - timedelta(days=moment.weekday())).isoformat()
        by_week[monday] = by_week.get(monday, 0) + 1
    from_csv = {row["week_start"]: row["asked"] for row in rows if row["asked"] not in ("0", "")}
    # Weeks with fewer than 5 people show "<5"; every other week matches the database exactly.
    for week, asked in from_csv.items():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", week)
        assert asked == "<5" or int(asked) == by_week[week], (week, asked, by_week)
    assert sum(int(a) for a in from_csv.values() if a != "<5") >= 5
    assert sum(1 for a in from_csv.values() if a != "<5") >= 3
    assert (shots / "dashboard-overview.png").stat().st_size > 10_000
