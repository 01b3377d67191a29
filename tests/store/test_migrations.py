"""The schema comes from migrations only, and it matches the models."""

import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from peerbot.store import migrate
from peerbot.store.db import Database
from peerbot.store.models import Base
from peerbot.store.search import is_search_object


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, *_: not is_search_object(name), "compare_type": True},
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_creates_every_table_and_is_idempotent(empty_database_url):
    db = Database(empty_database_url)
    assert not migrate.is_at_head(db)
    migrate.upgrade(db)
    migrate.upgrade(db)
    assert migrate.is_at_head(db)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    db.dispose()


def _replica_start(url: str) -> None:
    migrate.upgrade(Database(url))


def test_replicas_upgrading_together_do_not_race(empty_database_url):
    """Three processes (replicas) start at once against one empty database."""
    context = multiprocessing.get_context("spawn")
    replicas = [context.Process(target=_replica_start, args=(empty_database_url,)) for _ in range(3)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(60)
    assert [replica.exitcode for replica in replicas] == [0, 0, 0]
    db = Database(empty_database_url)
    assert migrate.is_at_head(db)
    db.dispose()
