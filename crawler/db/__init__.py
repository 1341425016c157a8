"""PostgreSQL access: connections, transactions and the named queries of ``sql/queries``.

SQL lives in ``sql/`` only: ``queries/*.sql`` hold named queries (``-- name: upsert_articles``)
that Python code fetches with :func:`query`; ``migrations/`` are applied by
:mod:`crawler.db.migrate`. The embedded server is :mod:`crawler.db.embedded`, throwaway databases
:mod:`crawler.db.scratch`, the roles' passwords :mod:`crawler.db.roles`, cross-process locks
:mod:`crawler.db.locks`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

import psycopg2
import psycopg2.extensions

from crawler.errors import MigrationError

LOGGER = logging.getLogger(__name__)

# ``crawler/sql`` is a link to the repository's ``sql/`` in a checkout and the directory itself in
# the wheel (package data), so an installed package finds its migrations the same way.
SQL_DIR = Path(str(resources.files("crawler") / "sql"))
_NAME_RE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def sql_dir() -> Path:
    """Where the ``sql/`` tree (migrations, queries, checks) is."""
    return SQL_DIR


def connect(url: str) -> psycopg2.extensions.connection:
    """Open a psycopg2 connection (autocommit off) with a recognisable application name."""
    conn = psycopg2.connect(url, application_name="newsflow")
    return conn


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection that commits on success, rolls back on error and is always closed."""
    conn = connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


@cache
def _queries() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((sql_dir() / "queries").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        marks = list(_NAME_RE.finditer(text))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            name = mark.group(1)
            if name in found:
                raise MigrationError(f"{path.name}: query {name!r} defined twice")
            found[name] = text[mark.end() : end].strip()
    return found


def query(name: str) -> str:
    """The SQL text of the named query from ``sql/queries/*.sql``."""
    try:
        return _queries()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in {sql_dir() / 'queries'}") from None
