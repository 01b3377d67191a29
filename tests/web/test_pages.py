"""Every dashboard page, its CSV and JSON twins, and the privacy rules on each."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from peerbot.services import conversations
from peerbot.store.models import Answer, Expertise, KnowledgeItem, Question, Topic

from conftest import NOW

PAGES = ["/dashboard", "/dashboard/topics", "/dashboard/people", "/dashboard/channels", "/dashboard/programmes",
         "/dashboard/topics/python"]
SECRET_TEXT = "SECRET-ROADMAP-TEXT"


@pytest.fixture
def world(site):
    """#general (public) with eight people; #team-secret (private: alice, bob and the bot);
    an anonymous question by zed; a private question about the undeclared topic 'vaultwarden'."""
    slack = site.slack
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hugo"]
    people = {n: slack.add_user(n, real_name=n.title() + " Example", is_admin=(n == "carol")) for n in names}
    zed = slack.add_user("zed", real_name="Zed Anonymous")
    general = slack.add_channel("general", members=[*people.values(), zed])
    secret = slack.add_channel("team-secret", private=True, members=[people["alice"], people["bob"]])
    team = slack.team_id
    with site.deps.db.begin() as s:
        conversations.ensure_workspace(s, team, NOW)
        for user_id in [*people.values(), zed]:
            conversations.remember_member(s, team, site.deps.client.users_info(user=user_id)["user"], NOW)
        python = Topic(team_id=team, name="python", created_at=NOW)
        vault = Topic(team_id=team, name="vaultwarden", created_at=NOW)
        s.add_all([python, vault])
        s.flush()
        s.add(Expertise(team_id=team, user_id=people["gina"], topic_id=python.id, declared=True, earned=3,
                        declared_at=NOW - timedelta(days=2)))
        ids = list(people.values())
        for n in range(10):  # public questions from 5 askers, answered by 3 others
            q = Question(team_id=team, channel_id=general, message_ts=f"100{n}.1", asker_id=ids[n % 5],
                         text=f"Public python question {n}", topic_id=python.id, status="open",
                         created_at=NOW - timedelta(days=n + 1))
            s.add(q)
            s.flush()
            if n % 2 == 0:
                s.add(Answer(question_id=q.id, team_id=team, channel_id=general, message_ts=f"100{n}.2",
                             author_id=ids[5 + n % 3], text="answer", created_at=q.created_at + timedelta(hours=2),
                             accepted_at=q.created_at + timedelta(hours=3) if n % 4 == 0 else None))
        s.add(Question(team_id=team, channel_id=general, message_ts="2000.1", asker_id=zed, anonymous=True,
                       text="An anonymous python question", topic_id=python.id, status="open",
                       created_at=NOW - timedelta(hours=5)))
        for n in range(3):
            q = Question(team_id=team, channel_id=secret, message_ts=f"300{n}.1", asker_id=people["bob"],
                         text=f"{SECRET_TEXT} {n}", topic_id=vault.id, status="open",
                         created_at=NOW - timedelta(days=n + 1))
            s.add(q)
            s.flush()
            s.add(Answer(question_id=q.id, team_id=team, channel_id=secret, message_ts=f"300{n}.2",
                         author_id=people["alice"], text=SECRET_TEXT, created_at=q.created_at + timedelta(hours=1)))
        s.add(KnowledgeItem(team_id=team, channel_id=secret, message_ts="3000.2", is_public=False, kind="message",
                            title=SECRET_TEXT, text=SECRET_TEXT, author_id=people["alice"], saved_by=people["bob"],
                            created_at=NOW - timedelta(days=1), updated_at=NOW))
    return people, zed, general, secret


def everything(site, cookie) -> str:
    """Every page, and every table of it as CSV and JSON, in 7/30/90-day periods."""
    out = []
    for path in PAGES:
        for period in ("7", "30", "90"):
            page = site.get(path, cookie, period=period)
            assert page.status == 200, (path, page.text[:500])
            out.append(page.text)
            for table in _tables(page.text):
                for fmt in ("csv", "json"):
                    reply = site.get(path, cookie, period=period, format=fmt, table=table)
                    assert reply.status == 200
                    out.append(reply.text)
    return "\n".join(out)


def _tables(html: str) -> list[str]:
    import re

    return re.findall(r'<section class="table" id="table-([a-z_]+)"', html)


def test_no_private_text_and_no_anonymous_asker_anywhere(site, world):
    people, zed, _general, _secret = world
    for viewer in (people["carol"], people["alice"]):  # alice is in the private channel
        shown = everything(site, site.login_as(viewer))
        assert SECRET_TEXT not in shown
        assert zed not in shown and "Zed Anonymous" not in shown
        assert "An anonymous python question" in shown  # public text; never who asked
        assert "Traceback" not in shown


def test_private_topic_named_only_for_channel_members(site, world):
    people, *_ = world
    carol = site.get("/dashboard/topics", site.login_as(people["carol"]), period="30").text
    assert "vaultwarden" not in carol and "(topics of private conversations)" in carol
    assert site.get("/dashboard/topics/vaultwarden", site.login_as(people["carol"])).status == 404
    alice = site.get("/dashboard/topics", site.login_as(people["alice"]), period="30").text
    assert "vaultwarden" in alice


def test_private_channel_named_only_for_members(site, world):
    people, _zed, general, secret = world
    carol = site.login_as(people["carol"])
    rows = _csv(site.get("/dashboard/channels", carol, period="30", format="csv"))
    assert [(r["channel"], r["privacy"]) for r in rows] == [("#general", "public"), ("private channels", "private")]
    # Three private questions by bob, answered by alice: two people, so "<5".
    assert rows[1]["asked"] == "<5"
    assert rows[0]["asked"] == "11"
    alice = site.login_as(people["alice"])
    rows = _csv(site.get("/dashboard/channels", alice, period="30", format="csv"))
    assert [r["channel"] for r in rows] == ["#general", "#team-secret"]
    # A channel filter on a private channel the viewer is not in is refused (and said so).
    page = site.get("/dashboard", carol, channel=secret)
    assert "can&#39;t be shown here" in page.text or "can't be shown here" in page.text


def test_overview_csv_and_json_agree_with_the_page(site, world):
    people, _zed, general, _secret = world
    cookie = site.login_as(people["carol"])
    csv_rows = _csv(site.get("/dashboard", cookie, period="30", channel=general, format="csv", table="summary"))
    figures = {r["key"] if "key" in r else r["figure"]: r["value"] for r in csv_rows}
    assert figures["Questions asked"] == "11"
    assert figures["Share answered"] == str(round(5 / 11, 3))
    body = json.loads(site.get("/dashboard", cookie, period="30", channel=general, format="json",
                               table="summary").body)
    assert body["filters"]["channel"] == general and body["columns"] == ["figure", "value"]
    assert {r["figure"]: r["value"] for r in body["rows"]}["Questions asked"] == 11
    weekly = site.get("/dashboard", cookie, period="30", format="csv", table="weekly")
    assert weekly.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in weekly.headers["Content-Disposition"]
    rows = _csv(weekly)
    assert all(len(r["week_start"]) == 10 and r["week_start"][4] == "-" for r in rows)


def test_people_page_names_public_helpers_only(site, world):
    people, *_ = world
    rows = _csv(site.get("/dashboard/people", site.login_as(people["carol"]), period="30", format="csv",
                         table="helpers"))
    assert {r["user_id"] for r in rows} == {people["frank"], people["gina"], people["hugo"]}
    assert people["alice"] not in {r["user_id"] for r in rows}  # her help was in a private channel
    new = _csv(site.get("/dashboard/people", site.login_as(people["carol"]), period="30", format="csv",
                        table="new_experts"))
    assert [(r["name"], r["topics"]) for r in new] == [("Gina Example", "python")]


def test_topic_page_and_programmes_page(site, world):
    people, *_ = world
    cookie = site.login_as(people["carol"])
    page = site.get("/dashboard/topics/python", cookie, period="30").text
    assert "Public python question 1" in page and "Gina Example" in page
    assert "No programme is running yet" in site.get("/dashboard/programmes", cookie).text


def test_small_groups_show_as_less_than_five(site, world):
    people, _zed, _general, secret = world
    alice = site.login_as(people["alice"])
    rows = _csv(site.get("/dashboard", alice, period="30", channel=secret, format="csv", table="summary"))
    assert {r["figure"]: r["value"] for r in rows}["Questions asked"] == "<5"


def test_custom_period_and_bad_input(site, world):
    people, *_ = world
    cookie = site.login_as(people["carol"])
    rows = _csv(site.get("/dashboard", cookie, period="custom", **{"from": "2026-03-01", "to": "2026-03-04"},
                         format="csv", table="summary"))
    # 1 March 00:00 to now (4 March 12:00): public questions 0, 1, 2 (noon on 3, 2, 1 March), the
    # anonymous one (4 March 07:00) and the three private ones (3, 2, 1 March): 7, by 9 people.
    assert {r["figure"]: r["value"] for r in rows}["Questions asked"] == "7"
    for query in ({"period": "custom", "from": "2026-03-05", "to": "2026-03-01"}, {"period": "custom", "from": "x"},
                  {"period": "12"}, {"format": "csv", "table": "nope"}):
        reply = site.get("/dashboard", cookie, **query)
        assert reply.status in (200, 404) and "Traceback" not in reply.text
    assert site.get("/dashboard/nope", cookie).status == 404


def test_security_headers_on_every_answer(site, world):
    people, *_ = world
    cookie = site.login_as(people["carol"])
    for reply in (site.get("/dashboard", cookie), site.get("/dashboard"), site.get("/dashboard/login"),
                  site.get("/dashboard/static/dashboard.css")):
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
        assert "script-src" not in reply.headers["Content-Security-Policy"]
    page = site.get("/dashboard", cookie).text
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_autoescaping(site, world):
    people, _zed, general, _secret = world
    with site.deps.db.begin() as s:
        s.add(Question(team_id=site.slack.team_id, channel_id=general, message_ts="9999.1", asker_id=people["dave"],
                       text="<script>alert(1)</script>", topic_id=1, status="open", created_at=NOW))
    page = site.get("/dashboard/topics/python", site.login_as(people["carol"])).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def _csv(reply) -> list[dict]:
    assert reply.status == 200, reply.text[:300]
    return list(csv.DictReader(io.StringIO(reply.text)))
