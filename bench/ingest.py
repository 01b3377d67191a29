"""Event ingest: :bookmark: reaction_added events (many on the same messages,
some delivered again as Slack's retries) end to end into the database."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import create_engine, select, text, update

from bench import load
from bench.report import Table, ms, percentile
from bench.slack import AppProcess, Request, World, add_messages, reaction_body, settle, signed, JSON
from peerbot.store import migrate
from peerbot.store.db import Database
from peerbot.store.models import KnowledgeItem, KnowledgeSave, ProcessedEvent, Workspace
from peerbot.store.upsert import insert_ignore

CONCURRENCY = 10


@dataclass
class Plan:
    deliveries: list[tuple[bytes, int]]  # body, retry number
    expected_scores: dict[tuple[str, str], int]  # (channel, ts) → distinct savers
    channels: list[str]
    pairs: list[tuple[str, str, str]]  # (channel, ts, user) in delivery order of first deliveries

    @property
    def expected_saves(self) -> int:
        return sum(self.expected_scores.values())


def plan(world: World, *, events: int, messages: int, retry_share: float = 0.1, seed: int = 5) -> Plan:
    rng = random.Random(seed)
    channels = [*world.channels[:3], world.private]
    msgs = []
    for i, channel in enumerate(channels):
        texts = [f"Ingest message {i}-{j}: how we handle deploy number {j}" for j in range(messages // len(channels))]
        msgs += [(channel, ts) for ts in add_messages(world, channel, texts)]
    weights = [1 / (rank + 1) for rank in range(len(msgs))]  # a few messages get most of the saves
    retries = int(events * retry_share)
    unique = events - retries
    chosen: list[tuple[str, str, str]] = []
    seen = set()
    while len(chosen) < unique:
        channel, ts = rng.choices(msgs, weights=weights)[0]
        user = rng.choice(world.users)
        if (channel, ts, user) not in seen:
            seen.add((channel, ts, user))
            chosen.append((channel, ts, user))
    bodies = [reaction_body(world, user, channel, ts) for channel, ts, user in chosen]
    deliveries: list[tuple[bytes, int]] = [(body, 0) for body in bodies]
    for original in sorted(rng.sample(range(unique), retries), reverse=True):
        # Slack retries a delivery a moment after it: same body, same event_id, X-Slack-Retry-Num.
        deliveries.insert(min(len(deliveries), original + 1 + rng.randint(0, 50)), (bodies[original], 1))
    scores = Counter((channel, ts) for channel, ts, _user in chosen)
    return Plan(deliveries, dict(scores), channels, chosen)


def signed_requests(p: Plan) -> list[Request]:
    return [signed(body, JSON, retry_num=retry) for body, retry in p.deliveries]


def stored(database_url: str, p: Plan) -> tuple[int, int, dict[tuple[str, str], int]]:
    """(saves, items, score per item) in the ingest channels."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(KnowledgeItem.channel_id, KnowledgeItem.message_ts, KnowledgeItem.score, KnowledgeItem.id)
                .where(KnowledgeItem.channel_id.in_(p.channels))).all()
            ids = [row.id for row in rows]
            saves = connection.execute(text("SELECT count(*) FROM knowledge_saves WHERE item_id IN ("
                                            + (",".join(map(str, ids)) or "NULL") + ")")).scalar_one()
    finally:
        engine.dispose()
    return saves, len(rows), {(row.channel_id, row.message_ts): row.score for row in rows}


@dataclass
class IngestResult:
    deliveries: int
    seconds: float
    ack: load.LoadResult
    saves: int
    items: int
    scores_exact: bool
    expected_saves: int
    expected_items: int
    baseline_ack: load.LoadResult
    raw_seconds: float

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds


