"""The database keeps its promises under concurrent threads."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from peerbot.store.models import Workspace


def test_sqlite_is_tuned_for_a_threaded_server(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_concurrent_read_then_write_transactions_all_succeed(db):
    """Each thread reads a counter and writes it back plus one. With deferred
    transactions SQLite fails most of these with 'database is locked'; on
    PostgreSQL the row lock (FOR UPDATE, a no-op on SQLite) prevents lost updates."""
    now = datetime.now(timezone.utc)
    with db.begin() as session:
        session.add(Workspace(team_id="T1", name="0", created_at=now))

    def increment(_):
        with db.begin() as session:
            workspace = session.scalars(select(Workspace).where(Workspace.team_id == "T1").with_for_update()).one()
            workspace.name = str(int(workspace.name) + 1)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(increment, range(40)))
    with db.read() as session:
        assert session.scalars(select(Workspace.name)).one() == "40"


def test_datetimes_come_back_aware_utc(db):
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)
    with db.begin() as session:
        session.add(Workspace(team_id="T1", name="x", created_at=moment))
    with db.read() as session:
        assert session.scalars(select(Workspace.created_at)).one() == moment


def test_read_sessions_do_not_take_the_write_lock(db):
    with db.read() as reader, db.begin() as writer:
        reader.execute(text("SELECT 1"))
        writer.add(Workspace(team_id="T2", name="y", created_at=datetime.now(timezone.utc)))
