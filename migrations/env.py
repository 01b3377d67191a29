"""Alembic environment. `peerbot db upgrade` (and `peerbot run`) hand us an
open connection through `config.attributes["connection"]`; the plain `alembic`
command line works too, reading DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from peerbot.store.models import Base
from peerbot.store.search import is_search_object

config = context.config
target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:
    # The full-text index is created by hand in the migrations, not modelled.
    return not is_search_object(name)


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///peerbot.db"))
    with engine.connect() as connection:
        run_migrations(connection)
