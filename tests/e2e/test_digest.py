"""Channel subscriptions, the settings modal and the weekly digest, end to end:
content and privacy, and posting exactly once through the outbox (twice
run, two processes, 429s, permanent errors, a crash mid-post)."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from peerbot import cli, jobs
from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.services import outbox
from peerbot.store.models import ChannelSettings, OutboxPost

WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)  # digest time (PEERBOT_TIMEZONE=UTC)


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


@pytest.fixture
def clock(world):
    class Clock:
        now = WEDNESDAY

    fixed = Clock()
    world.deps.clock = lambda: fixed.now
    return fixed


@pytest.fixture
def http_clock(http_world):
    class Clock:
        now = WEDNESDAY

    fixed = Clock()
    http_world.deps.clock = lambda: fixed.now
    return fixed


def bot_posts(world, channel):
    return [m for m in world.slack.messages(channel) if m.get("bot_id")]


def digests(world, channel):
    return [m for m in bot_posts(world, channel) if "peerbot-digest-" in json.dumps(m.get("blocks"))]


def subscribed(world, channel, kind="digest"):
    with world.deps.db.read() as session:
        row = session.get(ChannelSettings, (world.slack.team_id, channel))
        return bool(row and (row.digest_on if kind == "digest" else row.prompts_on))


def test_subscription_commands_and_settings_permissions(world, clock):
    slack = world.slack
    assert "is on for" in world.say(world.alice, world.general, "/peerbot", "digest on")
    assert "Monday at 09:00 (UTC)" in world.say(world.alice, world.general, "/peerbot", "digest on")
    assert "are on for" in world.say(world.alice, world.general, "/peerbot", "prompts on")
    assert "/invite @peerbot" in world.say(world.alice, world.random, "/peerbot", "digest on")
    assert not subscribed(world, world.random)
    assert "Usage" in world.say(world.alice, world.general, "/peerbot", "digest sometimes")

    # bob neither subscribed nor is an admin: the form is replaced by a polite refusal.
    assert slack.command(world.bob, world.general, "/peerbot", "settings").acked
    world.settle()
    refusal = slack.wait_for(lambda: slack.modal(world.bob))
    assert "only workspace admins or the person who switched on" in shown(refusal)
    assert "submit" not in refusal or not refusal.get("submit")

    # carol is an admin: she gets the form.
    assert slack.command(world.carol, world.general, "/peerbot", "settings").acked
    world.settle()
    assert slack.wait_for(lambda: slack.modal(world.carol))["callback_id"] == ids.SETTINGS_MODAL

    # alice subscribed the channel: the form, with errors inline, then saved.
    assert slack.command(world.alice, world.general, "/peerbot", "settings").acked
    world.settle()
    form = slack.wait_for(lambda: slack.modal(world.alice))
    assert form["callback_id"] == ids.SETTINGS_MODAL
    bad = slack.submit_view(world.alice, form["id"], {
        ids.SETTINGS_TIMEZONE: {ids.SETTINGS_TIMEZONE: "Mars/Olympus"},
        ids.SETTINGS_DIGEST_TIME: {ids.SETTINGS_DIGEST_TIME: "25:61"},
    })
    assert bad.outcome == "errors"
    errors = slack.modal(world.alice)["errors"]
    assert "Mars/Olympus" in errors[ids.SETTINGS_TIMEZONE] and "24-hour" in errors[ids.SETTINGS_DIGEST_TIME]
    good = slack.submit_view(world.alice, form["id"], {
        ids.SETTINGS_TIMEZONE: {ids.SETTINGS_TIMEZONE: "Europe/Berlin"},
        ids.SETTINGS_DIGEST_DAY: {ids.SETTINGS_DIGEST_DAY: "4"},
        ids.SETTINGS_DIGEST_TIME: {ids.SETTINGS_DIGEST_TIME: "8:30"},
        ids.SETTINGS_PROMPT_TIME: {ids.SETTINGS_PROMPT_TIME: "11:00"},
        ids.SETTINGS_SAVE_EMOJI: {ids.SETTINGS_SAVE_EMOJI: ":star:"},
        ids.SETTINGS_ESCALATION_HOURS: {ids.SETTINGS_ESCALATION_HOURS: "8"},
    })
    assert good.outcome == "closed"
    world.settle()
    slack.wait_for(lambda: any("Saved" in shown(e) for e in slack.ephemerals(user=world.alice)))
    with world.deps.db.read() as session:
        row = session.get(ChannelSettings, (slack.team_id, world.general))
        assert (row.timezone, row.digest_day, row.digest_time, row.prompt_time) == ("Europe/Berlin", 4, "08:30", "11:00")
        assert (row.save_emoji, row.escalation_hours) == ("star", 8)

    assert "is off" in world.say(world.bob, world.general, "/peerbot", "digest off")
    assert not subscribed(world, world.general) and subscribed(world, world.general, "prompt")


def _seed_week(world, clock):
    """A week in #general (public) and #team-secret (private)."""
    slack = world.slack
    for channel in (world.general, world.secret):
        assert "is on" in world.say(world.alice, channel, "/peerbot", "digest on")
    quiet = slack.add_channel("quiet", members=[world.alice])
    assert "is on" in world.say(world.alice, quiet, "/peerbot", "digest on")
    clock.now = WEDNESDAY + timedelta(hours=1)

    def ask(channel, text):
        before = {m["ts"] for m in slack.messages(channel)}
        assert slack.command(world.alice, channel, "/ask", text).acked
        card = slack.wait_for(lambda: [m for m in bot_posts(world, channel) if m["ts"] not in before])[0]
        world.settle()
        return card

    solved = ask(world.general, "[python] How do I profile a slow script?")
    reply = slack.post(world.bob, world.general, "Use cProfile and snakeviz.", thread_ts=solved["ts"])
    world.settle()
    slack.react(world.alice, world.general, reply, "white_check_mark")
    world.settle()
    ask(world.general, "[python] Which linter do we use?")
    tip = slack.post(world.alice, world.general, "Deploys freeze on Fridays, see the runbook")
    slack.react(world.bob, world.general, tip, "bookmark")
    # Asked before the item is saved: afterwards /ask would first offer that item as a possible answer.
    ask(world.secret, "[python] When is the BLUEBIRD launch?")
    secret = slack.post(world.alice, world.secret, "The launch codename is BLUEBIRD")
    slack.react(world.bob, world.secret, secret, "bookmark")
    world.settle()
    return quiet


