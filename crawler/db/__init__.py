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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions

from crawler.errors import DatabaseUnreachable, MigrationError

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


def check_reachable(url: str) -> None:
    """Open and close one session: a server that is down, a refused login or a URL libpq cannot
    read is a :class:`DatabaseUnreachable` with libpq's reason on one line (it names the host and
    port, never the password), before any work starts."""
    try:
        connect(url).close()
    except psycopg2.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnreachable(f"cannot connect to the database: {reason}") from None


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection that commits on success, rolls back on error and is always closed."""
    conn = connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def without_nul(row: Sequence[Any]) -> tuple[Any, ...]:
    """``row`` with NUL characters removed from its text values (strings, lists of strings).

    PostgreSQL text cannot hold NUL: one in a header or an extracted field would fail the whole
    write ("A string literal cannot contain NUL"), so every row of text written from the web
    passes through here. Bytes (``bytea``) are left as they are.
    """
    return tuple(_without_nul(value) for value in row)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(v) for v in value)
    return value


_REASON_CHARS = 300  # a failure's reason as stored and logged: enough to act on, never a page


def describe_error(exc: BaseException) -> str:
    """A short reason for a failed statement: its class and PostgreSQL's primary message.

    Never the whole message: its DETAIL and CONTEXT lines may quote the failing row, which can
    hold a page's body. Of a chain of database errors, the first: closing a transaction on a lost
    connection raises a second one ("connection already closed") that explains nothing.
    """
    while isinstance(exc.__context__, psycopg2.Error):
        exc = exc.__context__
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    lines = str(exc).strip().splitlines()
    text = primary or (lines[0] if lines else "")
    return f"{type(exc).__name__}: {text}"[:_REASON_CHARS]


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the server is out of reach (down, restarting, connection cut),
    rather than that a statement was refused: the former is worth waiting for and retrying."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    if not isinstance(exc, psycopg2.OperationalError):
        return False
    code = exc.pgcode
    # no SQLSTATE: the client lost the connection; 08: connection exception; 57P: the server
    # is shutting down or starting up (57P01 admin shutdown, 57P03 cannot connect now)
    return code is None or code.startswith(("08", "57P"))


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
