"""Insert-once: the database's unique constraints decide, not our memory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_ignore(session: Session, model: type, **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING. True when this call inserted the row,
    False when a row with the same unique key was already there (a retry, a
    double click, another replica)."""
    insert = _INSERTS[session.get_bind().dialect.name]
    key = inspect(model).primary_key
    # RETURNING tells reliably whether a row went in (rowcount does not, on
    # every driver, through the ORM).
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    return session.execute(statement).first() is not None
