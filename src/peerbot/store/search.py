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
    fts = table(SQLITE_FTS_TABLE, column("rowid"))
    fts_name = literal_column(SQLITE_FTS_TABLE)
    rank = _boosted(-func.bm25(fts_name, 2.0, 1.0))  # bm25: lower is better
    statement = (
        select(KnowledgeItem.id, rank, func.snippet(fts_name, 1, "", "", "…", 24))
        .select_from(fts)
        .join(KnowledgeItem, KnowledgeItem.id == fts.c.rowid)
        .where(fts_name.op("MATCH")(bindparam("fts_query", _fts5_query(words, match_all))))
        .where(visible_to(team_id, channel_id))
        .order_by(rank.desc(), KnowledgeItem.created_at.desc(), KnowledgeItem.id.desc())
        .limit(limit)
    )
    return [Hit(item_id, float(rank), _clean(snippet)) for item_id, rank, snippet in session.execute(statement)]


def _search_postgresql(session: Session, team_id, channel_id, words, limit, *, match_all) -> list[Hit]:
    config = literal_column("'english'::regconfig")
    tsquery = func.to_tsquery(config, bindparam("tsquery", _tsquery(words, match_all)))
    vector = literal_column(f"{KnowledgeItem.__tablename__}.{PG_SEARCH_COLUMN}")
    rank = _boosted(func.ts_rank_cd(vector, tsquery))
    best = (
        select(KnowledgeItem.id, KnowledgeItem.text, KnowledgeItem.created_at, rank)
        .where(vector.op("@@")(tsquery))
        .where(visible_to(team_id, channel_id))
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
