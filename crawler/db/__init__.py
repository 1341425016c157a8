"""PostgreSQL access: connections, the embedded server, numbered migrations and named queries.

SQL lives in ``sql/``: ``migrations/NNNN_name.sql`` are applied in order, each once, inside its own
transaction, recorded with a sha256 checksum; ``queries/*.sql`` hold named queries
(``-- name: upsert_articles``) that Python code fetches with :func:`query`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import psycopg2
import psycopg2.extensions

from crawler.config import Config
from crawler.errors import MigrationError

LOGGER = logging.getLogger(__name__)

# ``crawler/sql`` is a link to the repository's ``sql/`` in a checkout and the directory itself in
# the wheel (package data), so an installed package finds its migrations the same way.
SQL_DIR = Path(str(resources.files("crawler") / "sql"))
_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_NAME_RE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
# Arbitrary constant: serialises concurrent migrators (pg_advisory_xact_lock key).
_MIGRATION_LOCK_KEY = 0x6E657773  # "news"


def sql_dir() -> Path:
    """Where the ``sql/`` tree (migrations, queries, checks) is."""
    return SQL_DIR


def embedded_database_url(pgdata: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded PostgreSQL in ``pgdata`` and return its URL.

    The server keeps running after this process exits so that ``psql``, Airflow and later runs
    share it; stop it with ``newsflow db stop``.
    """
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", _runtime_dir(pgdata))
    import pgserver

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if database != "postgres":
        create_database(server.get_uri(), database)
    return str(server.get_uri(database))


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


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server in ``pgdata``; False if none was running."""
    import pgserver

    if not (pgdata / "postmaster.pid").exists():
        return False
    pgserver.pg_ctl(
        ["-w", "stop", "-m", "fast"], pgdata=pgdata, user="pgserver" if os.geteuid() == 0 else None
    )
    return True


def _runtime_dir(pgdata: Path) -> str:
    path = pgdata.parent / "run"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(path)


def database_url(config: Config) -> str:
    """``DATABASE_URL`` if set, else the embedded server's URL."""
    return config.database_url or embedded_database_url(config.pgdata)


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


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration file."""

    filename: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations() -> list[Migration]:
    """All migration files in order; refuses badly named files."""
    out = []
    for path in sorted((sql_dir() / "migrations").iterdir()):
        if path.suffix != ".sql":
            continue
        if not _MIGRATION_RE.match(path.name):
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        out.append(Migration(path.name, path.read_text(encoding="utf-8")))
    return out


def _ledger_exists(cur: psycopg2.extensions.cursor) -> bool:
    cur.execute(query("migrations_table_exists"))
    row = cur.fetchone()
    return bool(row and row[0])


def _ensure_ledger(cur: psycopg2.extensions.cursor) -> None:
    # Create schema_migrations only when missing: CREATE TABLE IF NOT EXISTS still needs CREATE on
    # the schema, which the pipeline's role (newsflow_writer) does not have.
    if not _ledger_exists(cur):
        cur.execute(query("create_migrations_table"))


def migrate(url: str) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return the applied names."""
    applied_now: list[str] = []
    conn = connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            # Session lock held until the end: a second migrator waits, then finds nothing to do.
            cur.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
            _ensure_ledger(cur)
        conn.autocommit = False
        for migration in migrations():
            with conn, conn.cursor() as cur:
                cur.execute(query("applied_migration"), {"filename": migration.filename})
                row = cur.fetchone()
                if row is not None:
                    if row[0] != migration.checksum:
                        raise MigrationError(
                            f"{migration.filename} was changed after it was applied "
                            f"(recorded sha256 {row[0][:12]}…, file {migration.checksum[:12]}…): "
                            "add a new migration instead of editing an applied one"
                        )
                    continue
                LOGGER.info("applying migration %s", migration.filename)
                try:
                    cur.execute(migration.sql)
                except psycopg2.Error as exc:
                    raise MigrationError(f"{migration.filename} failed: {exc}".strip()) from exc
                cur.execute(
                    query("record_migration"),
                    {"filename": migration.filename, "checksum": migration.checksum},
                )
                applied_now.append(migration.filename)
        fill_missing_fingerprints(conn)  # still under the lock: one migrator computes them
    finally:
        conn.close()
    return applied_now


