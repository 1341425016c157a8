"""Numbered migrations: ``sql/migrations/NNNN_name.sql``, applied in order, each once, inside its own
transaction, recorded with a sha256 checksum; an applied file that changed is refused."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions

from crawler.db import connect, query, sql_dir, transaction
from crawler.errors import MigrationError

LOGGER = logging.getLogger(__name__)

_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


# Arbitrary constant: serialises concurrent migrators (pg_advisory_xact_lock key).
_MIGRATION_LOCK_KEY = 0x6E657773  # "news"


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
    """The data step of migrations that change the SimHash definition (``crawler/load/simhash.py``,
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