def test_digest_content_privacy_and_preview(world, clock):
    slack = world.slack
    quiet = _seed_week(world, clock)
    clock.now = MONDAY + timedelta(minutes=1)
    preview = world.say(world.bob, world.general, "/peerbot", "digest preview")
    assert "only you can see this" in preview and "Deploys freeze" in preview and "BLUEBIRD" not in preview
    assert digests(world, world.general) == []  # a preview posts nothing

    assert "nothing due" in run_job(world.deps, "digest", MONDAY - timedelta(minutes=5))
    assert "3 posted" in run_job(world.deps, "digest", MONDAY)
    general = shown(digests(world, world.general)[0])
    assert "profile a slow script" in general  # best accepted answer
    assert "Deploys freeze on Fridays" in general  # most useful knowledge
    assert "Which linter do we use" in general and "/archives/" in general  # still open, with a link
    assert "2* questions asked" in general and f"<@{world.bob}>" in general  # top helper
    assert "BLUEBIRD" not in general  # nothing from the private channel
    secret = shown(digests(world, world.secret)[0])
    assert "BLUEBIRD" in secret and "Deploys freeze" in secret  # its own items, plus public ones
    # A channel with no questions of its own still sees public knowledge; never private.
    elsewhere = shown(digests(world, quiet)[0])
    assert "Deploys freeze" in elsewhere and "BLUEBIRD" not in elsewhere and "linter" not in elsewhere


def test_a_busy_week_stays_within_block_kit_limits(http_world, http_clock):
    world, slack = http_world, http_world.slack
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    for n in range(12):
        ts = slack.post(world.alice, world.general, f"Tip {n}: " + "very long words " * 300)
        slack.react(world.bob, world.general, ts, "bookmark")
    world.settle()
    assert "1 posted" in run_job(world.deps, "digest", MONDAY)
    posted = digests(world, world.general)[0]
    assert len(posted["blocks"]) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in posted["blocks"])


def test_running_twice_and_two_processes_post_once(http_world, http_clock, monkeypatch):
    world, slack = http_world, http_world.slack
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    assert "1 posted" in run_job(world.deps, "digest", MONDAY)
    assert "nothing due" in run_job(world.deps, "digest", MONDAY + timedelta(minutes=5))
    assert len(digests(world, world.general)) == 1

    # Next week, two app processes (their own Deps and database pools) race for it.
    others = [cli.build_deps(world.deps.settings) for _ in range(2)]
    results = []
    threads = [threading.Thread(target=lambda d=d: results.append(run_job(d, "digest", MONDAY + timedelta(days=7))))
               for d in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results)[0].count("posted") + sorted(results)[1].count("posted") == 1
    # ... and the command line, through the same code path, finds it done.
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.deps.settings.bot_token)
    monkeypatch.setenv("SLACK_API_URL", world.deps.settings.api_url)
    monkeypatch.setenv("DATABASE_URL", world.deps.settings.database_url)
    assert cli.main(["jobs", "run", "digest", "--at", (MONDAY + timedelta(days=7, hours=1)).isoformat()]) == 0
    assert len(digests(world, world.general)) == 2
    for deps in others:
        deps.db.dispose()


