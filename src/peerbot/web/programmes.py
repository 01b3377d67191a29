"""The Programmes page's sections. A programme's section is one function here (its tables and
charts, from the metrics service) and one template, `templates/programmes/<kind>.html`;
`SECTIONS` lists them, and the page shows those of the programmes the workspace has."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from peerbot.services import metrics
from peerbot.web.charts import Point, bar_chart, funnel_chart
from peerbot.web.tables import Column, Table


@dataclass
class Section:
    kind: str
    title: str
    tables: list[Table]
    charts: list[dict] = field(default_factory=list)  # key, title, unit, svg, rows (the chart's own table)

    @property
    def template(self) -> str:
        return f"programmes/{self.kind}.html"

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def _figures_table(name: str, title: str, figures: list[metrics.Figure], note: str = "") -> Table:
    return Table(name, title, [Column("figure", "Figure", "text"), Column("value", "Value", "auto")],
                 [dict(key=f.key, figure=f.label, value=f.shown, unit=f.unit) for f in figures], note=note)


def _counts_table(name: str, title: str, first: Column, figures: list[metrics.Figure], note: str = "") -> Table:
    return Table(name, title, [first, Column("count", "Count")],
                 [{first.key: f.label, "count": f.shown} for f in figures], note=note)


def _chart(key: str, title: str, figures: list[metrics.Figure], draw: Callable) -> dict:
    points = [Point(f.label, f.shown) for f in figures]
    return dict(key=key, title=title, unit="int", svg=draw(title, points), rows=[(p.label, p.value) for p in points])


def buddies_section(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> Section:
    m = metrics.buddy_measures(session, team_id, since=since, until=until, tz=tz)
    funnel = _counts_table("buddy_funnel", "New hires: from start to a first meeting", Column("step", "Step", "text"),
                           m.funnel, note="Hires whose first day falls in the period.")
    meetings = _counts_table("buddy_meetings", "Meetings reported in the first 90 days",
                             Column("meetings", "Meetings", "text"), m.meetings,
                             note="Hires with a buddy, by the check-ins in which the hire or the buddy reported a "
                                  "meeting so far.")
    return Section("buddies", "Onboarding buddies", [
        funnel,
        _figures_table("buddies", "Buddy programme", m.figures,
                       note="Ratings are only shown as averages over 5 or more people; comments never."),
        meetings,
        _counts_table("buddy_attention", "Needs attention now", Column("reason", "Reason", "text"), m.attention,
                      note="Open pairings; the names are in admins' App Home."),
    ], [_chart("buddy_funnel", funnel.title, m.funnel, funnel_chart),
        _chart("buddy_meetings", meetings.title, m.meetings, lambda title, points: bar_chart(title, points, per="number of meetings"))])


def _measures_section(kind: str, title: str, m: metrics.ProgrammeMeasures, funnel_title: str, funnel_note: str,
                      note: str) -> Section:
    """A section drawn the same way for mentoring, circles, talks and feedback: the funnel (chart and
    table), the figures, then each count table with its bar chart."""
    funnel = _counts_table(f"{kind}_funnel", funnel_title, Column("step", "Step", "text"), m.funnel, note=funnel_note)
    counts = [_counts_table(name, title, Column("group", "Group", "text"), figures)
              for name, (title, figures) in m.counts.items()]
    return Section(kind, title, [funnel, _figures_table(kind, title, m.figures, note=note), *counts],
                   [_chart(funnel.name, funnel.title, m.funnel, funnel_chart),
                    *(_chart(t.name, t.title, m.counts[t.name][1],
                             lambda title, points: bar_chart(title, points, per="group")) for t in counts)])


def mentoring_section(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> Section:
    m = metrics.mentoring_measures(session, team_id, since=since, until=until)
    return _measures_section(
        "mentoring", "Peer mentoring", m, "Mentees: from looking to a first meeting",
        "Mentees who asked a mentor, joined the waitlist or were matched in the period.",
        "Fit answers and survey ratings are only shown over 5 or more people; “now” figures are as they "
        "stand at the end of the period.")


def circles_section(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> Section:
    m = metrics.circle_measures(session, team_id, since=since, until=until)
    return _measures_section(
        "circles", "Peer coaching circles", m, "Circle rounds: from opting in to staying",
        "People who opted in to rounds whose window closed in the period, followed up to its end.",
        "Commitments and comments are never shown; ratings only as averages over 5 or more people.")


def feedback_section(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> Section:
    m = metrics.feedback_measures(session, team_id, since=since, until=until)
    return _measures_section(
        "feedback", "Peer feedback", m, "Peers asked for feedback: from the ask to an answer",
        "Asks sent by requests made in the period, as they stand now (counted in asks).",
        "Never content: counted from the requests and whether each peer answered or declined. Anonymous "
        "answers have no time, so the time to answer covers named requests only.")


def talks_section(session: Session, team_id: str, *, since: datetime, until: datetime, tz: str) -> Section:
    m = metrics.talk_measures(session, team_id, since=since, until=until)
    return _measures_section(
        "talks", "Lunch-and-learn talks", m, "Talks: from proposal to held",
        "Talks proposed in the period, followed up to its end.",
        "Ratings are only shown as averages over 5 or more people; comments never. Wishes are those made "
        "in the period.")


SECTIONS: dict[str, Callable[..., Section]] = {"buddies": buddies_section, "mentoring": mentoring_section,
                                               "circles": circles_section, "talks": talks_section,
                                               "feedback": feedback_section}


def across_tables(session: Session, team_id: str, *, now: datetime, admin: bool) -> list[Table]:
    """Reach, and for admins only the helpers holding two or more roles at once."""
    across = metrics.across_programmes(session, team_id, now=now)
    tables = [_figures_table("programmes_reach", "Across programmes (now)",
                             [across.reach, across.in_programmes, across.active_members])]
    if admin:
        names = metrics.display_names(session, team_id, [h.user_id for h in across.stretched])
        tables.append(Table("two_roles", "Helpers in two or more roles", [
            Column("name", "Name", "user"), Column("user_id", "User id", "text"), Column("roles", "Roles", "text")],
            [dict(name=names[h.user_id], user_id=h.user_id, roles=", ".join(h.roles)) for h in across.stretched],
            note="A burnout watch list, for admins only: a buddy with a hire, a mentor, a facilitator or a speaker "
                 "at the same time.", empty="Nobody holds two helper roles at once."))
    return tables
