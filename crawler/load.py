"""Load: fetched pages and extracted articles into PostgreSQL, idempotently.

The crawl stores every fetched article page gzip-compressed in ``raw_pages`` (state ``pending``);
:func:`load_pending` extracts the pending pages of a source (in a process pool when there are many)
and upserts the articles: new rows are inserted, changed ones (another ``content_hash``) updated,
identical ones left untouched. Counts end up in ``crawl_runs``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import multiprocessing
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg2.extensions
from psycopg2.extras import Json, execute_values

from crawler.db import query
from crawler.discover import normalize_url
from crawler.items import FetchErrorItem, PageItem
from crawler.models import Article, Rejection
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)

BATCH_SIZE = 200  # pages per extraction batch: bounds memory whatever the site's size
_POOL_THRESHOLD = 40  # below this many pending pages, a process pool costs more than it saves


def sync_sources(conn: psycopg2.extensions.connection, sources: Iterable[Source]) -> None:
    """Register the sources (their validated config) in the ``sources`` table."""
    with conn.cursor() as cur:
        for s in sources:
            config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(s).items()}
            cur.execute(
                query("upsert_source"),
                {
                    "name": s.name,
                    "language": s.language,
                    "allowed_domains": list(s.allowed_domains),
                    "config": Json(config),
                },
            )


def known_urls(
    conn: psycopg2.extensions.connection, source: Source, as_of: datetime
) -> frozenset[str]:
    """URLs of ``source`` already fetched and not due for a revisit at ``as_of``."""
    with conn.cursor() as cur:
        cur.execute(
            query("known_urls"),
            {"source": source.name, "revisit_hours": source.revisit_hours, "as_of": as_of},
        )
        return frozenset(row[0] for row in cur.fetchall())


def store_pages(
    conn: psycopg2.extensions.connection, source: str, run_id: str, pages: Sequence[PageItem]
) -> None:
    """Upsert fetched pages into ``raw_pages`` (gzip HTML, state pending) and clear their fetch errors."""
    if not pages:
        return
    by_url = {p.url: p for p in pages}  # one row per URL per statement
    rows = [
        (
            p.url,
            source,
            run_id,
            p.fetched_at,
            p.status,
            p.content_type,
            p.encoding,
            psycopg2.Binary(gzip.compress(p.body, compresslevel=6)),
            hashlib.sha256(p.body).hexdigest(),
            "pending",
            p.skip_reason,
            None,
        )
        for p in by_url.values()
    ]
    with conn.cursor() as cur:
        execute_values(cur, query("upsert_raw_pages"), rows, page_size=500)
        cur.execute(query("clear_fetch_errors"), {"urls": list(by_url)})


def store_fetch_errors(
    conn: psycopg2.extensions.connection, source: str, run_id: str, errors: Sequence[FetchErrorItem]
) -> None:
    """Record failed fetches (attempts are counted per URL)."""
    if not errors:
        return
    now = datetime.now(UTC)
    by_url = {e.url: e for e in errors}
    rows = [
        (e.url, source, run_id, e.http_status, e.error_class, e.message, now, now)
        for e in by_url.values()
    ]
    with conn.cursor() as cur:
        execute_values(cur, query("upsert_fetch_errors"), rows, page_size=500)


# extraction of pending pages ----------------------------------------------------------------


@dataclass(slots=True)
class LoadCounts:
    """What one load did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


def _extract_page(
    job: tuple[str, bytes, str | None, str | None, str, tuple[str, ...]],
) -> tuple[str, Article | Rejection]:
    """Worker-side: decompress and extract one page (module-level so a process pool can pickle it)."""
    from crawler.extract import extract

    url, html_gzip, encoding, preset_reason, language, domains = job
    if preset_reason:
        return url, Rejection(preset_reason)
    try:
        html = gzip.decompress(html_gzip)
    except (OSError, EOFError) as exc:
        return url, Rejection("corrupt_raw_page", str(exc))
    return url, extract(
        html, url, declared_encoding=encoding, default_language=language, allowed_domains=domains
    )


def content_hash(article: Article) -> str:
    """Stable hash of everything extraction produced (not of fetch times)."""
    data = asdict(article)
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _pending_batches(
    conn: psycopg2.extensions.connection, source: str
) -> Iterator[list[tuple[Any, ...]]]:
    after = ""
    while True:
        with conn.cursor() as cur:
            cur.execute(
                query("pending_pages"), {"source": source, "after": after, "limit": BATCH_SIZE}
            )
            rows = cur.fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def load_pending(
    conn: psycopg2.extensions.connection, source: Source, run_id: str, *, workers: int = 1
) -> LoadCounts:
    """Extract every pending page of ``source`` and upsert the articles; commits per batch."""
    counts = LoadCounts()
    executor: Executor | None = None
    try:
        for rows in _pending_batches(conn, source.name):
            if executor is None and workers > 1 and len(rows) >= _POOL_THRESHOLD:
                executor = ProcessPoolExecutor(
                    workers, mp_context=multiprocessing.get_context("spawn")
                )
            jobs = [
                (url, bytes(html), enc, reason, source.language, source.allowed_domains)
                for url, html, enc, reason in rows
            ]
            results = (
                list(executor.map(_extract_page, jobs, chunksize=8))
                if executor
                else map(_extract_page, jobs)
            )
            _write_batch(conn, source.name, run_id, list(results), counts)
            conn.commit()
    finally:
        if executor is not None:
            executor.shutdown()
    return counts


def _write_batch(
    conn: psycopg2.extensions.connection,
    source: str,
    run_id: str,
    results: list[tuple[str, Article | Rejection]],
    counts: LoadCounts,
) -> None:
    now = datetime.now(UTC)
    marks: list[tuple[str, str, str | None, str | None]] = []
    articles: dict[str, tuple[Any, ...]] = {}
    for fetched_url, outcome in results:
        if isinstance(outcome, Rejection):
            counts.rejected_by_reason[outcome.reason] += 1
            marks.append((fetched_url, "rejected", outcome.reason, None))
            continue
        url = normalize_url(outcome.url)
        marks.append((fetched_url, "article", None, url))
        if url in articles:  # two fetched URLs, one canonical article: the later one wins
            counts.unchanged += 1
        articles[url] = (
            url,
            source,
            outcome.title,
            outcome.body,
            list(outcome.authors),
            outcome.published_at,
            outcome.modified_at,
            outcome.language,
            outcome.section,
            list(outcome.tags),
            outcome.image_url,
            outcome.description,
            outcome.site_name,
            content_hash(outcome),
            fetched_url,
            now,
            run_id,
        )
    with conn.cursor() as cur:
        if articles:
            written = execute_values(
                cur,
                query("upsert_articles"),
                list(articles.values()),
                template="(%s,%s,%s,%s,%s::text[],%s,%s,%s,%s,%s::text[],%s,%s,%s,%s,%s,%s,%s)",
                page_size=500,
                fetch=True,
            )
            inserted = sum(1 for _, is_new in written if is_new)
            counts.new += inserted
            counts.updated += len(written) - inserted
            counts.unchanged += len(articles) - len(written)
        if marks:
            execute_values(cur, query("mark_pages"), marks, page_size=500)
