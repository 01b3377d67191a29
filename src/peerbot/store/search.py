"""Full-text search over knowledge items, on the database's own engine:
SQLite FTS5 or PostgreSQL tsvector + GIN, behind one function.

The index objects are created by migrations (they are not ORM models).
User text never reaches either query language as syntax: it is cut into
words, and each word is quoted as a literal (FTS5 string, tsquery lexeme)
and sent as a bound parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, bindparam, case, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from peerbot.store.models import KnowledgeItem

SQLITE_FTS_TABLE = "knowledge_fts"
PG_SEARCH_COLUMN = "search_vector"
SNIPPET_MAX_CHARS = 200
MIN_PREFIX_CHARS = 3  # "a*" would match half the index
MAX_QUERY_WORDS = 32  # bounds the work one pasted wall of text can cause
# Boosts and the privacy filter apply to the best CANDIDATES matches by the engine's
# own relevance, not to every match: a broad word ("deploy") may match a large part
# of the index, and joining every match to its row costs far more than ranking it.
# A boost multiplies relevance by at most ~3x, so an item outside the engine's best
# 200 rarely belongs in the best 5 after boosting.
CANDIDATES = 200
# Ranking itself (bm25, ts_rank_cd) costs about a microsecond per match, so a word in
# a tenth of a million-item index would cost ~150 ms to rank in full. Only the newest
# MAX_RANKED matches are ranked: exact for every query matching fewer items, and for
# broad ones the best of the most recent items, in bounded time.
MAX_RANKED = 2000

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    item_id: int
    rank: float  # higher is better, comparable within one result list
    snippet: str  # plain text around the matched words, at most SNIPPET_MAX_CHARS


def is_search_object(name: str | None) -> bool:
    """Names of the index objects, which schema comparison leaves alone."""
    return bool(name) and (name.startswith(SQLITE_FTS_TABLE) or name in (PG_SEARCH_COLUMN, "ix_knowledge_items_search"))


def visible_to(team_id: str, channel_id: str | None) -> ColumnElement[bool]:
    """Privacy follows the channel: the workspace's public items, plus the
    items of the conversation the viewer is in (None: public only)."""
    visible = KnowledgeItem.is_public.is_(True)
    if channel_id is not None:
        visible = or_(visible, KnowledgeItem.channel_id == channel_id)
    return and_(KnowledgeItem.team_id == team_id, visible)


def tokenize(query: str) -> list[str]:
    return _WORD.findall(query or "")[:MAX_QUERY_WORDS]


def search_items(
    session: Session, *, team_id: str, channel_id: str | None, query: str, limit: int = 5
) -> list[Hit]:
    """The best `limit` items matching every word of `query` (the last one as
    a prefix), or, when none match them all, any of the words."""
    words = tokenize(query)
    if not words or limit <= 0:
        return []
    search = _SEARCHES[session.get_bind().dialect.name]
    hits = search(session, team_id, channel_id, words, limit, match_all=True)
    if not hits and len(words) > 1:
        hits = search(session, team_id, channel_id, words, limit, match_all=False)
    return hits


def _boosted(relevance: ColumnElement[float]) -> ColumnElement[float]:
    """Relevance, raised for items people found useful: saved often, or an accepted answer."""
    saves = 1 + 0.5 * func.ln(1.0 + KnowledgeItem.score)
    accepted = case((KnowledgeItem.kind == "answer", 1.5), else_=1.0)
    return (relevance * saves * accepted).label("rank")


def _search_sqlite(session: Session, team_id, channel_id, words, limit, *, match_all) -> list[Hit]:
    fts_query = _fts5_query(words, match_all)
    hits = _sqlite_ranked(session, team_id, channel_id, fts_query, limit, capped=True)
    if len(hits) < limit and _more_matches_than(session, fts_query, CANDIDATES):
        # The cap is taken before the privacy filter (FTS5 cannot filter by channel): when
        # too few of the candidates are visible here, rank every match instead.
        hits = _sqlite_ranked(session, team_id, channel_id, fts_query, limit, capped=False)
    if not hits:
        return []
    # snippet() re-reads the text: only for the rows kept.
    fts = table(SQLITE_FTS_TABLE, column("rowid"))
    fts_name = literal_column(SQLITE_FTS_TABLE)
    snippets = dict(session.execute(
        select(fts.c.rowid, func.snippet(fts_name, 1, "", "", "…", 24))
        .select_from(fts)
        .where(fts_name.op("MATCH")(bindparam("fts_query", fts_query)))
        .where(fts.c.rowid.in_([item_id for item_id, _rank in hits]))
    ).all())
    return [Hit(item_id, float(rank), _clean(snippets.get(item_id))) for item_id, rank in hits]


def _more_matches_than(session: Session, fts_query: str, count: int) -> bool:
    fts = table(SQLITE_FTS_TABLE, column("rowid"))
    fts_name = literal_column(SQLITE_FTS_TABLE)
    first = (
        select(fts.c.rowid)
        .select_from(fts)
        .where(fts_name.op("MATCH")(bindparam("fts_query", fts_query)))
        .limit(count + 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(first)) > count


def _sqlite_ranked(session: Session, team_id, channel_id, fts_query, limit, *, capped) -> list[tuple[int, float]]:
    fts = table(SQLITE_FTS_TABLE, column("rowid"))
    fts_name = literal_column(SQLITE_FTS_TABLE)
    relevance = (-func.bm25(fts_name, 2.0, 1.0)).label("relevance")  # bm25: lower is better
    matches = (
        select(fts.c.rowid, relevance)
        .select_from(fts)
        .where(fts_name.op("MATCH")(bindparam("fts_query", fts_query)))
        .order_by(fts.c.rowid.desc())  # FTS5 walks its doclists newest first and stops at the limit
        .limit(MAX_RANKED)
    )
    if capped:
        newest = matches.subquery("newest")
        matches = select(newest.c.rowid, newest.c.relevance).order_by(newest.c.relevance.desc()).limit(CANDIDATES)
    candidates = matches.subquery("candidates")
    rank = _boosted(candidates.c.relevance)
    statement = (
        select(KnowledgeItem.id, rank)
        .select_from(candidates)
        .join(KnowledgeItem, KnowledgeItem.id == candidates.c.rowid)
        .where(visible_to(team_id, channel_id))
        .order_by(rank.desc(), KnowledgeItem.created_at.desc(), KnowledgeItem.id.desc())
        .limit(limit)
    )
    return [(item_id, float(rank)) for item_id, rank in session.execute(statement)]


def _search_postgresql(session: Session, team_id, channel_id, words, limit, *, match_all) -> list[Hit]:
    config = literal_column("'english'::regconfig")
    tsquery = func.to_tsquery(config, bindparam("tsquery", _tsquery(words, match_all)))
    vector = literal_column(f"{KnowledgeItem.__tablename__}.{PG_SEARCH_COLUMN}")
    # The privacy filter is on the same table here, so the caps are taken after it.
    newest = (
        select(KnowledgeItem.id, vector.label("vector"))
        .where(vector.op("@@")(tsquery))
        .where(visible_to(team_id, channel_id))
        .order_by(KnowledgeItem.id.desc())
        .limit(MAX_RANKED)
        .subquery("newest")
    )
    relevance = func.ts_rank_cd(newest.c.vector, tsquery).label("relevance")
    candidates = (
        select(newest.c.id, relevance)
        .order_by(relevance.desc())
        .limit(CANDIDATES)
        .subquery("candidates")
    )
    rank = _boosted(candidates.c.relevance)
    best = (
        select(KnowledgeItem.id, KnowledgeItem.text, KnowledgeItem.created_at, rank)
        .select_from(candidates)
        .join(KnowledgeItem, KnowledgeItem.id == candidates.c.id)
        .order_by(rank.desc(), KnowledgeItem.created_at.desc(), KnowledgeItem.id.desc())
        .limit(limit)
        .subquery()
    )
    # ts_headline re-parses the text: run it on the few rows kept, not on every match.
    headline = func.ts_headline(config, best.c.text, tsquery, 'StartSel="",StopSel="",MaxWords=30,MinWords=10')
    statement = select(best.c.id, best.c.rank, headline).order_by(
        best.c.rank.desc(), best.c.created_at.desc(), best.c.id.desc()
    )
    return [Hit(item_id, float(rank), _clean(snippet)) for item_id, rank, snippet in session.execute(statement)]


_SEARCHES = {"sqlite": _search_sqlite, "postgresql": _search_postgresql}


def _fts5_query(words: list[str], match_all: bool) -> str:
    """Each word an FTS5 string literal; the last one a prefix when long enough."""
    terms = ['"' + word.replace('"', '""') + '"' for word in words]
    if len(words[-1]) >= MIN_PREFIX_CHARS:
        terms[-1] += "*"
    return (" AND " if match_all else " OR ").join(terms)


def _tsquery(words: list[str], match_all: bool) -> str:
    """Each word a quoted tsquery lexeme; the last one a prefix when long enough."""
    terms = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in words]
    if len(words[-1]) >= MIN_PREFIX_CHARS:
        terms[-1] += ":*"
    return (" & " if match_all else " | ").join(terms)


def _clean(snippet: str | None) -> str:
    text = " ".join((snippet or "").split())
    if len(text) > SNIPPET_MAX_CHARS:
        text = text[: SNIPPET_MAX_CHARS - 1].rstrip() + "…"
    return text
