"""Subscriptions: when a channel is due, in its own zone, across a DST change;
and the outbox's claim, retry and take-over rules."""

from datetime import datetime, time, timedelta, timezone

from peerbot.services import outbox, subscriptions
from peerbot.services.subscriptions import DIGEST, PROMPT, Schedule

UTC = timezone.utc
BERLIN = Schedule("Europe/Berlin", 0, time(9, 0), time(10, 0), frozenset(range(5)))
NEW_YORK = Schedule("America/New_York", 0, time(9, 0), time(10, 0), frozenset(range(5)))


def test_digest_period_is_the_local_iso_week_and_follows_dst():
    # Europe: summer time starts Sunday 29 March 2026. 09:00 on Monday 23 March is 08:00 UTC,
    # on Monday 30 March 07:00 UTC.
    assert subscriptions.digest_period(datetime(2026, 3, 25, 12, tzinfo=UTC), BERLIN) == (
        "2026-W13", datetime(2026, 3, 23, 8, 0, tzinfo=UTC))
    assert subscriptions.digest_period(datetime(2026, 3, 30, 12, tzinfo=UTC), BERLIN) == (
        "2026-W14", datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    # Sunday 23:30 UTC is already Monday in Berlin: a new week there.
    assert subscriptions.digest_period(datetime(2026, 3, 29, 22, 30, tzinfo=UTC), BERLIN)[0] == "2026-W14"
    # New York changes two weeks earlier (8 March 2026).
    assert subscriptions.digest_period(datetime(2026, 3, 9, 15, tzinfo=UTC), NEW_YORK)[1] == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC)


def test_prompt_period_is_the_local_date_on_workdays_only():
    assert subscriptions.prompt_period(datetime(2026, 3, 27, 9, 0, tzinfo=UTC), BERLIN) == (
        "2026-03-27", datetime(2026, 3, 27, 9, 0, tzinfo=UTC))  # Friday, CET
    assert subscriptions.prompt_period(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), BERLIN) is None  # Saturday
    assert subscriptions.prompt_period(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), BERLIN) == (
        "2026-03-30", datetime(2026, 3, 30, 8, 0, tzinfo=UTC))  # Monday, CEST


def test_parsing_settings():
    assert subscriptions.parse_time("9:30") == time(9, 30)
    assert subscriptions.parse_time("17.05") == time(17, 5)
    assert subscriptions.parse_time("25:00") is None
    assert subscriptions.parse_time("noon") is None
    assert subscriptions.parse_zone("Europe/Berlin") == "Europe/Berlin"
    assert subscriptions.parse_zone("Mars/Olympus") is None
    assert subscriptions.parse_zone("../etc/passwd") is None
    assert subscriptions.parse_emoji(":raised_hands:") == "raised_hands"
    assert subscriptions.parse_emoji("two words") is None


def _subscribe(db, kind, at, tz=None, channel="C1"):
    with db.begin() as session:
        subscriptions.switch(session, "T1", channel, kind, True, "U1", at)
        if tz:
            row = subscriptions.get(session, "T1", channel)
            row.timezone = tz


def test_due_from_the_scheduled_time_until_the_period_ends_and_not_before_subscribing(db):
    monday_8 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 08:00 in Berlin (CEST)
    _subscribe(db, DIGEST, monday_8 - timedelta(days=1), tz="Europe/Berlin")
    _subscribe(db, PROMPT, monday_8 - timedelta(days=1), tz="Europe/Berlin")
    with db.read() as session:
        assert subscriptions.due(session, DIGEST, monday_8, "UTC") == []
        due = subscriptions.due(session, DIGEST, monday_8 + timedelta(hours=1), "UTC")
        assert [(d.channel_id, d.period) for d in due] == [("C1", "2026-W14")]
        # Down until Thursday: still due once this week; not next week's.
        assert subscriptions.due(session, DIGEST, monday_8 + timedelta(days=3), "UTC")[0].period == "2026-W14"
        assert subscriptions.due(session, PROMPT, monday_8 + timedelta(hours=2), "UTC")[0].period == "2026-03-30"
        # The prompt is due only on its own local day; Saturday never.
        assert subscriptions.due(session, PROMPT, datetime(2026, 4, 4, 12, tzinfo=UTC), "UTC") == []
    # Subscribed on Wednesday: the first digest is next Monday's.
    _subscribe(db, DIGEST, datetime(2026, 4, 1, 12, tzinfo=UTC), channel="C2")
    with db.read() as session:
        assert [d.channel_id for d in subscriptions.due(session, DIGEST, datetime(2026, 4, 1, 13, tzinfo=UTC), "UTC")] == ["C1"]
        assert {d.channel_id for d in subscriptions.due(session, DIGEST, datetime(2026, 4, 6, 9, tzinfo=UTC), "UTC")} == {"C1", "C2"}


def test_outbox_claims_once_retries_later_and_takes_over_an_abandoned_claim(db):
    at = datetime(2026, 3, 30, 9, tzinfo=UTC)
    key = dict(team_id="T1", channel_id="C1", kind=DIGEST, period="2026-W14")
    with db.begin() as session:
        first = outbox.claim(session, **key, now=at)
        assert first is not None and not first.retry
        assert outbox.claim(session, **key, now=at) is None  # someone else has it
        outbox.retry_later(session, first, "ratelimited", at, timedelta(minutes=4))
    with db.begin() as session:
        assert outbox.claim(session, **key, now=at + timedelta(minutes=1)) is None  # not yet
        second = outbox.claim(session, **key, now=at + timedelta(minutes=5))
        assert second is not None and second.retry and second.attempts == 2
        # The first claim can no longer finish the post.
        assert not outbox.posted(session, first, "1.0", at)
    # The worker with `second` crashes. Within STALE_CLAIM nobody else takes it; after, one does.
    with db.begin() as session:
        assert outbox.claim(session, **key, now=at + timedelta(minutes=6)) is None
        third = outbox.claim(session, **key, now=at + timedelta(minutes=5) + outbox.STALE_CLAIM)
        assert third is not None and third.retry
        assert outbox.posted(session, third, "2.0", at)
        assert outbox.claim(session, **key, now=at + timedelta(days=1)) is None
        assert outbox.get(session, "T1", "C1", DIGEST, "2026-W14").message_ts == "2.0"
