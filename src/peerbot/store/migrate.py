"""Apply Alembic migrations, safely when several replicas start at once."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from peerbot.store.db import Database

# Any fixed number: replicas serialise their upgrades on this advisory lock.
_PG_MIGRATION_LOCK = 727_100_001


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("peerbot.migrations")))
    return config


def upgrade(db: Database) -> None:
    """Upgrade the schema to head. On PostgreSQL an advisory lock makes
    replicas take turns; on SQLite one BEGIN IMMEDIATE transaction does."""
    config = alembic_config()
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            connection.commit()
        else:
            # Alembic treats SQLite DDL as non-transactional and would run each
            # step on its own; open one write transaction first (our engine
            # begins it IMMEDIATE), so the version check and every step hold
            # the write lock and a second replica waits, then finds head.
            connection.execute(text("SELECT 1"))
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK})
                connection.commit()


def is_at_head(db: Database) -> bool:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