def test_a_429_then_success_posts_once_and_a_lasting_outage_is_retried_later(http_world, http_clock):
    world, slack = http_world, http_world.slack
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    assert "1 posted" in run_job(world.deps, "digest", MONDAY)  # slack_sdk waited out Retry-After
    assert len(digests(world, world.general)) == 1

    # Next week Slack is down for longer than the client's own retries.
    week = MONDAY + timedelta(days=7)
    slack.fail_next("chat.postMessage", times=3, status=503)
    assert "1 retry later" in run_job(world.deps, "digest", week)
    assert len(digests(world, world.general)) == 1
    assert "skipped" in run_job(world.deps, "digest", week + timedelta(minutes=1))  # waits its turn
    assert "1 posted" in run_job(world.deps, "digest", week + timedelta(minutes=5))
    assert len(digests(world, world.general)) == 2


def test_a_permanent_error_unsubscribes_and_tells_the_subscriber(http_world, http_clock):
    world, slack = http_world, http_world.slack
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    assert "are on" in world.say(world.alice, world.general, "/peerbot", "prompts on")
    slack.set_bot_member(world.general, False)  # someone removed peerbot from the channel
    assert "1 unsubscribed" in run_job(world.deps, "digest", MONDAY)
    assert not subscribed(world, world.general) and not subscribed(world, world.general, "prompt")
    notice = slack.wait_for(lambda: slack.dms(world.alice))
    assert len(notice) == 1 and "weekly digest and the daily prompts" in shown(notice[0])
    assert "/invite @peerbot" in shown(notice[0])
    assert "nothing due" in run_job(world.deps, "digest", MONDAY + timedelta(minutes=5))
    assert "nothing due" in run_job(world.deps, "prompts", MONDAY + timedelta(hours=2))


def test_a_crash_between_claimed_and_posted_still_posts_exactly_once(http_world, http_clock, monkeypatch):
    world, slack = http_world, http_world.slack
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")

    # 1. The process dies after Slack took the post, before it was recorded.
    def power_cut(*_args, **_kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(jobs, "_record_posted", power_cut)
    assert "1 crashed" in run_job(world.deps, "digest", MONDAY)
    monkeypatch.undo()
    assert len(digests(world, world.general)) == 1
    assert "skipped" in run_job(world.deps, "digest", MONDAY + timedelta(minutes=5))  # the claim is fresh
    later = MONDAY + outbox.STALE_CLAIM + timedelta(minutes=1)
    assert "1 recovered" in run_job(world.deps, "digest", later)  # found in the channel's history
    assert len(digests(world, world.general)) == 1
    with world.deps.db.read() as session:
        row = session.scalars(select(OutboxPost)).one()
        assert row.status == "posted" and row.message_ts == digests(world, world.general)[0]["ts"]

    # 2. Next week the process dies after claiming, before calling Slack.
    week = MONDAY + timedelta(days=7)
    with world.deps.db.begin() as session:
        assert outbox.claim(session, team_id=slack.team_id, channel_id=world.general, kind="digest",
                            period="2026-W12", now=week) is not None
    assert "skipped" in run_job(world.deps, "digest", week + timedelta(minutes=5))
    assert "1 posted" in run_job(world.deps, "digest", week + outbox.STALE_CLAIM + timedelta(minutes=5))
    assert "nothing due" in run_job(world.deps, "digest", week + timedelta(hours=2))
    assert len(digests(world, world.general)) == 2


def test_the_digest_follows_the_channel_zone_across_a_dst_change(http_world, http_clock):
    world, slack = http_world, http_world.slack
    http_clock.now = datetime(2026, 3, 20, 12, tzinfo=timezone.utc)
    assert "is on" in world.say(world.alice, world.general, "/peerbot", "digest on")
    with world.deps.db.begin() as session:
        session.get(ChannelSettings, (slack.team_id, world.general)).timezone = "Europe/Berlin"
    # 09:00 in Berlin: 08:00 UTC before summer time (Monday 23 March), 07:00 UTC after it (Monday 30 March).
    assert "nothing due" in run_job(world.deps, "digest", datetime(2026, 3, 23, 7, 55, tzinfo=timezone.utc))
    assert "1 posted" in run_job(world.deps, "digest", datetime(2026, 3, 23, 8, 0, tzinfo=timezone.utc))
    assert "nothing due" in run_job(world.deps, "digest", datetime(2026, 3, 30, 6, 55, tzinfo=timezone.utc))
    assert "1 posted" in run_job(world.deps, "digest", datetime(2026, 3, 30, 7, 0, tzinfo=timezone.utc))
    with world.deps.db.read() as session:
        assert sorted(session.scalars(select(OutboxPost.period))) == ["2026-W13", "2026-W14"]
    # Nothing happened in those weeks: a short friendly note, not an empty message.
    calm = digests(world, world.general)[0]
    assert "quiet week" in shown(calm) and len(calm["blocks"]) == 1
