"""Backfill runs crawl their data interval only, through the sources' sitemaps, and a re-run of
the same interval is idempotent (``crawler.tasks.ingest.crawl`` → ``crawl_step(since, until)``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from crawler.tasks.ingest import check, crawl, load, stats_line

DEMO_SOURCE = "demo-daily"
DAY = datetime(2026, 11, 19, tzinfo=UTC)  # the demo sitemaps list 3 articles of that day


def _fetched(url: str) -> list[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT url FROM raw_pages ORDER BY url")
        rows = [r[0].split("/news/", 1)[-1] for r in cur.fetchall()]
    conn.close()
    return rows


def test_backfill_crawls_its_interval_and_reruns_add_nothing(
    news_db: str, demo_site: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.demo.sources import write_demo_sources

    sources = write_demo_sources(
        demo_site.base_url,  # type: ignore[attr-defined]
        tmp_path / "sources.yaml",
        discovery=("sitemaps",),
    )
    monkeypatch.setenv("AIRFLOW_VAR_NEWSFLOW_SOURCES", str(sources))
    monkeypatch.setenv("NEWSFLOW_EXTRACT_WORKERS", "1")
    run_id = f"backfill__{DAY.isoformat()}"
    window = {"data_interval_start": DAY, "data_interval_end": DAY + timedelta(days=1)}

    first = crawl(DEMO_SOURCE, run_id, backfill=True, **window)
    fetched = _fetched(news_db)
    assert fetched, f"backfill of {DAY:%Y-%m-%d} fetched nothing: {first}"
    outside = [u for u in fetched if not u.startswith("2026/11/19/")]
    assert outside == [], f"backfill of {DAY:%Y-%m-%d} fetched pages of other days: {outside}"
    counts = load(DEMO_SOURCE, run_id)  # logs stats_line(counts)
    assert counts["articles_new"] > 0, f"backfill stored no article: {counts}"
    assert stats_line(counts) == (
        f"newsflow stats source={DEMO_SOURCE} run_id={run_id} fetched={counts['pages_fetched']}"
        f" new={counts['articles_new']} updated=0 unchanged=0"
        f" rejected={counts['rejected']} (listing_page=1) errors=0"
    ), counts
    check(DEMO_SOURCE, run_id)

    again = crawl(DEMO_SOURCE, run_id, backfill=True, **window)  # a cleared task, re-run
    assert again["pages_fetched"] == 0, f"re-run of the same interval fetched again: {again}"
    counts = load(DEMO_SOURCE, run_id)
    assert counts["articles_new"] == 0 and counts["articles_updated"] == 0, counts
    assert _fetched(news_db) == fetched
