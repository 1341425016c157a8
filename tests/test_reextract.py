"""Re-extraction of stored pages (``crawler.reextract``, ``newsflow reextract``) on the demo site's
pages in the test PostgreSQL: changed extraction makes revisions, and pages whose raw HTML
``news_maintenance`` pruned are skipped, counted and left as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2

from crawler.fetch.compression import compress_html, decompress_html
from crawler.maintenance import prune_raw_html
from crawler.pipeline import crawl_step, load_step
from crawler.reextract import reextract
from crawler.sources import Source, load_sources
from tests.helpers import query_rows

RETENTION = timedelta(days=90)


def _crawl_and_load(source: Source, sources_path: Path, db: str) -> None:
    crawl_step(source, sources_path=sources_path, database_url=db, run_id="ingest")
    load_step(source, database_url=db, run_id="ingest")


def _newsflow_reextract(sources_path: Path, db: str) -> str:
    """``newsflow reextract --sources FILE`` against ``db``; its standard output."""
    newsflow = str(Path(sys.executable).with_name("newsflow"))
    proc = subprocess.run(
        [newsflow, "reextract", "--sources", str(sources_path)],
        env={**os.environ, "DATABASE_URL": db},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_reextract_updates_through_revisions(demo_sources: Path, db: str) -> None:
    (source,) = load_sources(demo_sources)
    _crawl_and_load(source, demo_sources, db)
    stored = query_rows(db, "SELECT count(*) FROM articles")[0][0]

    (unchanged,) = reextract(db, [source])
    assert (unchanged.counts.articles_new, unchanged.counts.articles_updated) == (0, 0)
    assert unchanged.counts.articles_unchanged == stored
    assert unchanged.skipped_pruned == 0

    url, html_compressed = query_rows(
        db,
        "SELECT url, html_compressed FROM raw_pages WHERE state = 'article' ORDER BY url LIMIT 1",
    )[0]
    html = decompress_html(bytes(html_compressed))
    edited = html.replace(b"<p>", b"<p>UPDATE: figures revised. ", 1)
    assert edited != html
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE raw_pages SET html_compressed = %s WHERE url = %s",
            (psycopg2.Binary(compress_html(edited)), url),
        )
    conn.close()
    out = _newsflow_reextract(demo_sources, db)
    assert "updated 1," in out, out
    assert query_rows(db, "SELECT count(*) FROM article_revisions") == [(1,)]
    runs = query_rows(db, "SELECT run_id, status FROM crawl_runs WHERE run_id LIKE 'reextract__%%'")
    assert len(runs) == 2 and {s for _, s in runs} == {"succeeded"}


def _age_and_prune(db: str, urls: list[str]) -> int:
    """Date ``urls`` back past the retention period, then prune as ``news_maintenance`` does."""
    with psycopg2.connect(db) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE raw_pages SET fetched_at = fetched_at - interval '200 days'"
                " WHERE url = ANY(%s)",
                (urls,),
            )
        pruned = prune_raw_html(conn, datetime.now(UTC) - RETENTION)
    conn.close()
    return pruned


def test_reextract_skips_pages_whose_html_was_pruned(
    demo_site: Any, demo_sources: Path, db: str
) -> None:
    (source,) = load_sources(demo_sources)
    _crawl_and_load(source, demo_sources, db)
    articles = query_rows(db, "SELECT url FROM raw_pages WHERE state = 'article' ORDER BY url")
    listings = query_rows(db, "SELECT url FROM raw_pages WHERE reject_reason = 'listing_page'")
    assert len(articles) >= 4 and listings, "the demo crawl stored too little to prune some"
    old = [url for (url,) in articles[:2] + listings[:1]]
    assert _age_and_prune(db, old) == len(old), "prune_raw_html did not empty the aged pages"

    page_sql = (
        "SELECT url, state, reject_reason, article_url, html_compressed FROM raw_pages ORDER BY url"
    )
    pages_before = {row[0]: row for row in query_rows(db, page_sql)}
    articles_sql = "SELECT url, content_hash, updated_at, revision_count FROM articles ORDER BY url"
    articles_before = query_rows(db, articles_sql)
    requeueable = query_rows(
        db,
        "SELECT count(*) FROM raw_pages WHERE reject_reason IS DISTINCT FROM 'not_html'"
        " AND octet_length(html_compressed) > 0",
    )[0][0]
    demo_site.clear_requests()

    (result,) = reextract(db, [source])
    assert (result.queued, result.skipped_pruned) == (requeueable, len(old)), result
    counts = result.counts
    assert (counts.articles_new, counts.articles_updated) == (0, 0), counts
    assert counts.articles_unchanged == len(articles) - 2, counts
    assert not {"corrupt_raw_page", "empty"} & set(counts.rejected_by_reason), (
        f"pruned pages were extracted: {counts.rejected_by_reason}"
    )
    pages_after = {row[0]: row for row in query_rows(db, page_sql)}
    for url in old:
        assert pages_after[url] == pages_before[url], f"re-extraction changed pruned page {url}"
    assert query_rows(db, articles_sql) == articles_before, "re-extraction changed stored articles"
    assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]
    (message,) = query_rows(
        db, "SELECT message FROM crawl_runs WHERE run_id = %s", (counts.run_id,)
    )
    assert f"{len(old)} skipped" in message[0], message
    assert demo_site.requests == [], "re-extraction must not touch the network"

    out = _newsflow_reextract(demo_sources, db)
    assert f"skipped {len(old)} (stored HTML pruned)" in out, out
    assert query_rows(db, articles_sql) == articles_before, (
        "the CLI's re-extraction changed articles"
    )


def test_reextract_checks_the_repairable_days_again(db: str) -> None:
    """The loop of docs/operations.md: a day's drift alarm from extraction (leaks), re-extraction
    of the source since that day, and the day's checks run again, recorded in check_runs."""
    from crawler.pipeline import check_step
    from tests.quality.test_drift import TODAY, add_baseline, add_day

    source = Source(
        name="leaky",
        language="en",
        allowed_domains=("example.org",),
        feeds=("https://example.org/rss",),
    )
    add_baseline(db, source.name)
    run = add_day(db, source.name, TODAY, leaking=20)
    check_step(source, database_url=db, run_id=run)
    since = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)

    (nothing_fixed,) = reextract(db, [source], since=since)
    assert nothing_fixed.rechecked == {run: ["articles_boilerplate_leak", "drift_leak_rate"]}

    # the extraction rules fixed: re-extraction writes the bodies without the list
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE articles SET body = split_part(body, E'\\nRelated stories:', 1),"
            " run_id = 'reextract__fixed' WHERE source = %s",
            (source.name,),
        )
    conn.close()
    (fixed,) = reextract(db, [source], since=since)
    assert fixed.rechecked == {run: []}
    assert query_rows(
        db, "SELECT repairable_alarm_days FROM news.source_health WHERE source = %s", (source.name,)
    ) == [([],)]
