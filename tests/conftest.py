"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
PEERBOT_TEST_DATABASE_URL names a server (.ci/run starts one): every test gets
a fresh, fully migrated database either way."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from peerbot.store import migrate
from peerbot.store.db import Database

PG_SERVER_URL = os.environ.get("PEERBOT_TEST_DATABASE_URL")
_TEMPLATE = "peerbot_test_template"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory) -> str:
    """Migrate once; each test then copies the result (a file, or a
    PostgreSQL template database), which is much faster than migrating."""
    if PG_SERVER_URL:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"', f'CREATE DATABASE "{_TEMPLATE}"')
        url = _pg_database_url(_TEMPLATE)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    return url


@pytest.fixture
def database_url(_migrated_template, tmp_path) -> str:
    if PG_SERVER_URL:
        name = f"peerbot_test_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"')
        yield _pg_database_url(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "peerbot.db"
        shutil.copy(make_url(_migrated_template).database, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def db(database_url) -> Database:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def empty_database_url(tmp_path) -> str:
    """A database with no schema at all, for migration tests."""
    if PG_SERVER_URL:
        name = f"peerbot_empty_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield _pg_database_url(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


def _pg_database_url(name: str) -> str:
    return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _pg_admin(*statements: str) -> None:
    engine = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
