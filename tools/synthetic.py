"""Generated rows in bulk, for tests, benchmarks and screenshots (not the pipeline): articles for
the consumer SQL, a history of runs for the Sources page.

The rows come from the named queries ``generate_synthetic_articles`` and
``generate_health_history`` (``sql/queries/synthetic.sql``).
"""

from __future__ import annotations

from datetime import datetime

import psycopg2
from psycopg2 import sql

from crawler.db import query


def load_synthetic_articles(url: str, n: int, now: datetime) -> None:
    """Insert ``n`` generated articles ending at ``now``, as a bulk load is done: the trigram GIN
    indexes are dropped first and rebuilt after, then the table is vacuumed and analysed."""
    conn = psycopg2.connect(url)
    conn.autocommit = True  # VACUUM cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            cur.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid = 'articles'::regclass AND indexrelid::regclass::text LIKE %s",
                ("%trgm",),
            )
            gin = cur.fetchall()
            for index, _ in gin:
                cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
            cur.execute(query("generate_synthetic_articles"), {"n": n, "now": now})
            for _, definition in gin:
                cur.execute(definition)
            cur.execute("VACUUM ANALYZE articles")
    finally:
        conn.close()


def load_health_history(
    url: str, sources: int, days: int, now: datetime, prefix: str = "health-"
) -> None:
    """Insert ``sources`` sources with a daily run (and its checks' outcome) for ``days`` days up
    to ``now`` (replacing what an earlier call made with the same ``prefix``), then analyse the
    tables the Sources page reads."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query("delete_health_history"), {"prefix": prefix})
            cur.execute(
                query("generate_health_history"),
                {"sources": sources, "days": days, "now": now, "prefix": prefix},
            )
            cur.execute("ANALYZE sources, crawl_runs, check_runs")
    finally:
        conn.close()