def fill_missing_fingerprints(conn: psycopg2.extensions.connection, batch: int = 1000) -> int:
    """The data step of migrations that change the SimHash definition (``crawler/simhash.py``,
    first 0009): compute the fingerprint of every stored article that has none, from its body.
    Commits per batch, so an interrupted run resumes where it stopped; returns how many were set
    (a body without a single word has none and is looked at again by the next migrate, cheaply)."""
    from psycopg2.extras import execute_values

    from crawler.load.simhash import simhash

    after, filled = 0, 0
    while True:
        with conn, conn.cursor() as cur:
            cur.execute(query("articles_without_fingerprint"), {"after": after, "limit": batch})
            rows = cur.fetchall()
            if not rows:
                break
            after = rows[-1][0]
            values = [(i, f) for i, f in ((i, simhash(body)) for i, body in rows) if f is not None]
            if values:
                execute_values(cur, query("set_fingerprints"), values, page_size=batch)
        filled += len(values)
        if filled and filled % (100 * batch) < len(values):  # ~0.5 ms per article: say so
            LOGGER.info("computing article fingerprints: %d so far", filled)
    if filled:
        LOGGER.info("computed %d article fingerprint(s) (SimHash definition changed)", filled)
    return filled


def require_current_schema(url: str) -> None:
    """Raise :class:`MigrationError` unless every migration is applied as it is on disk.

    For the pipeline's own role, which may not migrate (no DDL): code deployed without its
    migrations would fail half-way through a run, or, after a change of the SimHash definition
    (0009), store fingerprints that cannot be compared with the stored ones."""
    stale = [(name, state) for name, state in migration_status(url) if state != "applied"]
    if stale:
        raise MigrationError(
            "the news database is not migrated ("
            + ", ".join(f"{name} {state}" for name, state in stale)
            + "): run `newsflow db migrate` as the database's owner"
        )


READER_ROLE = "newsflow_reader"  # SELECT on the `news` schema only (sql/migrations/0004_roles.sql)
WRITER_ROLE = "newsflow_writer"  # the pipeline: DML on the internal tables


def set_role_passwords(url: str, config: Config) -> dict[str, bool]:
    """Give the reader and writer roles LOGIN and their configured passwords.

    Returns role → whether it was changed: a role whose password is not configured
    (``NEWSFLOW_READER_PASSWORD`` / ``NEWSFLOW_WRITER_PASSWORD``) is left as it is.
    """
    from psycopg2 import sql

    passwords = {READER_ROLE: config.reader_password, WRITER_ROLE: config.writer_password}
    changed: dict[str, bool] = {}
    with transaction(url) as conn, conn.cursor() as cur:
        for role, password in passwords.items():
            changed[role] = False
            if password is None:
                continue
            cur.execute(query("role_exists"), {"role": role})
            if cur.fetchone() is None:
                raise MigrationError(f"role {role} does not exist: run `newsflow db migrate`")
            # ALTER ROLE cannot take bind parameters, so the value is quoted by psycopg2.sql.Literal.
            # It is a SCRAM verifier computed here by libpq (PQencryptPasswordConn, using the
            # server's password_encryption), so the password itself never reaches the server, its
            # statement log or pg_stat_activity. Never log either.
            verifier = psycopg2.extensions.encrypt_password(password, role, conn)
            statement = sql.SQL(query("set_role_password")).format(
                role=sql.Identifier(role), password=sql.Literal(verifier)
            )
            cur.execute(statement)
            LOGGER.info("role %s: LOGIN enabled, password set", role)
            changed[role] = True
    return changed


def migration_status(url: str) -> list[tuple[str, str]]:
    """(filename, 'applied' | 'pending' | 'changed') for every migration file; reads only."""
    with transaction(url) as conn, conn.cursor() as cur:
        recorded: dict[str, str] = {}
        if _ledger_exists(cur):
            cur.execute(query("list_migrations"))
            recorded = dict(cur.fetchall())
    out = []
    for m in migrations():
        if m.filename not in recorded:
            out.append((m.filename, "pending"))
        elif recorded[m.filename] != m.checksum:
            out.append((m.filename, "changed"))
        else:
            out.append((m.filename, "applied"))
    return out
