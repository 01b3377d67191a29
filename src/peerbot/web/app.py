"""The L&D dashboard under /dashboard: a small WSGI app beside /slack/events.

It is a second front door to the same services: every figure comes from the
metrics service (services/metrics/), every login decision from
services/dashboard_access.py.
Pages are Jinja2 templates (autoescaped) with SVG charts; no script, no CDN.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from http.cookies import SimpleCookie
from importlib import resources
from time import monotonic as time_now
from typing import Callable, Iterable
from urllib.parse import parse_qs, unquote, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from slack_sdk.errors import SlackApiError

from peerbot.deps import Deps
from peerbot.services import dashboard_access as access
from peerbot.services import metrics
from peerbot.services.metrics import HIDDEN, guarded
from peerbot.slack_api import privacy_of
from peerbot.store.models import PUBLIC
from peerbot.web import programmes as programme_pages
from peerbot.web.charts import Point, bar_chart
from peerbot.web.tables import Column, Table, csv_stream, display, json_body

logger = logging.getLogger("peerbot")

PREFIX = "/dashboard"
COOKIE = "peerbot_dashboard"
PERIODS = ("7", "30", "90")
MAX_CUSTOM_DAYS = 366
MAX_FORM_BYTES = 10_000
MEMBERSHIP_TTL = 300.0  # seconds a conversations.members answer is reused for a (viewer, channel)
MEMBERSHIP_CACHE_SIZE = 10_000
MEMBERS_PAGE = 1000  # conversations.members page size (Slack's maximum)
MEMBERS_MAX_PAGES = 10  # up to 10,000 members looked through per channel
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
]
REFUSALS = {
    # reason: (status, title, explanation)
    "unknown": (400, "This login link is not valid",
                "The link is incomplete or was not made by peerbot."),
    "used": (410, "This login link was already used", "Each link works once."),
    "expired": (410, "This login link has expired", "Links work for 10 minutes."),
    "other_workspace": (403, "This link is for another workspace",
                        "It was made in a different Slack workspace than the one this peerbot serves."),
    "revoked": (403, "Your dashboard access was revoked", "An admin removed your access to the dashboard."),
    "no_session": (401, "Please log in", "The dashboard opens with a one-time link from Slack."),
    "session_expired": (401, "Your session has ended", "Sessions last 8 hours."),
}
NEW_LINK = "Type /peerbot dashboard in Slack to get a new login link."


@dataclass
class Request:
    method: str
    path: str  # below /dashboard, "" or "/topics" ...
    query: dict[str, str]
    form: dict[str, str]
    cookie: str | None

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)


@dataclass
class Response:
    status: int
    body: bytes | Iterable[bytes]
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] | None = None


@dataclass(frozen=True)
class Filters:
    period: str  # 7 | 30 | 90 | custom
    since: datetime
    until: datetime
    start: date  # first and last local day shown (for the custom form)
    end: date
    channel: str | None
    error: str | None = None

    def params(self, **extra: str) -> dict[str, str]:
        params = {"period": self.period}
        if self.period == "custom":
            params.update({"from": self.start.isoformat(), "to": self.end.isoformat()})
        if self.channel:
            params["channel"] = self.channel
        params.update(extra)
        return params

    def as_dict(self) -> dict:
        return {"period": self.period, "since": self.since.isoformat(), "until": self.until.isoformat(),
                "channel": self.channel}


@dataclass
class Visibility:
    """What this viewer may see named: public channels, and private channels they are in."""

    privacy: dict[str, str]
    names: dict[str, str]
    member_of: set[str]

    @property
    def public(self) -> set[str]:
        return {c for c, p in self.privacy.items() if p == PUBLIC}

    @property
    def nameable(self) -> set[str]:
        return self.public | self.member_of


def parse_filters(query: dict[str, str], *, now: datetime, tz: str) -> Filters:
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    channel = query.get("channel") or None
    period = query.get("period") or "30"
    error = None
    if period == "custom":
        try:
            start = date.fromisoformat(query.get("from", ""))
            end = date.fromisoformat(query.get("to", ""))
            if end < start:
                raise ValueError("the end is before the start")
            if (end - start).days >= MAX_CUSTOM_DAYS:
                raise ValueError(f"at most {MAX_CUSTOM_DAYS} days")
            since = datetime.combine(start, time(0), tzinfo=zone).astimezone(timezone.utc)
            until = min(now, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc))
            if since > now:
                raise ValueError("the period is in the future")
            return Filters("custom", since, until, start, end, channel)
        except ValueError as problem:
            error = f"That custom period can't be used ({problem}); showing the last 30 days."
            period = "30"
    if period not in PERIODS:
        error, period = "Unknown period; showing the last 30 days.", "30"
    since = now - timedelta(days=int(period))
    return Filters(period, since, now, since.astimezone(zone).date(), today, channel, error)


class Dashboard:
    """The WSGI app for everything under /dashboard."""

    def __init__(self, deps: Deps):
        self.deps = deps
        self.env = Environment(loader=PackageLoader("peerbot.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters["cell"] = display
        self._team_id: str | None = None
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._members: dict[tuple[str, str], tuple[bool, float]] = {}  # (viewer, channel) → (member?, until)

    # ---- plumbing -------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            response = self.handle(self._request(environ))
        except Exception:
            logger.exception("dashboard request failed: %s", environ.get("PATH_INFO"))
            response = self.page(500, "message.html", title="Something went wrong",
                                 text="The dashboard could not show this page. It has been logged; please try again.")
        headers = [("Content-Type", response.content_type), *SECURITY_HEADERS, *(response.headers or [])]
        reason = {200: "OK", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  404: "Not Found", 405: "Method Not Allowed", 410: "Gone", 413: "Payload Too Large",
                  500: "Internal Server Error", 503: "Service Unavailable"}.get(response.status, "OK")
        body = response.body
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
            body = [body]
        start_response(f"{response.status} {reason}", headers)
        return body

    def _request(self, environ: dict) -> Request:
        path = environ.get("PATH_INFO", "")[len(PREFIX):].rstrip("/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        form: dict[str, str] = {}
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length <= MAX_FORM_BYTES:
                raw = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        cookies = SimpleCookie()
        try:
            cookies.load(environ.get("HTTP_COOKIE", ""))
        except Exception:  # a malformed Cookie header is the same as none
            cookies = SimpleCookie()
        cookie = cookies[COOKIE].value if COOKIE in cookies else None
        return Request(method, path, query, form, cookie)

    @property
    def secure(self) -> bool:
        return (self.deps.settings.public_url or "").startswith("https://")

    def team_id(self) -> str:
        """The workspace this peerbot serves (auth.test, asked once)."""
        with self._lock:
            if self._team_id is None:
                self._team_id = self.deps.client.auth_test()["team_id"]
            return self._team_id

    def page(self, status: int, template: str, **context) -> Response:
        html = self.env.get_template(template).render(prefix=PREFIX, **context)
        return Response(status, html.encode("utf-8"))

    def refusal(self, reason: str) -> Response:
        status, title, why = REFUSALS[reason]
        return self.page(status, "message.html", title=title, text=why, hint=NEW_LINK)

    # ---- routing --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == "/static/dashboard.css" and request.method in ("GET", "HEAD"):
            css = resources.files("peerbot.web").joinpath("static/dashboard.css").read_bytes()
            return Response(200, css, "text/css; charset=utf-8")
        if request.path == "/login":
            return self.login(request)
        if request.path == "/logout" and request.method == "POST":
            return self.logout(request)
        if request.method not in ("GET", "HEAD"):
            return self.page(405, "message.html", title="Not allowed", text="This address only shows pages.")
        try:
            with self.deps.db.read() as session:
                viewer = access.viewer(session, request.cookie, team_id=self.team_id(), now=self.deps.clock())
        except access.LoginRefused as refused:
            return self.refusal("session_expired" if refused.reason == "expired" else refused.reason)
        pages = {"": self.overview, "/topics": self.topics, "/people": self.people, "/channels": self.channels,
                 "/programmes": self.programmes}
        if request.path in pages:
            return pages[request.path](request, viewer)
        if request.path.startswith("/topics/"):
            return self.topic(request, viewer, request.path[len("/topics/"):])
        return self.page(404, "message.html", title="Page not found", text="There is no such dashboard page.")

    # ---- login ----------------------------------------------------------------------------------

    def login(self, request: Request) -> Response:
        now = self.deps.clock()
        if request.method == "GET":
            # Looking at the link does not use it (link previews must not burn it): a button does.
            token = request.arg("token")
            try:
                with self.deps.db.read() as session:
                    access.check_link(session, token, team_id=self.team_id(), now=now)
            except access.LoginRefused as refused:
                return self.refusal(refused.reason)
            return self.page(200, "login.html", token=token)
        if request.method != "POST":
            return self.page(405, "message.html", title="Not allowed", text="Use the link from Slack.")
        try:
            with self.deps.db.begin() as session:
                cookie, _viewer = access.redeem_link(session, request.form.get("token", ""), team_id=self.team_id(),
                                                     now=now)
        except access.LoginRefused as refused:
            return self.refusal(refused.reason)
        seconds = int(access.SESSION_TTL.total_seconds())
        flags = "; Secure" if self.secure else ""
        return Response(303, b"", headers=[
            ("Location", PREFIX),
            ("Set-Cookie", f"{COOKIE}={cookie}; Path={PREFIX}; Max-Age={seconds}; HttpOnly; SameSite=Lax{flags}"),
        ])

    def logout(self, request: Request) -> Response:
        if not access.csrf_ok(request.cookie, request.form.get("csrf")):
            return self.page(403, "message.html", title="That form has expired",
                             text="Reload the dashboard and try again.")
        with self.deps.db.begin() as session:
            access.end_session(session, request.cookie)
        flags = "; Secure" if self.secure else ""
        response = self.page(200, "message.html", title="You are logged out",
                             text="Your dashboard session has ended.", hint=NEW_LINK)
        response.headers = [("Set-Cookie", f"{COOKIE}=; Path={PREFIX}; Max-Age=0; HttpOnly; SameSite=Lax{flags}")]
        return response

    # ---- what the viewer may see ---------------------------------------------------------------

    def visibility(self, session_rows: list[metrics.ChannelRow], viewer: access.Viewer) -> Visibility:
        client, db, now = self.deps.client, self.deps.db, self.deps.clock()
        privacy, names = {}, {}
        for row in session_rows:
            value = row.privacy
            if value is None and row.channel_id is not None:
                try:
                    value = privacy_of(client, db, viewer.team_id, row.channel_id, now)
                except SlackApiError:
                    value = "unknown"
            privacy[row.channel_id] = value
            names[row.channel_id] = row.name
        with db.read() as session:  # names as conversations.info gave them, just now or earlier
            for channel_id, (name, kind) in metrics.known_conversations(session, viewer.team_id).items():
                privacy.setdefault(channel_id, kind)
                names[channel_id] = name or names.get(channel_id) or channel_id
        member_of = {c for c, p in privacy.items() if p not in (PUBLIC, "unknown") and self._is_member(c, viewer.user_id)}
        return Visibility(privacy, names, member_of)

    def _is_member(self, channel_id: str, user_id: str) -> bool:
        """conversations.members (the bot must be in the channel to ask); on any error: not shown.
        Answers are remembered for MEMBERSHIP_TTL per (viewer, channel), errors are not."""
        now = time_now()
        key = (user_id, channel_id)
        with self._lock:
            cached = self._members.get(key)
            if cached is not None and cached[1] > now:
                return cached[0]
        cursor = None
        found = False
        try:
            for _ in range(MEMBERS_MAX_PAGES):
                page = self.deps.client.conversations_members(channel=channel_id, limit=MEMBERS_PAGE,
                                                              **({"cursor": cursor} if cursor else {}))
                if user_id in page.get("members", []):
                    found = True
                    break
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError:
            return False
        with self._lock:
            if len(self._members) >= MEMBERSHIP_CACHE_SIZE:
                self._members = {k: v for k, v in self._members.items() if v[1] > now}
                if len(self._members) >= MEMBERSHIP_CACHE_SIZE:
                    self._members.clear()
            self._members[key] = (found, now + MEMBERSHIP_TTL)
        return found

    def viewer_name(self, viewer: access.Viewer) -> str:
        if viewer.user_id not in self._names:
            try:
                user = self.deps.client.users_info(user=viewer.user_id)["user"]
                self._names[viewer.user_id] = user.get("real_name") or user.get("name") or viewer.user_id
            except SlackApiError:
                return viewer.user_id
        return self._names[viewer.user_id]

    def _context(self, request: Request, viewer: access.Viewer, page: str):
        """Filters, visibility and the frame every page shares."""
        now, tz = self.deps.clock(), self.deps.settings.timezone
        filters = parse_filters(request.query, now=now, tz=tz)
        with self.deps.db.read() as session:
            # Every page needs the period's channels for its filter; only the Channels page shows
            # their figures, so only it counts them (once).
            if page == "channels":
                rows = metrics.channels_table(session, viewer.team_id, since=filters.since, until=filters.until)
            else:
                rows = metrics.active_channels(session, viewer.team_id, since=filters.since, until=filters.until)
        seen = self.visibility(rows, viewer)
        if filters.channel and filters.channel not in seen.nameable:
            filters = Filters(filters.period, filters.since, filters.until, filters.start, filters.end, None,
                              "That channel can't be shown here; showing all channels.")
        options = sorted(((c, seen.names.get(c, c)) for c in seen.nameable), key=lambda x: x[1])
        frame = dict(page=page, filters=filters, channel_options=options, viewer=self.viewer_name(viewer),
                     csrf=access.csrf_token(request.cookie or ""), periods=PERIODS, tz=tz,
                     query=lambda **extra: urlencode(filters.params(**extra)))
        return filters, rows, seen, frame

    def render(self, request: Request, filters: Filters, tables: list[Table], template: str, frame: dict,
               **context) -> Response:
        fmt = request.arg("format")
        if fmt in ("csv", "json"):
            wanted = request.arg("table") or (tables[0].name if tables else "")
            table = next((t for t in tables if t.name == wanted), None)
            if table is None:
                return self.page(404, "message.html", title="No such table", text=f"This page has no table {wanted!r}.")
            stem = f"peerbot-{table.name}-{filters.start.isoformat()}-{filters.end.isoformat()}"
            if fmt == "csv":
                return Response(200, csv_stream(table), "text/csv; charset=utf-8",
                                [("Content-Disposition", f'attachment; filename="{stem}.csv"')])
            return Response(200, json_body(table, filters.as_dict()), "application/json",
                            [("Content-Disposition", f'inline; filename="{stem}.json"')])
        return self.page(200, template, tables={t.name: t for t in tables}, **frame, **context)

    # ---- pages ----------------------------------------------------------------------------------

    def overview(self, request: Request, viewer: access.Viewer) -> Response:
        filters, _rows, _seen, frame = self._context(request, viewer, "overview")
        with self.deps.db.read() as session:
            report = metrics.overview(session, viewer.team_id, since=filters.since, until=filters.until,
                                      tz=self.deps.settings.timezone,
                                      channels=[filters.channel] if filters.channel else None)
        summary = Table("summary", "This period", [Column("figure", "Figure", "text"), Column("value", "Value", "auto")],
                        [dict(key=key, figure=label, value=value, unit=unit)
                         for key, label, unit, value in _figures(report.total)])
        weekly = Table("weekly", "Week by week", [Column("week_start", "Week of", "date")] + [
            Column(key, label, unit) for key, label, unit, _ in _figures(report.total)],
            [dict(week_start=week.start, **{key: value for key, _, _, value in _figures(week.overview)})
             for week in report.weeks])
        charts = []
        for key, label, unit, _ in _figures(report.total):
            if key in CHARTED:
                points = [Point(row["week_start"].isoformat(), row[key]) for row in weekly.rows]
                charts.append(dict(key=key, title=label, unit=unit, svg=bar_chart(label, points, unit=unit),
                                   rows=[(p.label, p.value) for p in points]))
        return self.render(request, filters, [summary, weekly], "overview.html", frame, charts=charts)

    def topics(self, request: Request, viewer: access.Viewer) -> Response:
        filters, _rows, seen, frame = self._context(request, viewer, "topics")
        with self.deps.db.read() as session:
            rows = metrics.topics_table(session, viewer.team_id, since=filters.since, until=filters.until,
                                        nameable_channels=seen.nameable,
                                        channels=[filters.channel] if filters.channel else None)
        table = Table("topics", "Demand and supply by topic", [
            Column("topic", "Topic", "topic"), Column("questions", "Questions"), Column("unanswered", "Unanswered"),
            Column("failed_searches", "Searches with no result"), Column("declared_experts", "Declared experts"),
            Column("earned_experts", "Earned experts"), Column("items", "Saved items"), Column("gap", "Gap", "text")],
            [dict(topic=r.topic or "(topics of private conversations)", named=r.topic is not None,
                  questions=guarded(r.questions, r.people), unanswered=guarded(r.unanswered, r.people),
                  failed_searches=guarded(r.failed_searches, r.people), declared_experts=r.declared_experts,
                  earned_experts=r.earned_experts, items=r.items, gap="gap" if r.gap else "")
             for r in rows],
            note="A gap: two or more questions or empty searches, and at most one expert. Demand from fewer "
                 "than 5 people shows as <5.")
        return self.render(request, filters, [table], "topics.html", frame)

    def topic(self, request: Request, viewer: access.Viewer, name: str) -> Response:
        name = unquote(name)
        filters, _rows, seen, frame = self._context(request, viewer, "topics")
        with self.deps.db.read() as session:
            found = metrics.topic_page(session, viewer.team_id, name, public_channels=seen.public,
                                       nameable_channels=seen.nameable, now=self.deps.clock())
            names = metrics.display_names(session, viewer.team_id, [e.user_id for e in found.experts]) if found else {}
        if found is None:
            return self.page(404, "message.html", title="No such topic", text="There is no topic by that name to show.")
        questions = Table("open_questions", "Open questions (public channels)", [
            Column("asked_at", "Asked", "datetime"), Column("channel", "Channel", "text"),
            Column("question", "Question", "text"), Column("votes", "Also asking")],
            [dict(asked_at=q.created_at, channel="#" + seen.names.get(q.channel_id, q.channel_id),
                  question=q.text, votes=q.votes) for q in found.open_questions],
            empty="No open questions in public channels.")
        experts = Table("experts", "Experts", [
            Column("name", "Name", "user"), Column("user_id", "User id", "text"), Column("declared", "Declared", "text"),
            Column("earned", "Earned points"), Column("away", "Away", "text")],
            [dict(name=names.get(e.user_id, e.user_id), user_id=e.user_id, declared="yes" if e.declared else "no",
                  earned=e.earned, away="away" if e.away else "") for e in found.experts],
            empty="Nobody knows this topic yet.")
        return self.render(request, filters, [questions, experts], "topic.html", frame, topic=found.topic)

    def people(self, request: Request, viewer: access.Viewer) -> Response:
        filters, _rows, seen, frame = self._context(request, viewer, "people")
        public = seen.public & {filters.channel} if filters.channel else seen.public
        now = self.deps.clock()
        with self.deps.db.read() as session:
            helpers = metrics.top_helpers(session, viewer.team_id, since=filters.since, until=filters.until,
                                          public_channels=public)
            fresh = metrics.new_experts(session, viewer.team_id, since=filters.since, until=filters.until)
            load = metrics.expert_load(session, viewer.team_id, since=filters.since, until=filters.until,
                                       public_channels=public, now=now)
            names = metrics.display_names(session, viewer.team_id,
                                          [h.user_id for h in helpers] + [e.user_id for e in fresh] +
                                          [x.user_id for x in load])
        tables = [
            Table("helpers", "Top helpers", [Column("name", "Name", "user"), Column("user_id", "User id", "text"),
                                             Column("accepted", "Accepted answers"),
                                             Column("bookmarked", "Bookmarks by others"),
                                             Column("answers", "Answers")],
                  [dict(name=names[h.user_id], user_id=h.user_id, accepted=h.accepted, bookmarked=h.bookmarked,
                        answers=h.answers) for h in helpers],
                  note="Public help only: answers in public channels and bookmarks of public messages."),
            Table("new_experts", "New experts", [Column("name", "Name", "user"), Column("user_id", "User id", "text"),
                                                 Column("topics", "Topics declared", "text"),
                                                 Column("since", "First declared", "datetime")],
                  [dict(name=names[e.user_id], user_id=e.user_id, topics=", ".join(e.topics), since=e.since)
                   for e in fresh]),
            Table("load", "Expert load", [Column("name", "Name", "user"), Column("user_id", "User id", "text"),
                                          Column("routed", "Questions routed"), Column("answered", "Of those answered"),
                                          Column("away", "Away now", "text")],
                  [dict(name=names[x.user_id], user_id=x.user_id, routed=x.routed, answered=x.answered,
                        away="away" if x.away else "") for x in load],
                  note="Questions routed from public channels."),
        ]
        return self.render(request, filters, tables, "people.html", frame)

    def channels(self, request: Request, viewer: access.Viewer) -> Response:
        filters, rows, seen, frame = self._context(request, viewer, "channels")
        # privacy as visibility() resolved it when the cache did not know it yet
        rows = [replace(row, privacy=seen.privacy.get(row.channel_id, row.privacy)) for row in rows]
        merged = metrics.merge_private(rows, shown=seen.member_of)
        table = Table("channels", "Activity per channel", [
            Column("channel", "Channel", "text"), Column("privacy", "Kind", "text"), Column("asked", "Questions"),
            Column("answered", "Answered"), Column("accepted", "Accepted"), Column("unanswered", "Unanswered"),
            Column("items", "Items saved"), Column("searches", "Searches")],
            [dict(channel=("#" + seen.names.get(r.channel_id, r.name)) if r.channel_id else r.name,
                  privacy=r.privacy or "private", **{k: guarded(getattr(r, k), len(r.people)) for k in (
                      "asked", "answered", "accepted", "unanswered", "items", "searches")})
             for r in merged],
            note="Private channels are named only for their members; all others are counted together.")
        return self.render(request, filters, [table], "channels.html", frame)

    def programmes(self, request: Request, viewer: access.Viewer) -> Response:
        filters, _rows, _seen, frame = self._context(request, viewer, "programmes")
        with self.deps.db.read() as session:
            kinds = metrics.running(session, viewer.team_id)
            sections = [programme_pages.SECTIONS[kind](session, viewer.team_id, since=filters.since,
                                                       until=filters.until, tz=self.deps.settings.timezone)
                        for kind in kinds if kind in programme_pages.SECTIONS]
            across = programme_pages.across_tables(session, viewer.team_id, now=filters.until,
                                                   admin=viewer.role in (access.OWNER, access.ADMIN)) if kinds else []
        tables = [t for section in sections for t in section.tables] + across
        return self.render(request, filters, tables, "programmes.html", frame, sections=sections, across=across)


# The overview's figures: key, label, unit, value (hidden when fewer than 5 people are behind it).
CHARTED = {"asked", "answered_share", "accepted_share", "first_answer_working_hours", "accepted_working_hours",
           "unanswered", "items_saved", "searches", "found_share"}


def _figures(o: metrics.Overview) -> list[tuple[str, str, str, object]]:
    q, i, s = o.question_people, o.item_people, o.search_people
    return [
        ("asked", "Questions asked", "int", guarded(o.asked, q)),
        ("answered", "Questions answered", "int", guarded(o.answered, q)),
        ("answered_share", "Share answered", "share", guarded(o.answered_share, q)),
        ("accepted", "Questions with an accepted answer", "int", guarded(o.accepted, q)),
        ("accepted_share", "Share accepted", "share", guarded(o.accepted_share, q)),
        ("first_answer_working_hours", "Median time to first answer (working hours)", "hours",
         guarded(o.first_answer_working_hours, q)),
        ("first_answer_hours", "Median time to first answer (calendar hours)", "hours", guarded(o.first_answer_hours, q)),
        ("accepted_working_hours", "Median time to accepted answer (working hours)", "hours",
         guarded(o.accepted_working_hours, q)),
        ("accepted_hours", "Median time to accepted answer (calendar hours)", "hours", guarded(o.accepted_hours, q)),
        ("unanswered", "Unanswered now", "int", guarded(o.unanswered, q)),
        ("items_saved", "Knowledge items saved", "int", guarded(o.items_saved, i)),
        ("searches", "/kb searches", "int", guarded(o.searches, s)),
        ("found_share", "Share of searches that found something", "share", guarded(o.found_share, s)),
    ]


def build_dashboard(deps: Deps) -> Dashboard:
    return Dashboard(deps)


__all__ = ["Dashboard", "build_dashboard", "PREFIX", "HIDDEN"]
