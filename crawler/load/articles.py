"""Load: pending raw pages into extracted articles in PostgreSQL, idempotently.

The fetch stage leaves each fetched page in ``raw_pages`` (state ``pending``,
:mod:`crawler.fetch.store`); :func:`load_pending` extracts the pending pages of a source
(in a pool of worker processes, :mod:`crawler.load.pool`, when there are many) and upserts the
articles: new rows are inserted, changed ones (another ``content_hash``) updated after their
stored version is copied to ``article_revisions`` (one SQL statement per batch), identical ones
left untouched. New and changed articles are then linked to an earlier near-duplicate (body
SimHash, :mod:`crawler.load.simhash`) through ``duplicate_of``. Counts end up in ``crawl_runs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import psycopg2.errors
import psycopg2.extensions
from psycopg2.extras import execute_values

from crawler.db import query
from crawler.fetch.urls import normalize_url
from crawler.load.pool import (
    Job,
    Result,
    extract_chunk,
    extract_page,
    start_fork_server,
    start_pool,
)
from crawler.models import Article, Rejection
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)

BATCH_SIZE = 200  # pages read ahead from the database: bounds memory whatever the site's size
WRITE_SIZE = 100  # extracted pages per write (one transaction)
_POOL_THRESHOLD = 40  # below this many pending pages, a process pool costs more than it saves
_CHUNK = 4  # pages per task sent to a worker
_CHUNKS_PER_WORKER = 8  # tasks queued per worker, so none idles while results are written
_FOLLOW_POLL = 0.1  # seconds between looks for new pages while following a running crawl
# SimHash bits: a copy with a credit line added is within 4 bits 97 % of the time, unrelated
# bodies ~32 apart; 4 is also the most the five bands of migration 0007 are sure to find.
DUPLICATE_MAX_DISTANCE = 4
DUPLICATE_WINDOW_DAYS = 30  # a copy is compared with articles first seen this long before it


@dataclass(slots=True)
class LoadCounts:
    """What one load did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # new or changed articles linked to an earlier near-duplicate
    rejected_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


def content_hash(article: Article) -> str:
    """Stable hash of everything extraction produced (not of fetch times).

    Stored with each article and compared on revisits: its value must not change between versions
    (tests pin it). The fields are read directly, not with ``asdict`` (which deep-copies them, for
    the same JSON at twice the cost).
    """
    data = {f.name: getattr(article, f.name) for f in fields(article)}
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _fetch_pending(
    conn: psycopg2.extensions.connection,
    source: Source,
    after: str,
    claimed: set[str],
    limit: int,
) -> list[Job]:
    """Pending pages of ``source`` after URL ``after`` and not already ``claimed`` by this load."""
    with conn.cursor() as cur:
        cur.execute(
            query("pending_pages"),
            {"source": source.name, "after": after, "claimed": list(claimed), "limit": limit},
        )
        rows = cur.fetchall()
    return [
        (url, bytes(html), enc, reason, source.language, source.allowed_domains, source.timezone)
        for url, html, enc, reason in rows
    ]


