"""news_maintenance (prune raw HTML, prune fetch errors, ANALYZE) and news_consumer_refresh
(refresh the `news` schema's materialized views), on a real database, and both DAGs end to end
with ``dag.test()``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions
import pytest
from psycopg2 import sql

from crawler.maintenance import prune_fetch_errors, prune_raw_html, refresh_materialized_views

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
AS_OF = datetime(2026, 11, 20, tzinfo=UTC)
OLD = AS_OF - timedelta(days=120)
RECENT = AS_OF - timedelta(days=10)


@pytest.fixture
def conn(db: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(db)
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sources (name, language, allowed_domains, config)"
            " VALUES ('s', 'en', '{example.org}', '{}')"
        )
        for url, state, fetched in (
            ("https://example.org/old-article", "article", OLD),
            ("https://example.org/old-rejected", "rejected", OLD),
            ("https://example.org/old-pending", "pending", OLD),
            ("https://example.org/recent", "article", RECENT),
        ):
            cur.execute(
                "INSERT INTO raw_pages (url, source, run_id, fetched_at, http_status,"
                " html_compressed, body_sha256, state) VALUES (%s, 's', 'r', %s, 200, 'x', 'h', %s)",
                (url, fetched, state),
            )
        for url, last_try in (("https://example.org/e1", OLD), ("https://example.org/e2", RECENT)):
            cur.execute(
                "INSERT INTO fetch_errors (url, source, run_id, error_class, first_try_at,"
                " last_try_at) VALUES (%s, 's', 'r', 'http_404', %s, %s)",
                (url, last_try, last_try),
            )
    yield conn
    conn.close()


def _html_lengths(conn: psycopg2.extensions.connection) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("SELECT url, octet_length(html_compressed) FROM raw_pages")
        return {url.rsplit("/", 1)[1]: n for url, n in cur.fetchall()}


def test_prune_keeps_rows_and_drops_old_processed_html(
    conn: psycopg2.extensions.connection,
) -> None:
    with conn:
        assert prune_raw_html(conn, AS_OF - timedelta(days=90)) == 2
        assert prune_fetch_errors(conn, AS_OF - timedelta(days=30)) == 1
    assert _html_lengths(conn) == {
        "old-article": 0,
        "old-rejected": 0,
        "old-pending": 1,  # not extracted yet: kept whatever its age
        "recent": 1,
    }, "prune_raw_html must empty the HTML of old processed pages only, and keep every row"
    with conn.cursor() as cur:
        cur.execute("SELECT url FROM fetch_errors")
        assert cur.fetchall() == [("https://example.org/e2",)]
    with conn:
        assert prune_raw_html(conn, AS_OF - timedelta(days=90)) == 0, "a second prune changed rows"


def _matviews(conn: psycopg2.extensions.connection, *statements: str) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS news")
        for statement in statements:
            cur.execute(statement)


def test_refresh_materialized_views(
    conn: psycopg2.extensions.connection, caplog: pytest.LogCaptureFixture
) -> None:
    conn.autocommit = True
    caplog.set_level(logging.INFO, logger="crawler.maintenance")
    try:
        assert refresh_materialized_views(conn) == []
        assert "no materialized view in schema news" in caplog.text
        _matviews(
            conn,
            "CREATE MATERIALIZED VIEW news.t_keyed AS SELECT name FROM sources",
            "CREATE UNIQUE INDEX ON news.t_keyed (name)",
            "CREATE MATERIALIZED VIEW news.t_plain AS SELECT count(*) AS n FROM sources",
            "CREATE MATERIALIZED VIEW news.t_empty AS SELECT name FROM sources WITH NO DATA",
            "CREATE UNIQUE INDEX ON news.t_empty (name)",
        )
        done = {r.name: r.how for r in refresh_materialized_views(conn)}
        assert done == {
            "t_empty": "blocking: never populated",
            "t_keyed": "concurrently",
            "t_plain": "blocking: no unique index",
        }
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM news.t_empty")
            assert cur.fetchone() == (1,), "the never-populated view was not filled"
    finally:
        with conn.cursor() as cur:
            for name in ("t_keyed", "t_plain", "t_empty"):
                cur.execute(
                    sql.SQL("DROP MATERIALIZED VIEW IF EXISTS {}").format(
                        sql.Identifier("news", name)
                    )
                )


def _dag(dag_id: str) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py"))
    assert bag.import_errors == {}, bag.import_errors
    dag = bag.dags[dag_id]
    for t in dag.tasks:
        t.retries = 0
    return dag


def test_maintenance_dags_run(
    airflow_db: None, news_db: str, conn: psycopg2.extensions.connection
) -> None:
    run = _dag("news_maintenance").test(logical_date=AS_OF)
    assert run.state == "success", [(t.task_id, t.state) for t in run.get_task_instances()]
    assert _html_lengths(conn)["old-article"] == 0, "news_maintenance did not prune old HTML"
    assert _html_lengths(conn)["recent"] == 1, "news_maintenance pruned HTML within retention"
    run = _dag("news_consumer_refresh").test()
    assert run.state == "success", [(t.task_id, t.state) for t in run.get_task_instances()]
