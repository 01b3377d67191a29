"""Logging in to the dashboard through Slack, and every refusal, over real HTTP."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from peerbot.services import dashboard_access
from peerbot.store.models import DashboardLogin, DashboardSession

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
LINK = re.compile(r"<(http://[^|>]+/dashboard/login\?token=[^|>]+)\|")


class Clock:
    now = NOW


class Browserless:
    """A tiny HTTP client with a cookie jar: enough to walk the login flow."""

    def __init__(self, base: str):
        self.base = urlsplit(base)
        self.cookie: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, cookie: str | None = "jar"):
        connection = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=10)
        headers = {}
        jar = self.cookie if cookie == "jar" else cookie
        if jar:
            headers["Cookie"] = f"peerbot_dashboard={jar}"
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read().decode("utf-8")
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie and set_cookie.startswith("peerbot_dashboard="):
            self.cookie = set_cookie.split(";")[0].split("=", 1)[1] or None
        connection.close()
        return response, data

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, form=form, **kwargs)


@pytest.fixture
def site(http_world):
    world = http_world
    base = world.health_url.rsplit("/healthz", 1)[0]
    world.deps.settings = replace(world.deps.settings, public_url=base)
    clock = Clock()
    world.deps.clock = lambda: clock.now
    return world, Browserless(base), clock


def ask_link(world, user) -> str:
    """Run `/peerbot dashboard` as `user` and return the link from the DM."""
    slack = world.slack
    before = len(slack.dms(user))
    assert slack.command(user, world.general, "/peerbot", "dashboard").acked
    slack.wait_for(lambda: len(slack.dms(user)) > before)
    world.settle()
    match = LINK.search(slack.dms(user)[-1]["text"])
    assert match, slack.dms(user)[-1]
    return match.group(1)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(url: str) -> str:
    return url.split("token=", 1)[1]


def login(browser, link: str):
    response, page = browser.get(path_of(link))
    assert response.status == 200, page
    assert "Open the dashboard" in page
    return browser.post("/dashboard/login", {"token": token_of(link)})


def last_ephemeral(world, user) -> str:
    return json.dumps(world.slack.ephemerals(user=user)[-1])


def test_admin_logs_in_with_a_one_time_link(site):
    world, browser, clock = site
    link = ask_link(world, world.carol)  # carol is a workspace admin
    assert "sent you a login link" in last_ephemeral(world, world.carol)
    # Only the hash of the token is stored.
    with world.deps.db.read() as session:
        stored = session.scalars(select(DashboardLogin)).all()
    assert len(stored) == 1 and token_of(link) not in stored[0].token_hash
    assert stored[0].expires_at - stored[0].created_at == timedelta(minutes=10)

    response, _ = login(browser, link)
    assert response.status == 303 and response.getheader("Location") == "/dashboard"
    cookie_header = response.getheader("Set-Cookie")
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header and "Max-Age=28800" in cookie_header
    assert "Secure" not in cookie_header  # the public URL is http here
    response, page = browser.get("/dashboard")
    assert response.status == 200
    assert "Overview" in page and "Questions asked" in page
    csp = response.getheader("Content-Security-Policy")
    assert "script-src" not in csp and "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Referrer-Policy") == "no-referrer"
    with world.deps.db.read() as session:
        row = session.scalars(select(DashboardSession)).one()
    assert row.user_id == world.carol and row.role == "admin" and browser.cookie not in row.token_hash
    assert row.expires_at - row.created_at == timedelta(hours=8)


def test_secure_cookie_when_the_public_url_is_https(site):
    world, browser, _clock = site
    link = ask_link(world, world.carol)
    world.deps.settings = replace(world.deps.settings, public_url="https://peerbot.example.com")
    response, _ = login(browser, link)
    assert "Secure" in response.getheader("Set-Cookie")


def test_no_cookie_and_forged_cookie_get_a_login_page(site):
    world, browser, _clock = site
    for cookie in (None, "forged-cookie-value"):
        response, page = browser.get("/dashboard/topics", cookie=cookie)
        assert response.status == 401
        assert "Please log in" in page and "/peerbot dashboard" in page and "Traceback" not in page


def test_reused_link_is_refused(site):
    world, browser, _clock = site
    link = ask_link(world, world.carol)
    assert login(browser, link)[0].status == 303
    response, page = browser.post("/dashboard/login", {"token": token_of(link)}, cookie=None)
    assert response.status == 410 and "already used" in page and "/peerbot dashboard" in page
    response, page = browser.get(path_of(link), cookie=None)
    assert response.status == 410 and "already used" in page


def test_expired_link_is_refused(site):
    world, browser, clock = site
    link = ask_link(world, world.carol)
    clock.now = NOW + timedelta(minutes=10, seconds=1)
    response, page = browser.get(path_of(link))
    assert response.status == 410 and "expired" in page and "/peerbot dashboard" in page
    response, page = browser.post("/dashboard/login", {"token": token_of(link)})
    assert response.status == 410 and browser.cookie is None


def test_forged_link_is_refused(site):
    world, browser, _clock = site
    for path in ("/dashboard/login?token=not-a-real-token", "/dashboard/login", "/dashboard/login?token=%00%ff"):
        response, page = browser.get(path)
        assert response.status == 400 and "not valid" in page and "Traceback" not in page


def test_link_from_another_workspace_is_refused(site):
    world, browser, _clock = site
    with world.deps.db.begin() as session:
        token = dashboard_access.issue_link(session, "T0OTHERTEAM", world.carol, "admin", now=NOW)
    response, page = browser.get(f"/dashboard/login?token={token}")
    assert response.status == 403 and "another workspace" in page
    response, page = browser.post("/dashboard/login", {"token": token})
    assert response.status == 403 and browser.cookie is None


def test_expired_session_gets_a_clear_page(site):
    world, browser, clock = site
    assert login(browser, ask_link(world, world.carol))[0].status == 303
    clock.now = NOW + timedelta(hours=8, seconds=1)
    response, page = browser.get("/dashboard")
    assert response.status == 401 and "session has ended" in page


def test_non_admin_is_refused_politely_and_gets_no_link(site):
    world, _browser, _clock = site
    slack = world.slack
    assert slack.command(world.alice, world.general, "/peerbot", "dashboard").acked
    slack.wait_for(lambda: slack.ephemerals(user=world.alice))
    world.settle()
    assert "for workspace admins and owners" in last_ephemeral(world, world.alice)
    assert slack.dms(world.alice) == []


def test_non_admin_cannot_grant(site):
    world, _browser, _clock = site
    slack = world.slack
    slack.command(world.alice, world.general, "/peerbot", "dashboard grant @bob")
    slack.wait_for(lambda: slack.ephemerals(user=world.alice))
    world.settle()
    assert "Only workspace admins and owners" in last_ephemeral(world, world.alice)


def test_granted_member_logs_in_until_the_grant_is_revoked(site):
    world, browser, _clock = site
    slack = world.slack
    slack.command(world.carol, world.general, "/peerbot", "dashboard grant @bob")
    slack.wait_for(lambda: "can now open the dashboard" in json.dumps(slack.ephemerals(user=world.carol)))
    world.settle()
    link = ask_link(world, world.bob)
    assert login(browser, link)[0].status == 303
    assert browser.get("/dashboard/people")[0].status == 200
    # A second link, asked before the revoke, must not work after it either.
    spare = ask_link(world, world.bob)

    slack.command(world.carol, world.general, "/peerbot", f"dashboard revoke <@{world.bob}>")
    slack.wait_for(lambda: "no longer has access" in json.dumps(slack.ephemerals(user=world.carol)))
    world.settle()
    response, page = browser.get("/dashboard")
    assert response.status == 403 and "revoked" in page
    response, page = Browserless(world.health_url.rsplit("/healthz", 1)[0]).get(path_of(spare))
    assert response.status == 403 and "revoked" in page

    before = len(slack.ephemerals(user=world.bob))
    slack.command(world.bob, world.general, "/peerbot", "dashboard")
    slack.wait_for(lambda: len(slack.ephemerals(user=world.bob)) > before)
    world.settle()
    assert "for workspace admins and owners" in last_ephemeral(world, world.bob)


def test_logout_needs_the_csrf_token_and_ends_the_session(site):
    world, browser, _clock = site
    assert login(browser, ask_link(world, world.carol))[0].status == 303
    response, page = browser.get("/dashboard")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    response, _ = browser.post("/dashboard/logout", {"csrf": "forged"})
    assert response.status == 403
    assert browser.get("/dashboard")[0].status == 200  # still logged in
    cookie = browser.cookie
    response, page = browser.post("/dashboard/logout", {"csrf": csrf})
    assert response.status == 200 and "logged out" in page
    response, _ = browser.get("/dashboard", cookie=cookie)  # the old cookie is dead in the database
    assert response.status == 401


def test_without_public_url_the_command_explains_what_to_set(http_world):
    world = http_world
    slack = world.slack
    assert world.deps.settings.public_url is None
    slack.command(world.carol, world.general, "/peerbot", "dashboard")
    slack.wait_for(lambda: slack.ephemerals(user=world.carol))
    world.settle()
    assert "PEERBOT_PUBLIC_URL" in last_ephemeral(world, world.carol)
    assert slack.dms(world.carol) == []


def test_socket_mode_serves_the_dashboard_on_the_http_port(socket_world):
    base = socket_world.health_url.rsplit("/healthz", 1)[0]
    response, page = Browserless(base).get("/dashboard")
    assert response.status == 401 and "Please log in" in page
