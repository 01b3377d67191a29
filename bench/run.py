"""Run every benchmark, print the tables and write docs/performance.md.

    python -m bench            the full run (about 15 minutes on 2 cores)
    python -m bench --quick    a smoke run with tiny sizes"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from bench import ack, dashboard, digest, ingest, matching, pg, search, site as bench_site, slack, social
from bench.corpus import vocabulary
from bench.report import Table, document
from bench.slack import ROOT, start_baseline, start_peerbot, start_world
from peerbot.cli import WORKER_THREADS

ANALYSIS_MARK = "<!-- analysis: everything below this line is kept when the benchmarks are run again -->"


@dataclass(frozen=True)
class Sizes:
    ack: dict[int, int]
    ack_time_limit: float
    ingest_events: int
    ingest_messages: int
    ingest_timeout: float
    search_sizes: tuple[int, ...]
    search_reps: int
    like_reps: Callable[[int], int]
    social: social.SocialSizes
    digest_reps: int
    dashboard_reps: int


FULL = Sizes({1: 150, 10: 400, 50: 800}, 30.0, 10_000, 400, 600.0, (10_000, 100_000, 1_000_000), 4,
             lambda size: 1 if size >= 1_000_000 else 3, social.FULL_SOCIAL, 5, 5)
QUICK = Sizes({1: 5, 10: 20, 50: 50}, 10.0, 200, 20, 60.0, (1_000, 3_000), 2, lambda size: 1,
              social.QUICK_SOCIAL, 3, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness runs")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", help="an admin URL of a PostgreSQL server to create bench_* databases in "
                                         "(default: start a throwaway server, or skip PostgreSQL if none is installed)")
    parser.add_argument("--only", default="ack,ingest,search,digest,dashboard,matching",
                        help="comma-separated: ack, ingest, search, digest, dashboard, matching")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.quick:
        slack.SETTLE_QUIET = 0.25
    wanted = set(args.only.split(","))
    databases = [d for d in args.databases.split(",") if d]
    started = time.perf_counter()
    notes: list[str] = []
    with ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbot-bench."))
        pg_admin, pg_version = None, None
        if "postgresql" in databases:
            try:
                pg_admin = stack.enter_context(pg.server(args.pg_url))
                pg_version = pg.version(pg_admin)
            except pg.NoPostgres as why:
                databases.remove("postgresql")
                notes.append(f"PostgreSQL skipped: {why}.")
                print(f"bench: PostgreSQL skipped: {why}", file=sys.stderr)

        @contextmanager
        def fresh(database: str, name: str) -> Iterator[str]:
            if database == "sqlite":
                path = Path(scratch) / f"{name}.db"
                yield f"sqlite:///{path}"
            else:
                with pg.database(pg_admin, name) as url:
                    yield url

        tables = _slack_benchmarks(databases, fresh, sizes, wanted) if wanted & {"ack", "ingest"} else []
        if wanted & {"search", "digest", "dashboard"}:
            tables.extend(_corpus_benchmarks(databases, fresh, sizes, wanted))
        if "matching" in wanted:
            print("bench: matching engine…", file=sys.stderr)
            tables.append(matching.measure(matching.QUICK if args.quick else matching.FULL))
    if notes:
        tables[-1].notes.extend(notes) if tables else None
    elapsed = time.perf_counter() - started
    for table in tables:
        print(table.text())
    _write(Path(args.output), tables, "quick" if args.quick else "full", pg_version, elapsed)
    print(f"bench: wrote {args.output} in {elapsed / 60:.1f} min")
    return 0


def _slack_benchmarks(databases, fresh, sizes: Sizes, wanted: set[str]) -> list[Table]:
    vocab = vocabulary()
    acks: dict[str, list[ack.AckRun]] = {}
    ingests: dict[str, ingest.IngestResult] = {}
    memory = Table("Memory: peak RSS (VmHWM) after all the load above", [
        "database", "peerbot MB (front + worker)", "baseline MB", "ratio", "target < 200 MB"])
    for database in databases:
        print(f"bench: acks and ingest on {database}…", file=sys.stderr)
        with fresh(database, "app") as url, fresh(database, "raw") as raw_url:
            world = start_world()
            peerbot = start_peerbot(world, url, pg.free_port())
            baseline = start_baseline(world, pg.free_port())
            try:
                if "ack" in wanted:
                    requests = ack.Requests(world, vocab)
                    acks[database] = ack.measure(world, peerbot, baseline, requests, sizes=sizes.ack,
                                                 time_limit=sizes.ack_time_limit)
                    acks[database].append(ack.measure_saturated(world, peerbot, baseline, requests, WORKER_THREADS))
                if "ingest" in wanted:
                    ingests[database] = ingest.measure(world, peerbot, baseline, url, raw_url,
                                                       events=sizes.ingest_events, messages=sizes.ingest_messages,
                                                       timeout=sizes.ingest_timeout)
                parts, base = peerbot.peak_rss_mb(), sum(baseline.peak_rss_mb())
                ours = sum(parts)
                memory.add(database, f"{ours:.0f} ({' + '.join(f'{p:.0f}' for p in parts)})", f"{base:.0f}",
                           f"{ours / base:.2f}x", "met" if ours < 200 else "MISSED")
            finally:
                peerbot.stop()
                baseline.stop()
                world.slack.stop()
    tables = []
    if acks:
        tables.append(ack.table(acks))
    if ingests:
        tables.append(ingest.table(ingests))
    memory.notes.append("peerbot: the sum of the peaks of `peerbot run`'s two processes (the front, which acks, and "
                        "the worker, which does the work after the acks); they ran every request above (the ack runs "
                        "and the ingest). The baseline (one process) acked the same number of requests.")
    tables.append(memory)
    return tables


def _corpus_benchmarks(databases, fresh, sizes: Sizes, wanted: set[str]) -> list[Table]:
    """Search at growing sizes; then, on the same database at the largest size, the people side
    of the workspace is added and the digest and the dashboard pages are measured."""
    vocab = vocabulary()
    qs = search.queries(vocab)
    results, load_seconds = {}, {}
    digests, pages, data, social_notes = {}, {}, {}, []
    for database in databases:
        with fresh(database, "search") as url:
            corpus = search.Corpus(url, vocab)
            try:
                steps = sizes.search_sizes if "search" in wanted else sizes.search_sizes[-1:]
                for size in steps:
                    print(f"bench: {'search on' if 'search' in wanted else 'corpus for'} {database} "
                          f"at {size:,} items…", file=sys.stderr)
                    corpus.grow_to(size)
                    if "search" in wanted:
                        results[(database, size)] = search.measure(corpus, qs, reps=sizes.search_reps,
                                                                   like_reps=sizes.like_reps(size))
                load_seconds[database] = corpus.load_seconds
                if wanted & {"digest", "dashboard"}:
                    print(f"bench: digest and dashboard on {database}…", file=sys.stderr)
                    people = social.load(corpus, vocab, sizes.social)
                    c = people.counts
                    data[database] = (f"{corpus.size:,} items, {c['members']:,} members, "
                                      f"{c['questions']:,} questions / 4 weeks")
                    social_notes.append(f"{database}: " + ", ".join(f"{v:,} {k}" for k, v in c.items())
                                        + f"; added in {people.load_seconds:.0f} s")
                    site = bench_site.start(url, people.now)
                    try:
                        if "digest" in wanted:
                            digests[database] = digest.measure(site, people.now, reps=sizes.digest_reps)
                        if "dashboard" in wanted:
                            pages[database] = dashboard.measure(site, people.now, people.viewer,
                                                                reps=sizes.dashboard_reps)
                    finally:
                        site.close()
            finally:
                corpus.close()
    tables = []
    if results:
        tables.append(search.table(results, load_seconds))
    data_note = ("Data: the search benchmark's corpus at its largest size (items saved every 30 s over the "
                 "year before `now`), plus the people side, bulk-inserted: " + "; ".join(social_notes) + ". "
                 "Questions are spread over the 4 weeks before `now` in 25 channels (5 private), 0–3 answers "
                 "each, half of the answered ones accepted and saved as knowledge items; one bookmark row per "
                 "point of score for every item of those 4 weeks.")
    if digests:
        tables.append(digest.table(digests, data, sizes.digest_reps))
        tables[-1].notes.append(data_note)
    if pages:
        tables.append(dashboard.table(pages, data, sizes.dashboard_reps))
        if not digests:
            tables[-1].notes.append(data_note)
    return tables


def _write(path: Path, tables: list[Table], mode: str, pg_version: str | None, elapsed: float) -> None:
    analysis = ""
    if path.exists() and ANALYSIS_MARK in path.read_text():
        analysis = path.read_text().split(ANALYSIS_MARK, 1)[1].lstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document(tables, mode=mode, postgres=pg_version, elapsed=elapsed, analysis="")
    path.write_text(text.rstrip("\n") + "\n\n" + ANALYSIS_MARK + "\n\n" + analysis)


if __name__ == "__main__":
    sys.exit(main())
