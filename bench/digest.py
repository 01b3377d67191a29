"""Digest: the weekly digest of one channel (services.digest.compute, which
the digest job and `/peerbot digest preview` call through jobs.build_digest)
against the single SQL query at its core, the week's most useful items
visible in that channel."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, text

from bench.report import Table, ms, percentile, ratio
from bench.search import PRIVATE_CHANNELS, PUBLIC_CHANNELS, TEAM
from bench.site import Site
from peerbot import jobs
from peerbot.services import digest as digests
from peerbot.store.models import UTCDateTime

TARGET = 1.0
CHANNELS = {"public": PUBLIC_CHANNELS[0], "private": PRIVATE_CHANNELS[0]}
RAW = text(
    "SELECT id, title, text, permalink, score, author_id, kind, created_at FROM knowledge_items "
    "WHERE team_id = :team AND (is_public OR channel_id = :channel) AND created_at >= :since "
    "ORDER BY score DESC, created_at DESC, id DESC LIMIT 10"
).bindparams(bindparam("since", type_=UTCDateTime()))


@dataclass
class Sample:
    compute: list[float] = field(default_factory=list)
    job: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    shown: str = ""  # what the digest held, to show it is not empty


def _timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def measure(site: Site, now: datetime, *, reps: int) -> dict[str, Sample]:
    out = {}
    db = site.deps.db
    for kind, channel in CHANNELS.items():
        nameable = jobs.nameable_channels(site.deps, TEAM, channel, now)

        def compute():
            with db.read() as session:
                return digests.compute(session, TEAM, channel, now=now, nameable_channels=nameable)

        def job():
            return jobs.build_digest(site.deps, TEAM, channel, now, site.deps.settings.timezone)

        def raw():
            with db.read() as session:
                return session.execute(RAW, {"team": TEAM, "channel": channel,
                                             "since": now - digests.WINDOW}).all()

        sample = Sample()
        compute(), job(), raw()  # warm the caches
        for _ in range(reps):
            seconds, found = _timed(compute)
            sample.compute.append(seconds)
            sample.job.append(_timed(job)[0])
            sample.raw.append(_timed(raw)[0])
        sample.shown = (f"{len(found.items)} items, {len(found.accepted)} accepted, {found.asked} asked, "
                        f"{len(found.open_questions)} open, {len(found.helpers)} helpers, "
                        f"{len(found.new_experts)} new experts, {len(found.gaps)} gaps")
        out[kind] = sample
    return out


def table(results: dict[str, dict[str, Sample]], data: dict[str, str], reps: int) -> Table:
    t = Table("Digest: one channel's weekly digest (services.digest.compute, as jobs.build_digest calls it)", [
        "database", "data", "channel", "digest content", "compute p50 / p95 ms", "build_digest p50 / p95 ms",
        "raw SQL p50 / p95 ms", "p95 vs raw SQL", "target < 1 s"])
    for database, by_channel in results.items():
        for kind, s in by_channel.items():
            cp95, jp95, rp95 = percentile(s.compute, 95), percentile(s.job, 95), percentile(s.raw, 95)
            t.add(database, data.get(database, ""), kind, s.shown,
                  f"{ms(percentile(s.compute, 50))} / {ms(cp95)}", f"{ms(percentile(s.job, 50))} / {ms(jp95)}",
                  f"{ms(percentile(s.raw, 50))} / {ms(rp95)}", ratio(cp95, rp95),
                  "met" if max(cp95, jp95) < TARGET else "MISSED")
    t.notes.append(f"{reps} runs each after one warm-up. compute = `services.digest.compute` in one read session "
                   "(the nameable channels looked up once beforehand, as `jobs.build_digest` does); build_digest = "
                   "`jobs.build_digest`: the nameable channels (conversations cache), compute, a chat.getPermalink "
                   "call to the Slack sandbox per open question, and the Block Kit message; only the post is left out.")
    t.notes.append("Baseline: the one query behind the digest's headline list, the week's most saved items "
                   "visible in the channel: `SELECT … FROM knowledge_items WHERE team_id = ? AND (is_public OR "
                   "channel_id = ?) AND created_at >= ? ORDER BY score DESC, created_at DESC, id DESC LIMIT 10` — "
                   "the same statement `knowledge.most_useful` issues, as raw SQL without the ORM. It is the one "
                   "part of the digest that reads the 1M-row table, so it is the floor for any digest that lists "
                   "items; the ratio shows what the other nine queries and the Python around them cost on top.")
    return t
