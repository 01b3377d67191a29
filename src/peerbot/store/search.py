"""Full-text search over knowledge items, on the database's own engine:
SQLite FTS5 or PostgreSQL tsvector + GIN, behind one function.

The index objects are created by migrations (they are not ORM models)."""

from __future__ import annotations

SQLITE_FTS_TABLE = "knowledge_fts"
PG_SEARCH_COLUMN = "search_vector"


def is_search_object(name: str | None) -> bool:
    """Names of the index objects, which schema comparison leaves alone."""
    return bool(name) and (name.startswith(SQLITE_FTS_TABLE) or name in (PG_SEARCH_COLUMN, "ix_knowledge_items_search"))
