"""Dashboard: the Overview and Topics pages (the default period, the last 30
days, all channels), rendered by the dashboard's WSGI app called in-process
with a valid admin session, against /healthz through the same app and the raw
SQL that counts the page's headline figures."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, text

from bench import search, social
from bench import site as bench_site
from bench.corpus import vocabulary
from bench.report import Table, ms, percentile, ratio
from bench.search import TEAM
from bench.site import Site
from peerbot.store import migrate
from peerbot.store.db import Database
from peerbot.store.models import UTCDateTime

TARGET = 0.5
PERIOD = timedelta(days=30)  # the dashboard's default
_TIMES = (bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))
_WHERE = "team_id = :team AND created_at >= :since AND created_at <= :until"
PAGES = {
    "Overview": ("/dashboard", text(
        f"SELECT (SELECT count(*) FROM questions WHERE {_WHERE} AND message_ts IS NOT NULL), "
        f"(SELECT count(*) FROM knowledge_items WHERE {_WHERE}), "
        f"(SELECT count(*) FROM kb_searches WHERE {_WHERE})").bindparams(*_TIMES)),
    "Topics": ("/dashboard/topics", text(
        f"SELECT topic_id, count(*) FROM questions WHERE {_WHERE} AND topic_id IS NOT NULL "
        "GROUP BY topic_id").bindparams(*_TIMES)),
}


@dataclass
class Sample:
    page: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    size_kb: float = 0.0


def measure(site: Site, now: datetime, viewer: str, *, reps: int) -> dict[str, Sample]:
    cookie = site.login(viewer, now)
    params = {"team": TEAM, "since": now - PERIOD, "until": now}
    out = {}
    for name, (path, raw_sql) in PAGES.items():
        sample = Sample()

        def raw():
            with site.deps.db.read() as session:
                session.execute(raw_sql, params).all()

        for rep in range(reps + 1):  # the first is a warm-up
            started = time.perf_counter()
            status, body = site.get(path, cookie)
            page = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
            started = time.perf_counter()
            status, _ = site.get("/healthz")
            health = time.perf_counter() - started
            assert status == 200, status
            started = time.perf_counter()
            raw()
            sql = time.perf_counter() - started
            if rep:
                sample.page.append(page), sample.health.append(health), sample.raw.append(sql)
        sample.size_kb = len(body) / 1024
        out[name] = sample
    return out


def table(results: dict[str, dict[str, Sample]], data: dict[str, str], reps: int) -> Table:
    t = Table("Dashboard: server time of a page (WSGI app in-process, admin session, last 30 days)", [
        "database", "data", "page", "HTML KB", "page p50 / p95 ms", "/healthz p50 / p95 ms",
        "raw SQL p50 / p95 ms", "p95 vs raw SQL", "p95 vs /healthz", "target < 500 ms"])
    for database, by_page in results.items():
        for name, s in by_page.items():
            pp95, hp95, rp95 = percentile(s.page, 95), percentile(s.health, 95), percentile(s.raw, 95)
            t.add(database, data.get(database, ""), name, f"{s.size_kb:.0f}",
                  f"{ms(percentile(s.page, 50))} / {ms(pp95)}", f"{ms(percentile(s.health, 50))} / {ms(hp95)}",
                  f"{ms(percentile(s.raw, 50))} / {ms(rp95)}", ratio(pp95, rp95), ratio(pp95, hp95),
                  "met" if pp95 < TARGET else "MISSED")
    t.notes.append(f"{reps} requests per page after one warm-up, each through `server.build_wsgi_app` (the app "
                   "waitress serves) with the session cookie of an admin; the Slack client talks to the sandbox "
                   "(the conversations cache holds every channel's privacy; conversations.members is asked for "
                   "each private channel, users.info for the viewer's name, as on every page view).")
    t.notes.append("Baselines: `/healthz` through the same WSGI app (routing, a `SELECT 1`, the JSON reply: the "
                   "floor of any request), and the raw SQL for the page's headline figures over the same 30 days — "
                   "Overview: the counts of questions, knowledge items and /kb searches in one statement; Topics: "
                   "questions per topic (`GROUP BY topic_id`). The ratio is against the raw SQL: what the page "
                   "costs beyond reading the numbers it shows.")
    return t


# ---- on its own, with a kept database -------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """`python -m bench.dashboard --keep DIR`: the dashboard table only, on a 1M-item database
    built once and kept for the next run (building one takes minutes; `python -m bench` builds
    a fresh one every time). PostgreSQL needs `--pg-url` of a server that outlives the run."""
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=main.__doc__)
    parser.add_argument("--keep", required=True, help="a directory for the SQLite database and what was built")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", help="an admin URL; the kept database is bench_dashboard_ITEMS on that server")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    keep = Path(args.keep)
    keep.mkdir(parents=True, exist_ok=True)
    results, data = {}, {}
    for database in [d for d in args.databases.split(",") if d]:
        if database == "postgresql" and not args.pg_url:
            print("bench: PostgreSQL skipped: no --pg-url", file=sys.stderr)
            continue
        kept = f"bench_dashboard_{args.items}"
        url = (f"sqlite:///{keep / f'dashboard-{args.items}.db'}" if database == "sqlite"
               else create_engine(args.pg_url).url.set(database=kept).render_as_string(False))
        built = keep / f"{database}-{args.items}.json"
        if not built.exists():
            print(f"bench: building {args.items:,} items on {database} (once)…", file=sys.stderr)
            if database == "sqlite":
                (keep / f"dashboard-{args.items}.db").unlink(missing_ok=True)
            else:
                admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{kept}" WITH (FORCE)'))
                    connection.execute(text(f'CREATE DATABASE "{kept}"'))
                admin.dispose()
            vocab = vocabulary()
            corpus = search.Corpus(url, vocab)
            corpus.grow_to(args.items)
            people = social.load(corpus, vocab, social.FULL_SOCIAL)
            corpus.close()
            built.write_text(json.dumps({"now": people.now.isoformat(), "viewer": people.viewer,
                                         "counts": people.counts}))
        meta = json.loads(built.read_text())
        db = Database(url)
        migrate.upgrade(db)  # a kept database gets the migrations added since it was built
        db.dispose()
        now = datetime.fromisoformat(meta["now"])
        site = bench_site.start(url, now)
        try:
            results[database] = measure(site, now, meta["viewer"], reps=args.reps)
        finally:
            site.close()
        c = meta["counts"]
        data[database] = f"{args.items:,} items, {c['members']:,} members, {c['questions']:,} questions / 4 weeks"
    print(table(results, data, args.reps).text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
