"""Search: peerbot's /kb search (services.knowledge.search: ranking, boosts,
privacy filter) against the raw full-text query and a naive LIKE scan, at
growing numbers of knowledge items, by how many items a query matches."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from bench.corpus import Vocabulary, texts
from bench.report import Table, ms, percentile, ratio
from peerbot.services import knowledge
from peerbot.store import migrate
from peerbot.store.db import Database
from peerbot.store.search import _fts5_query, _tsquery, tokenize

TEAM = "T0BENCH"
PUBLIC_CHANNELS = [f"C0PUB{i:03d}" for i in range(20)]
PRIVATE_CHANNELS = [f"C0PRV{i:03d}" for i in range(5)]
VIEWER_CHANNEL = PUBLIC_CHANNELS[0]
CHUNK = 50_000
SELECTIVE_TARGET, BROAD_TARGET, RATIO_TARGET = 0.020, 0.150, 1.5


@dataclass
class Queries:
    selective: list[str]
    broad: list[str]
    prefix: list[str]

    def by_kind(self) -> dict[str, list[str]]:
        return {"selective": self.selective, "broad": self.broad, "prefix (4 letters)": self.prefix}


def queries(vocab: Vocabulary, seed: int = 11) -> Queries:
    rng = random.Random(seed)
    w = vocab.words
    selective = [w[r] for r in rng.sample(range(2000, 8000), 4)]
    selective += [f"{w[rng.randint(10, 60)]} {w[r]}" for r in rng.sample(range(1000, 3000), 4)]
    broad = [w[r] for r in rng.sample(range(12, 60), 6)] + [f"{w[rng.randint(10, 30)]} {w[rng.randint(10, 30)]}"
                                                             for _ in range(2)]
    prefix = [w[r][:4] for r in rng.sample(range(60, 400), 8) if len(w[r]) >= 5][:6]
    return Queries(selective, broad, prefix)


@dataclass
class Sample:
    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    like: list[float] = field(default_factory=list)
    matches: list[int] = field(default_factory=list)


class Corpus:
    """A database holding `size` knowledge items, grown in place."""

    def __init__(self, database_url: str, vocab: Vocabulary):
        self.db = Database(database_url)
        migrate.upgrade(self.db)
        self.vocab, self.size = vocab, 0
        self.dialect = self.db.dialect
        self.load_seconds = 0.0
        with self.db.begin() as session:
            session.execute(text("INSERT INTO workspaces (team_id, name, created_at) VALUES (:t, 'bench', :now)"),
                            {"t": TEAM, "now": self._when(0)})

    @staticmethod
    def _when(i: int) -> datetime:
        return datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=i * 30)

    def grow_to(self, size: int) -> None:
        started = time.perf_counter()
        while self.size < size:
            n = min(CHUNK, size - self.size)
            self._insert(self.size, texts(self.vocab, n, seed=self.size))
            self.size += n
        self._analyze()
        self.load_seconds += time.perf_counter() - started

    def _rows(self, first: int, items: list[tuple[str, str]]):
        rng = random.Random(first)
        for offset, (title, body) in enumerate(items):
            i = first + offset
            private = rng.random() < 0.1
            channel = rng.choice(PRIVATE_CHANNELS if private else PUBLIC_CHANNELS)
            kind = rng.choices(("message", "answer", "tip"), weights=(8, 1, 1))[0]
            score = min(50, int(rng.paretovariate(1.5)) - 1)
            yield (TEAM, channel, f"{1_700_000_000 + i}.{i % 1_000_000:06d}", not private, kind, title, body,
                   f"U{i % 500:05d}", f"U{(i * 7) % 500:05d}", score, self._when(i))

    def _insert(self, first: int, items: list[tuple[str, str]]) -> None:
        columns = ("team_id, channel_id, message_ts, is_public, kind, title, text, author_id, saved_by, score, "
                   "created_at, updated_at")
        raw = self.db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.dialect == "sqlite":
                rows = [(*r[:10], r[10].strftime("%Y-%m-%d %H:%M:%S.%f"), r[10].strftime("%Y-%m-%d %H:%M:%S.%f"))
                        for r in self._rows(first, items)]
                cursor.execute("BEGIN IMMEDIATE")
                # The FTS5 triggers of the migration index every row as it goes in.
                cursor.executemany(f"INSERT INTO knowledge_items ({columns}) VALUES "
                                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                cursor.execute("COMMIT")
            else:
                # COPY; the generated tsvector column is computed for each row as it goes in.
                with cursor.copy(f"COPY knowledge_items ({columns}) FROM STDIN") as copy:
                    for r in self._rows(first, items):
                        copy.write_row((*r, r[10]))
                raw.commit()
        finally:
            raw.close()

    def _analyze(self) -> None:
        raw = self.db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.dialect == "sqlite":
                cursor.execute("ANALYZE")
            else:
                raw.commit()
                raw.driver_connection.autocommit = True
                cursor.execute("VACUUM ANALYZE knowledge_items")
                raw.driver_connection.autocommit = False
        finally:
            raw.close()

    # ---- the three ways to search ---------------------------------------------------------------

    def ours(self, query: str) -> float:
        started = time.perf_counter()
        with self.db.read() as session:
            knowledge.search(session, team_id=TEAM, channel_id=VIEWER_CHANNEL, query=query, limit=5)
        return time.perf_counter() - started

    def _raw_statement(self, query: str) -> tuple[str, dict]:
        words = tokenize(query)
        if self.dialect == "sqlite":
            return ("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH :q LIMIT 20",
                    {"q": _fts5_query(words, True)})
        return ("SELECT id FROM knowledge_items WHERE search_vector @@ to_tsquery('english', :q) LIMIT 20",
                {"q": _tsquery(words, True)})

    def raw(self, query: str) -> float:
        sql, params = self._raw_statement(query)
        started = time.perf_counter()
        with self.db.read() as session:
            session.execute(text(sql), params).all()
        return time.perf_counter() - started

    def matches(self, query: str) -> int:
        sql, params = self._raw_statement(query)
        with self.db.read() as session:
            return session.execute(text(f"SELECT count(*) FROM ({sql.replace(' LIMIT 20', '')}) AS m"), params).scalar_one()

    def like(self, query: str) -> float:
        words = tokenize(query)
        where = " AND ".join(f"text LIKE :w{i}" for i in range(len(words)))
        params = {f"w{i}": f"%{word}%" for i, word in enumerate(words)}
        started = time.perf_counter()
        with self.db.read() as session:
            session.execute(text(f"SELECT id FROM knowledge_items WHERE {where} LIMIT 20"), params).all()
        return time.perf_counter() - started

    def close(self) -> None:
        self.db.dispose()


def measure(corpus: Corpus, qs: Queries, *, reps: int, like_reps: int) -> dict[str, Sample]:
    out = {}
    for kind, items in qs.by_kind().items():
        sample = Sample()
        for query in items:
            corpus.ours(query), corpus.raw(query)  # warm the cache
            sample.matches.append(corpus.matches(query))
            for _ in range(reps):
                sample.ours.append(corpus.ours(query))
                sample.raw.append(corpus.raw(query))
            for _ in range(like_reps):
                sample.like.append(corpus.like(query))
        out[kind] = sample
    return out


def table(results: dict[tuple[str, int], dict[str, Sample]], load_seconds: dict[str, float]) -> Table:
    t = Table("Search: /kb query latency (services.knowledge.search, limit 5, viewer in a public channel)", [
        "database", "items", "queries", "matches (min–max)", "peerbot p50 / p95 ms", "raw FTS p50 / p95 ms",
        "LIKE p50 / p95 ms", "p95 vs raw FTS", "p95 vs LIKE", "target at 1M"])
    for (database, size), by_kind in results.items():
        for kind, s in by_kind.items():
            op95, rp95, lp95 = percentile(s.ours, 95), percentile(s.raw, 95), percentile(s.like, 95)
            target = ""
            if size >= 1_000_000:
                limit = {"selective": SELECTIVE_TARGET, "broad": BROAD_TARGET}.get(kind)
                if limit is not None:
                    met = op95 < limit and op95 / rp95 <= RATIO_TARGET
                    target = (f"p95 < {limit * 1000:.0f} ms, ≤ {RATIO_TARGET}x raw: "
                              + ("met" if met else "MISSED" if op95 >= limit else "time met, ratio missed"))
                else:
                    target = "bounded: " + ("yes" if op95 < BROAD_TARGET else "NO")
            t.add(database, f"{size:,}", kind, f"{min(s.matches):,}–{max(s.matches):,}",
                  f"{ms(percentile(s.ours, 50))} / {ms(op95)}", f"{ms(percentile(s.raw, 50))} / {ms(rp95)}",
                  f"{ms(percentile(s.like, 50))} / {ms(lp95)}", ratio(op95, rp95), ratio(op95, lp95), target)
    t.notes.append("Items: generated text (a 30,000-word vocabulary drawn with a Zipf distribution, 12–40 words "
                   "and a 3–8 word title each), 10% in private channels, scores and kinds mixed. "
                   "Raw FTS: `SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ? LIMIT 20` / "
                   "`WHERE search_vector @@ to_tsquery(...) LIMIT 20` with the same query text: no ranking, no "
                   "privacy filter, stops at 20. LIKE: `text LIKE '%word%'` per word, LIMIT 20.")
    t.notes.append("Load time (bulk insert with the index kept by the FTS5 triggers / generated column): "
                   + ", ".join(f"{db} {sec:.0f} s" for db, sec in load_seconds.items()))
    return t
