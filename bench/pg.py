"""PostgreSQL for the benchmarks: a server given by URL, or a throwaway one
started here (initdb + pg_ctl, as .ci/run does), or none with a clear note."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class NoPostgres(Exception):
    """No server was given and none can be started here; the message says why."""


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """Yield an admin URL: `url` itself, or a throwaway server's."""
    if url:
        yield url
        return
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = bins[-1] if bins else shutil.which("initdb")
    if not initdb:
        raise NoPostgres("no PostgreSQL installed (no initdb found) and no --pg-url given")
    bindir = os.path.dirname(initdb)
    root = tempfile.mkdtemp(prefix="peerbot-bench-pg.")
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")
    data = os.path.join(root, "data")
    try:
        subprocess.run([*as_postgres, f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)
        subprocess.run([*as_postgres, f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(root, "server.log"), "-w",
                        "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                              f"-c max_connections=200 -c shared_buffers=512MB", "start"],
                       check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as error:
        shutil.rmtree(root, ignore_errors=True)
        raise NoPostgres(f"could not start a throwaway PostgreSQL server: {error}") from None
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"],
                       capture_output=True, cwd="/")
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def database(admin_url: str, prefix: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards."""
    name = f"bench_{prefix}_{uuid.uuid4().hex[:8]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def version(admin_url: str) -> str:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SHOW server_version")).scalar_one().split()[0]
    finally:
        engine.dispose()


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
