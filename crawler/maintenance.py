"""Database housekeeping for the ``news_maintenance`` and ``news_consumer_refresh`` DAGs.

Each function takes an open connection and leaves the commit to the caller (except
:func:`refresh_materialized_views`, which needs autocommit: see there). SQL comes from
``sql/queries/maintenance.sql``.

**Raw HTML retention.** ``raw_pages`` rows are kept for ever: a row marks its URL as already
fetched (the crawl skips known URLs), so deleting it would make the next crawl fetch every old
article still listed in a sitemap. Only the stored HTML of *processed* pages (state ``article`` or
``rejected``) fetched before the cutoff is dropped (``html_compressed`` set to an empty value); such a
page can no longer be re-extracted offline, and is fetched again only if a revisit makes it due.
Pending pages keep their HTML whatever their age.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from crawler.db import query

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One refreshed materialized view and how (``concurrently`` or ``blocking``, and why)."""

    name: str
    how: str


def prune_raw_html(conn: psycopg2.extensions.connection, before: datetime) -> int:
    """Drop the stored HTML of processed pages fetched before ``before``; returns the page count."""
    with conn.cursor() as cur:
        cur.execute(query("prune_raw_html"), {"before": before})
        return int(cur.rowcount)


def prune_fetch_errors(conn: psycopg2.extensions.connection, before: datetime) -> int:
    """Delete fetch errors last tried before ``before``; returns the row count."""
    with conn.cursor() as cur:
        cur.execute(query("prune_fetch_errors"), {"before": before})
        return int(cur.rowcount)


def analyze(conn: psycopg2.extensions.connection) -> tuple[str, ...]:
    """ANALYZE the tables that the daily prune and load change; returns their names.

    Through ``newsflow_analyze()`` (migration 0010), which runs as the tables' owner: the pipeline's
    role owns nothing, and PostgreSQL skips a table its caller does not own with a mere warning.
    """
    with conn.cursor() as cur:
        cur.execute(query("analyze_tables"))
        return tuple(name for (name,) in cur.fetchall())


def refresh_materialized_views(conn: psycopg2.extensions.connection) -> list[Refreshed]:
    """Refresh every materialized view of the ``news`` schema, one transaction each.

    ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` (readers are never blocked) where PostgreSQL
    allows it: the view is populated and has a unique index on plain columns. Otherwise a plain
    ``REFRESH`` (readers wait), logged with the reason. No materialized view: logged, nothing done.
    ``conn`` must be in autocommit mode, so that each view is committed as soon as it is refreshed.
    """
    if not conn.autocommit:
        raise ValueError("refresh_materialized_views needs an autocommit connection")
    with conn.cursor() as cur:
        cur.execute(query("news_matviews"))
        views = cur.fetchall()
    if not views:
        LOGGER.info("no materialized view in schema news: nothing to refresh")
        return []
    done = []
    for name, populated, has_unique_index in views:
        concurrently = populated and has_unique_index
        how = (
            "concurrently"
            if concurrently
            else "blocking: " + ("no unique index" if populated else "never populated")
        )
        with conn.cursor() as cur:  # as the view's owner: see migration 0010
            cur.execute(query("refresh_matview"), {"name": name, "concurrently": concurrently})
        LOGGER.info("refreshed news.%s (%s)", name, how)
        done.append(Refreshed(name, how))
    return done