def load_pending(
    conn: psycopg2.extensions.connection,
    source: Source,
    run_id: str,
    *,
    workers: int = 1,
    follow: threading.Event | None = None,
) -> LoadCounts:
    """Extract every pending page of ``source`` and upsert the articles; commits per batch.

    With ``workers`` > 1 and enough pages, extraction runs in a process pool that is kept busy:
    pages are read from the database ahead, a few chunks per worker are always queued, and
    results are written while the workers go on. With ``follow`` (an event the caller sets when
    the crawl has ended), pages are extracted as the running crawl stores them, and the load
    returns after a last look once it is set: extraction overlaps the crawl instead of waiting
    for it. Memory stays bounded whatever the site's size: at most :data:`BATCH_SIZE` pages read
    ahead, ``_CHUNK`` × ``_CHUNKS_PER_WORKER`` per worker in flight, and one write's results.
    """
    counts = LoadCounts()
    pool: ProcessPoolExecutor | None = None
    queue: deque[Job] = deque()  # read, not yet sent to a worker
    inflight: set[Future[list[Result]]] = set()
    done: list[Result] = []  # extracted, not yet written
    claimed: set[str] = set()  # URLs of all three: still 'pending' in the database
    after = ""
    next_look = 0.0  # monotonic time of the next look for pending pages
    drained = False  # the last look found nothing new
    final = False  # a look was made after the crawl had ended: no page can come after it
    if follow is not None and workers > 1:
        start_fork_server()  # the extractor imports while the crawl starts up
    try:
        while True:
            finished = follow is None or follow.is_set()  # read before looking: no page missed
            if len(queue) < BATCH_SIZE // 2 and (
                (finished and not final) or time.monotonic() >= next_look
            ):
                final = finished
                jobs = _fetch_pending(conn, source, after, claimed, BATCH_SIZE - len(queue))
                if not jobs and after:  # the crawl may have stored pages before `after` since
                    after = ""
                    jobs = _fetch_pending(conn, source, after, claimed, BATCH_SIZE - len(queue))
                drained = not jobs
                # while the crawl runs, look again soon if pages came, else after a pause
                next_look = time.monotonic() + (_FOLLOW_POLL if drained else 0.0)
                if jobs:
                    after = jobs[-1][0]
                    queue.extend(jobs)
                    claimed.update(job[0] for job in jobs)
                if (
                    pool is None
                    and workers > 1
                    and queue
                    and (follow is not None or len(queue) >= _POOL_THRESHOLD)
                ):
                    pool = start_pool(workers, following=follow is not None)
            if pool is None:
                done.extend(extract_page(queue.popleft()) for _ in range(len(queue)))
            else:
                while queue and len(inflight) < workers * _CHUNKS_PER_WORKER:
                    chunk = [queue.popleft() for _ in range(min(_CHUNK, len(queue)))]
                    inflight.add(pool.submit(extract_chunk, chunk))
                if inflight:
                    ready, _ = wait(inflight, timeout=_FOLLOW_POLL, return_when=FIRST_COMPLETED)
                    for future in ready:
                        inflight.discard(future)
                        done.extend(future.result())
            idle = not queue and not inflight
            # Nothing left to read (the crawl has ended and its last pages are sent): write each
            # result as it comes, while the workers finish the rest, not all at the end.
            draining = final and drained and not queue
            if len(done) >= WRITE_SIZE or (done and (idle or draining)):
                _write_batch(conn, source.name, run_id, done, counts)
                conn.commit()
                claimed.difference_update(url for url, _, _ in done)
                done.clear()
            if idle and drained:
                if final:
                    return counts
                follow.wait(max(0.0, next_look - time.monotonic()))  # type: ignore[union-attr]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _write_batch(
    conn: psycopg2.extensions.connection,
    source: str,
    run_id: str,
    results: list[Result],
    counts: LoadCounts,
) -> None:
    now = datetime.now(UTC)
    marks: list[tuple[str, str, str | None, str | None]] = []
    articles: dict[str, tuple[Any, ...]] = {}
    for fetched_url, outcome, fingerprint in results:
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
            fingerprint,
        )
    with conn.cursor() as cur:
        if articles:
            written = execute_values(
                cur,
                query("upsert_articles"),
                list(articles.values()),
                # VALUES in a CTE takes its column types from the literals: cast what may be NULL.
                template="(%s,%s,%s,%s,%s::text[],%s::timestamptz,%s::timestamptz,%s::text,"
                "%s::text,%s::text[],%s::text,%s::text,%s::text,%s,%s,%s::timestamptz,%s,%s::bigint)",
                page_size=500,
                fetch=True,
            )
            inserted = sum(1 for _, is_new in written if is_new)
            counts.new += inserted
            counts.updated += len(written) - inserted
            counts.unchanged += len(articles) - len(written)
            if written:
                cur.execute(
                    query("link_near_duplicates"),
                    {
                        "urls": [url for url, _ in written],
                        "max_distance": DUPLICATE_MAX_DISTANCE,
                        "window_days": DUPLICATE_WINDOW_DAYS,
                    },
                )
                counts.duplicates += sum(1 for _, original in cur.fetchall() if original)
        if marks:
            execute_values(cur, query("mark_pages"), marks, page_size=500)
