"""Migrations (ordered, once, checksummed, serialised) and named queries."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from crawler import db
from crawler.db.embedded import embedded_database_url, stop_embedded
from crawler.db.migrate import (
    fill_missing_fingerprints,
    migrate,
    migration_status,
    migrations,
    require_current_schema,
)
from crawler.db.scratch import create_database, scratch_database, with_database
from crawler.errors import MigrationError
from tests.helpers import query_rows


@pytest.fixture
def empty_db(pg_server_url: str) -> Iterator[str]:
    with scratch_database(pg_server_url, "mig") as url:
        yield url


def test_migrations_apply_once_in_order(empty_db: str) -> None:
    names = [m.filename for m in migrations()]
    assert names == sorted(names) and names[0].startswith("0001_")
    assert migrate(empty_db) == names
    assert migrate(empty_db) == []
    assert migration_status(empty_db) == [(n, "applied") for n in names]
    with psycopg2.connect(empty_db) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT to_regclass('articles'), to_regclass('crawl_runs'), to_regclass('sources')"
        )
        assert all(cur.fetchone())


def test_status_lists_pending_then_applied_and_checksums_are_recorded(empty_db: str) -> None:
    files = sorted((db.sql_dir() / "migrations").glob("*.sql"))
    names = [f.name for f in files]
    assert migration_status(empty_db) == [(n, "pending") for n in names]
    migrate(empty_db)
    with psycopg2.connect(empty_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT filename, checksum FROM schema_migrations ORDER BY filename")
        assert cur.fetchall() == [
            (f.name, hashlib.sha256(f.read_bytes()).hexdigest()) for f in files
        ]
    conn.close()


def test_changed_migration_is_refused(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), copy)
    monkeypatch.setattr(db, "SQL_DIR", copy)
    migrate(empty_db)
    first = sorted((copy / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    assert ("0001_initial.sql", "changed") in migration_status(empty_db)
    with pytest.raises(MigrationError, match="was changed after it was applied"):
        migrate(empty_db)


def test_failed_migration_rolls_back_and_is_not_recorded(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), copy)
    (copy / "migrations" / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (x int);\nSELECT no_such_function();\n", encoding="utf-8"
    )
    monkeypatch.setattr(db, "SQL_DIR", copy)
    with pytest.raises(MigrationError, match=r"9999_broken\.sql failed"):
        migrate(empty_db)
    status = dict(migration_status(empty_db))
    assert status["9999_broken.sql"] == "pending"
    with psycopg2.connect(empty_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('half_done')")
        assert cur.fetchone() == (None,)


def test_simhash_v2_migration_recomputes_stored_fingerprints(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0009 changed the SimHash definition: version 1 fingerprints stored before it are cleared
    and recomputed from the bodies by the same `migrate`; a body without words keeps none."""
    from crawler.load.simhash import simhash

    real, before = db.sql_dir(), tmp_path / "sql"
    shutil.copytree(real, before)
    (before / "migrations" / "0009_simhash_v2.sql").unlink()
    monkeypatch.setattr(db, "SQL_DIR", before)
    migrate(empty_db)
    bodies = {
        "https://ex.com/en": "The harbour bridge reopened after repairs, the council said.",
        "https://ex.com/ja": "東京都心で記録的な大雨となり、交通に影響が出た。",
        "https://ex.com/none": "…",
    }
    with psycopg2.connect(empty_db) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO sources VALUES ('s', 'en', '{ex.com}', '{}')")
        for n, (url, body) in enumerate(bodies.items()):
            cur.execute(
                "INSERT INTO articles (url, source, title, body, content_hash, fetched_url,"
                " fetched_at, run_id, body_simhash, updated_at)"
                " VALUES (%s, 's', 't', %s, 'h', %s, now(), 'r', %s, '2026-01-01')",
                (url, body, url, 1000 + n),  # stand-ins for version 1 values
            )
    conn.close()
    monkeypatch.setattr(db, "SQL_DIR", real)
    assert migrate(empty_db) == ["0009_simhash_v2.sql"]
    rows = dict(query_rows(empty_db, "SELECT url, body_simhash FROM articles"))
    assert rows == {url: simhash(body) for url, body in bodies.items()}
    assert rows["https://ex.com/none"] is None and None not in (rows[u] for u in list(bodies)[:2])
    # a recomputed fingerprint is not a change of the article
    assert query_rows(empty_db, "SELECT DISTINCT updated_at::date::text FROM articles") == [
        ("2026-01-01",)
    ]
    conn = psycopg2.connect(empty_db)
    try:
        assert fill_missing_fingerprints(conn) == 0  # nothing left to do
    finally:
        conn.close()


def test_pipeline_refuses_a_database_missing_a_migration(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MigrationError, match=r"0001_initial\.sql pending.*newsflow db migrate"):
        require_current_schema(empty_db)
    assert migration_status(empty_db)[0] == ("0001_initial.sql", "pending")  # read only
    migrate(empty_db)
    require_current_schema(empty_db)  # current: no error
    copy = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), copy)
    (copy / "migrations" / "9999_next.sql").write_text("SELECT 1;\n", encoding="utf-8")
    monkeypatch.setattr(db, "SQL_DIR", copy)
    with pytest.raises(MigrationError, match=r"\(9999_next\.sql pending\)"):
        require_current_schema(empty_db)


def test_badly_named_migration_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), copy)
    (copy / "migrations" / "2_Oops.sql").write_text("SELECT 1;", encoding="utf-8")
    monkeypatch.setattr(db, "SQL_DIR", copy)
    with pytest.raises(MigrationError, match=r"NNNN_snake_case\.sql"):
        migrations()


def test_concurrent_migrators_do_not_collide(empty_db: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(migrate(empty_db))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    applied = [name for r in results for name in r]
    assert sorted(applied) == [m.filename for m in migrations()], (
        "each migration applied exactly once"
    )


def test_named_queries_load() -> None:
    assert "ON CONFLICT (url)" in db.query("upsert_articles")
    with pytest.raises(KeyError, match="no query named"):
        db.query("nope")


def test_embedded_server_creates_a_second_database(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    try:
        url = embedded_database_url(pgdata, "airflow")
        assert url.split("?")[0].endswith("/airflow")
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone() == ("airflow",)
        assert embedded_database_url(pgdata, "airflow") == url  # exists now: reused
    finally:
        stop_embedded(pgdata)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:pw@/postgres?host=/run/pg", "postgresql://u:pw@/news?host=/run/pg"),
        ("postgresql://u@db.example:5432/app", "postgresql://u@db.example:5432/news"),
    ],
)
def test_with_database_swaps_only_the_name(url: str, expected: str) -> None:
    assert with_database(url, "news") == expected


def test_scratch_database_is_created_and_dropped(pg_server_url: str) -> None:
    with scratch_database(pg_server_url, "scratch") as url:
        name = url.partition("?")[0].rsplit("/", 1)[1]
        assert create_database(pg_server_url, name) == url  # exists already: no error
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone() == (name,)
        conn.close()
    with psycopg2.connect(pg_server_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        assert cur.fetchone() == (0,)
    conn.close()
