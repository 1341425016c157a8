"""Databases created and dropped on one server: the embedded server's extra databases, and throwaway
ones for tests and benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead (user, host and query parameters kept)."""
    base, _, params = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{params}" if params else "")


def _admin(server_url: str) -> psycopg2.extensions.connection:
    # No `with conn`: psycopg2 opens a transaction there even in autocommit mode, and
    # CREATE/DROP DATABASE refuse to run inside one.
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    return conn


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url`` unless it exists; its URL."""
    from psycopg2 import sql  # database names cannot be bound parameters

    conn = _admin(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, closing its connections (``WITH (FORCE)``)."""
    from psycopg2 import sql

    conn = _admin(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        conn.close()


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new empty database ``<prefix>_<random>`` for a test or benchmark, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