def measure(world: World, peerbot: AppProcess, baseline: AppProcess, database_url: str, raw_database_url: str,
            *, events: int, messages: int, timeout: float) -> IngestResult:
    p = plan(world, events=events, messages=messages)
    started = time.perf_counter()
    ack = load.run(peerbot.port, signed_requests(p), concurrency=CONCURRENCY, time_limit=timeout)
    deadline = started + timeout
    saves = -1
    while time.perf_counter() < deadline:
        saves, items, scores = stored(database_url, p)
        if saves >= p.expected_saves:
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    settle(world, timeout=60)
    saves, items, scores = stored(database_url, p)
    base = load.run(baseline.port, signed_requests(p), concurrency=CONCURRENCY, time_limit=timeout)
    settle(world)
    return IngestResult(len(p.deliveries), seconds, ack, saves, items, scores == p.expected_scores,
                        p.expected_saves, len(p.expected_scores), base, raw_inserts(raw_database_url, p))


def raw_inserts(database_url: str, p: Plan) -> float:
    """The same rows written directly: per delivery one transaction that claims the
    event id and, the first time, inserts the item once, the save once and bumps the score."""
    import json

    db = Database(database_url)
    migrate.upgrade(db)
    now = datetime.now(timezone.utc)
    with db.begin() as session:
        session.add(Workspace(team_id=world_team(p), name="bench", created_at=now))
    started = time.perf_counter()
    for body, _retry in p.deliveries:
        envelope = json.loads(body)
        event = envelope["event"]
        channel, ts, user = event["item"]["channel"], event["item"]["ts"], event["user"]
        with db.begin() as session:
            if not insert_ignore(session, ProcessedEvent, event_id=envelope["event_id"], team_id=envelope["team_id"],
                                 processed_at=now):
                continue
            insert_ignore(session, KnowledgeItem, team_id=envelope["team_id"], channel_id=channel, message_ts=ts,
                          is_public=True, kind="message", title="t", text="Ingest message", author_id=None,
                          saved_by=user, score=0, created_at=now, updated_at=now)
            item_id = session.scalar(select(KnowledgeItem.id).where(
                KnowledgeItem.team_id == envelope["team_id"], KnowledgeItem.channel_id == channel,
                KnowledgeItem.message_ts == ts))
            if insert_ignore(session, KnowledgeSave, item_id=item_id, user_id=user, via="reaction", created_at=now):
                session.execute(update(KnowledgeItem).where(KnowledgeItem.id == item_id)
                                .values(score=KnowledgeItem.score + 1))
    seconds = time.perf_counter() - started
    db.dispose()
    return seconds


def world_team(p: Plan) -> str:
    import json

    return json.loads(p.deliveries[0][0])["team_id"]


def table(results: dict[str, IngestResult]) -> Table:
    t = Table("Event ingest (:bookmark: reaction_added end to end into the database)", [
        "database", "deliveries (retries)", "peerbot events/s", "ack p50 / p99 ms", "stored saves / expected",
        "items / expected", "scores exact", "baseline ack events/s", "ratio", "raw SQL events/s", "ratio"])
    for database, r in results.items():
        t.add(database, f"{r.deliveries} ({r.deliveries - r.expected_saves})", f"{r.rate:.0f}",
              f"{ms(percentile(r.ack.latencies, 50))} / {ms(percentile(r.ack.latencies, 99))}",
              f"{r.saves} / {r.expected_saves}", f"{r.items} / {r.expected_items}",
              "yes" if r.scores_exact else "NO", f"{r.baseline_ack.rate:.0f}",
              f"{r.rate / r.baseline_ack.rate:.2f}x" if r.baseline_ack.rate else "–",
              f"{r.deliveries / r.raw_seconds:.0f}", f"{r.rate / (r.deliveries / r.raw_seconds):.2f}x")
    t.notes.append(f"Sent at concurrency {CONCURRENCY}; peerbot events/s = deliveries / time from the first send "
                   "until every save is in the database (each save fetches the message, its permalink and the "
                   "channel's privacy from Slack, and confirms privately with chat.postEphemeral).")
    t.notes.append("Baselines: the bare Bolt app acking the same deliveries (the transport's ceiling), and the "
                   "same rows written directly with SQLAlchemy from one thread, one transaction per delivery "
                   "(the database's floor).")
    return t
