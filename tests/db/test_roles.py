"""Least privilege (sql/migrations/0010): the pipeline's role does its housekeeping without owning
anything, consumers are bounded, and no other role may connect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg2
import psycopg2.extensions
import pytest
from psycopg2 import sql

from crawler.db.scratch import with_database
from crawler.maintenance import analyze, refresh_materialized_views


def _login_url(url: str, user: str) -> str:
    base, _, params = url.partition("?")
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{user}@{rest.split('@', 1)[-1]}" + (f"?{params}" if params else "")


@pytest.fixture
def as_writer(db: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection acting as newsflow_writer (SET ROLE: what a writer login may do)."""
    conn = psycopg2.connect(db)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET ROLE newsflow_writer")
    yield conn
    conn.close()


def test_the_writer_analyzes_the_tables_it_does_not_own(
    db: str, as_writer: psycopg2.extensions.connection
) -> None:
    tables = analyze(as_writer)
    assert "articles" in tables and "raw_pages" in tables
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_analyze IS NULL",
            (list(tables),),
        )
        assert cur.fetchall() == [], "tables left unanalyzed (ANALYZE skips non-owners silently)"


def test_the_writer_refreshes_the_owners_materialized_views(
    db: str, as_writer: psycopg2.extensions.connection
) -> None:
    owner = psycopg2.connect(db)
    owner.autocommit = True
    try:
        with owner.cursor() as cur:
            cur.execute("CREATE MATERIALIZED VIEW news.t_sources AS SELECT name FROM sources")
            cur.execute("CREATE UNIQUE INDEX ON news.t_sources (name)")
            cur.execute(
                "INSERT INTO sources (name, language, allowed_domains, config) VALUES ('refreshed', 'en', '{x.org}', '{}')"
            )
        done = {r.name: r.how for r in refresh_materialized_views(as_writer)}
        assert done == {"t_sources": "concurrently"}
        with owner.cursor() as cur:
            cur.execute("SELECT name FROM news.t_sources")
            assert cur.fetchall() == [("refreshed",)]
        # The function refreshes `news` views only, whatever name it is given.
        with as_writer.cursor() as cur, pytest.raises(psycopg2.Error, match="not a materialized"):
            cur.execute("SELECT newsflow_refresh_matview('pg_class', false)")
    finally:
        with owner.cursor() as cur:
            cur.execute("DROP MATERIALIZED VIEW IF EXISTS news.t_sources")
        owner.close()


def test_consumers_are_bounded(db: str) -> None:
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'newsflow_reader'")
        assert cur.fetchone() == (20,)
        cur.execute(
            "SELECT unnest(setconfig) FROM pg_db_role_setting AS s"
            " JOIN pg_roles AS r ON r.oid = s.setrole WHERE r.rolname = 'newsflow_reader'"
        )
        settings = {row[0] for row in cur.fetchall()}
    assert {"statement_timeout=60s", "idle_in_transaction_session_timeout=5min"} <= settings


def test_only_the_owner_and_newsflow_roles_may_connect(db: str) -> None:
    stranger = f"stranger_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(db)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(stranger)))
        with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
            psycopg2.connect(_login_url(db, stranger)).close()
        # Another database of the server (not migrated by newsflow) still lets it in: the
        # revoke is this database's own.
        psycopg2.connect(_login_url(with_database(db, "postgres"), stranger)).close()
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(stranger)))
        admin.close()
