"""Task bodies of news_maintenance (retention, ANALYZE) and news_consumer_refresh."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from crawler.config import load_config
from crawler.db import connect, transaction
from crawler.maintenance import (
    analyze,
    prune_fetch_errors,
    prune_raw_html,
    refresh_materialized_views,
)
from crawler.tasks.connections import news_database_url

LOGGER = logging.getLogger(__name__)


def prune(as_of: datetime) -> dict[str, int]:
    """Apply the retention periods relative to ``as_of`` (the run's data interval end)."""
    config = load_config()
    html_before = as_of - timedelta(days=config.raw_html_retention_days)
    errors_before = as_of - timedelta(days=config.fetch_errors_retention_days)
    with transaction(news_database_url()) as conn:
        pruned = {
            "raw_html_pruned": prune_raw_html(conn, html_before),
            "fetch_errors_deleted": prune_fetch_errors(conn, errors_before),
        }
    LOGGER.info(
        "pruned: HTML of %d processed page(s) fetched before %s (%d days);"
        " %d fetch error(s) last tried before %s (%d days)",
        pruned["raw_html_pruned"],
        html_before.isoformat(),
        config.raw_html_retention_days,
        pruned["fetch_errors_deleted"],
        errors_before.isoformat(),
        config.fetch_errors_retention_days,
    )
    return pruned


def analyze_tables() -> list[str]:
    """ANALYZE the pipeline's tables."""
    with transaction(news_database_url()) as conn:
        tables = list(analyze(conn))
    LOGGER.info("analyzed: %s", ", ".join(tables))
    return tables


def refresh_consumer_views() -> list[str]:
    """Refresh the materialized views of the ``news`` schema; returns ``name (how)`` per view."""
    conn = connect(news_database_url())
    try:
        conn.autocommit = True
        refreshed = refresh_materialized_views(conn)
    finally:
        conn.close()
    return [f"{r.name} ({r.how})" for r in refreshed]
