"""Load: pending raw pages into extracted articles in PostgreSQL, idempotently.

The fetch stage leaves each fetched page in ``raw_pages`` (state ``pending``,
:mod:`crawler.fetch.store`); :func:`load_pending` extracts the pending pages of a source
(always in worker processes, :mod:`crawler.load.pool`, so that a page that kills its process
costs only itself) and upserts the articles: new rows are inserted, changed ones (another
``content_hash``) updated after their stored version is copied to ``article_revisions`` (one SQL
statement per batch), identical ones left untouched. New and changed articles are then linked
to an earlier near-duplicate (body SimHash, :mod:`crawler.load.simhash`) through
``duplicate_of``. Counts end up in ``crawl_runs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

import psycopg2.errors
import psycopg2.extensions
from psycopg2.extras import execute_values

from crawler.db import describe_error, is_connection_error, query, without_nul
from crawler.errors import LoadError
from crawler.fetch.urls import normalize_url, url_too_long
from crawler.labels import ARTICLE, WORKER_CRASH, label_of
from crawler.load.pool import (
    PAGE_CPU_SECONDS,
    Job,
    Result,
    extract_chunk,
    start_fork_server,
    start_pool,
)
from crawler.load.templates import SourceTemplates
from crawler.models import Article, Rejection
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)

BATCH_SIZE = 200  # pages read ahead from the database: bounds memory whatever the site's size
WRITE_SIZE = 100  # extracted pages per write (one transaction)
_CHUNK = 4  # pages per task sent to a worker
_CHUNKS_PER_WORKER = 8  # tasks queued per worker, so none idles while results are written
_FOLLOW_POLL = 0.1  # seconds between looks for new pages while following a running crawl
# SimHash bits: a copy with a credit line added is within 4 bits 97 % of the time, unrelated
# bodies ~32 apart; 4 is also the most the five bands of migration 0007 are sure to find.
DUPLICATE_MAX_DISTANCE = 4
DUPLICATE_WINDOW_DAYS = 30  # a copy is compared with articles first seen this long before it
# Worker crashes (a broken pool) one load survives: a page that kills its worker costs two (its
# chunk's, then its own, alone), so two such pages pass; past this, workers are crashing on
# everything (no memory left, a broken install) and the load fails, its pages left pending.
MAX_WORKER_CRASHES = 4


@dataclass(slots=True)
class LoadCounts:
    """What one load did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # new or changed articles linked to an earlier near-duplicate
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)  # extracted pages per page label

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    def add(self, other: LoadCounts) -> None:
        """Add the counts of ``other`` (one write's) to these."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates
        self.rejected_by_reason.update(other.rejected_by_reason)
        self.labels.update(other.labels)


def content_hash(article: Article) -> str:
    """Stable hash of everything extraction produced (not of fetch times).

    Stored with each article and compared on revisits: its value must not change between versions
    (tests pin it). The fields are read directly, not with ``asdict`` (which deep-copies them, for
    the same JSON at twice the cost). The label is hashed only when it is not ``article``: the
    hashes of articles stored before labels existed stay, and a teaser that becomes the whole
    article (or the reverse) is a change.
    """
    data = {f.name: getattr(article, f.name) for f in fields(article)}
    if data["label"] == ARTICLE:
        del data["label"]
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _fetch_pending(
    conn: psycopg2.extensions.connection,
    source: Source,
    after: str,
    claimed: set[str],
    limit: int,
    template: frozenset[int],
) -> list[Job]:
    """Pending pages of ``source`` after URL ``after`` and not already ``claimed`` by this load,
    to be extracted with the source's ``template`` lines."""
    with conn.cursor() as cur:
        cur.execute(
            query("pending_pages"),
            {"source": source.name, "after": after, "claimed": list(claimed), "limit": limit},
        )
        rows = cur.fetchall()
    return [
        (
            url,
            bytes(html),
            enc,
            reason,
            source.language,
            source.allowed_domains,
            source.timezone,
            source.article_url_pattern,
            template,
        )
        for url, html, enc, reason in rows
    ]


def load_pending(
    conn: psycopg2.extensions.connection,
    source: Source,
    run_id: str,
    *,
    workers: int = 1,
    follow: threading.Event | None = None,
    cpu_seconds: float = PAGE_CPU_SECONDS,
    learn_templates: bool = True,
    max_crashes: int = MAX_WORKER_CRASHES,
) -> LoadCounts:
    """Extract every pending page of ``source`` and upsert the articles; commits per batch.

    The source's template statistics (:mod:`crawler.load.templates`) are read once, and its
    template lines removed from the pages. With ``learn_templates`` (or while the source has no
    statistics yet) the pages written are counted in them, and the pages read later are
    extracted with what was learnt; a re-extraction of pages already counted passes False.

    A page that takes more than ``cpu_seconds`` of CPU is rejected as "timeout", and the rest
    goes on.

    Extraction runs in a pool of up to ``workers`` processes, however few the pages, kept busy:
    pages are read from the database ahead, a few chunks per worker are always queued, and
    results are written while the workers go on. With ``follow`` (an event the caller sets when
    the crawl has ended), pages are extracted as the running crawl stores them, and the load
    returns after a last look once it is set: extraction overlaps the crawl instead of waiting
    for it. Memory stays bounded whatever the site's size: at most :data:`BATCH_SIZE` pages read
    ahead, ``_CHUNK`` × ``_CHUNKS_PER_WORKER`` per worker in flight, and one write's results.

    A worker that dies (the OOM killer, a crash in a C extension) breaks the pool: a new one is
    started, and the pages that were in flight are extracted again one at a time, so the page
    that kills a worker on its own is known. It is rejected as ``worker_crash`` and the rest goes
    on. After ``max_crashes`` crashes the load fails (:class:`~crawler.errors.LoadError`).
    """
    counts = LoadCounts()
    pool: ProcessPoolExecutor | None = None
    queue: deque[Job] = deque()  # read, not yet sent to a worker
    inflight: dict[Future[list[Result]], list[Job]] = {}
    suspects: deque[Job] = deque()  # in flight when a worker died: extracted one at a time
    crashes = 0
    done: list[Result] = []  # extracted, not yet written
    claimed: set[str] = set()  # URLs of all three: still 'pending' in the database
    after = ""
    next_look = 0.0  # monotonic time of the next look for pending pages
    drained = False  # the last look found nothing new
    final = False  # a look was made after the crawl had ended: no page can come after it
    size = workers  # the pool's, once started
    templates = SourceTemplates(conn, source.name, learn=learn_templates)
    if follow is not None:
        start_fork_server()  # the extractor imports while the crawl starts up
    try:
        while True:
            finished = follow is None or follow.is_set()  # read before looking: no page missed
            if len(queue) < BATCH_SIZE // 2 and (
                (finished and not final) or time.monotonic() >= next_look
            ):
                final = finished
                room = BATCH_SIZE - len(queue)
                jobs = _fetch_pending(conn, source, after, claimed, room, templates.template)
                if not jobs and after:  # the crawl may have stored pages before `after` since
                    after = ""
                    jobs = _fetch_pending(conn, source, after, claimed, room, templates.template)
                drained = not jobs
                # while the crawl runs, look again soon if pages came, else after a pause
                next_look = time.monotonic() + (_FOLLOW_POLL if drained else 0.0)
                if jobs:
                    after = jobs[-1][0]
                    queue.extend(jobs)
                    claimed.update(job[0] for job in jobs)
                if pool is None and queue:
                    # Never in this process, even for a few pages: a page that kills the process
                    # extracting it (the OOM killer, a segfault in lxml) would kill the load, and
                    # every later load of the source, on it. The cost, measured on loads of 5
                    # pages: 0.2-0.35 s once per process (the fork server starts and imports the
                    # extractor while the load waits), then 0.03-0.08 s a load (forking the
                    # pool). A pool kept warm between loads would save only the latter, and keep
                    # idle workers' memory: each load starts its own, with no more workers than
                    # chunks of pages.
                    if follow is None:
                        size = min(workers, math.ceil(len(queue) / _CHUNK))
                    pool = start_pool(size, following=follow is not None)
            if pool is not None:
                try:
                    # a suspect stays first in `suspects` until its result is in
                    if suspects and not inflight:
                        inflight[pool.submit(extract_chunk, [suspects[0]], cpu_seconds)] = [
                            suspects[0]
                        ]
                    while not suspects and queue and len(inflight) < size * _CHUNKS_PER_WORKER:
                        chunk = [queue.popleft() for _ in range(min(_CHUNK, len(queue)))]
                        inflight[pool.submit(extract_chunk, chunk, cpu_seconds)] = chunk
                    if inflight:
                        ready, _ = wait(
                            list(inflight), timeout=_FOLLOW_POLL, return_when=FIRST_COMPLETED
                        )
                        for future in ready:
                            done.extend(future.result())
                            chunk = inflight.pop(future)
                            if suspects and chunk[0] is suspects[0]:
                                suspects.popleft()
                except BrokenProcessPool:
                    crashes += 1
                    pool.shutdown(cancel_futures=True)
                    done.extend(_after_crash(source.name, inflight, suspects, crashes, max_crashes))
                    inflight.clear()
                    pool = start_pool(size, following=follow is not None)
            idle = not queue and not inflight and not suspects
            # Nothing left to read (the crawl has ended and its last pages are sent): write each
            # result as it comes, while the workers finish the rest, not all at the end.
            draining = final and drained and not queue
            if len(done) >= WRITE_SIZE or (done and (idle or draining)):
                _write(conn, source.name, run_id, done, counts)
                with conn.cursor() as cur:
                    templates.count(cur, (lines for *_, lines in done))
                conn.commit()
                claimed.difference_update(url for url, *_ in done)
                done.clear()
            if idle and drained:
                if final:
                    with conn.cursor() as cur:
                        templates.finish(cur)
                    conn.commit()
                    return counts
                follow.wait(max(0.0, next_look - time.monotonic()))  # type: ignore[union-attr]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _after_crash(
    source: str,
    inflight: dict[Future[list[Result]], list[Job]],
    suspects: deque[Job],
    crashes: int,
    max_crashes: int,
) -> list[Result]:
    """After a worker died: the results of the chunks that finished, and the rejection of the
    culprit when it was extracted alone (the first suspect); the other pages in flight become
    suspects. Raises :class:`LoadError` after ``max_crashes`` crashes."""
    if crashes > max_crashes:
        raise LoadError(
            f"source={source}: extraction workers died {crashes} times in one load (more than"
            f" {max_crashes}); the load stops, its pages stay pending"
        )
    results: list[Result] = []
    lost: list[Job] = []
    for future, chunk in inflight.items():
        if future.done() and not future.cancelled() and future.exception() is None:
            results.extend(future.result())
        else:
            lost.extend(chunk)
    if suspects and len(lost) == 1 and lost[0] is suspects[0]:  # alone: it killed the worker
        url = suspects.popleft()[0]
        LOGGER.warning(
            "source=%s %s: %.200s killed its extraction worker", source, WORKER_CRASH, url
        )
        detail = "the extraction worker died on this page"
        results.append((url, Rejection(WORKER_CRASH, detail), None, frozenset()))
    elif lost:
        LOGGER.warning(
            "source=%s an extraction worker died (crash %d of at most %d); extracting the %d"
            " page(s) it had in flight one at a time",
            source,
            crashes,
            max_crashes,
            len(lost),
        )
        suspects.extendleft(reversed(lost))
    return results


def _write(
    conn: psycopg2.extensions.connection,
    source: str,
    run_id: str,
    results: list[Result],
    counts: LoadCounts,
) -> None:
    """Write one batch of extraction results; if it fails, write them one by one.

    A page whose article still cannot be written is rejected as ``store_error`` (with the reason
    in the log) and the rest land: one bad page never blocks its source's load. A lost
    connection (a restarted server) is raised instead: the load fails, its pages stay pending.
    """
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT write_batch")
        try:
            written = _write_batch(cur, source, run_id, results)
        except Exception as exc:  # whatever it was, each page is tried on its own below
            if conn.closed or is_connection_error(exc):
                raise
            cur.execute("ROLLBACK TO SAVEPOINT write_batch")
            LOGGER.warning(
                "source=%s a write of %d page(s) failed, writing them one by one: %s",
                source,
                len(results),
                describe_error(exc),
            )
            written = LoadCounts()
            for result in results:
                cur.execute("SAVEPOINT write_page")
                try:
                    written.add(_write_batch(cur, source, run_id, [result]))
                except Exception as exc:
                    if conn.closed or is_connection_error(exc):
                        raise
                    cur.execute("ROLLBACK TO SAVEPOINT write_page")
                    LOGGER.warning(
                        "source=%s store_error: %.200s not written: %s",
                        source,
                        result[0],
                        describe_error(exc),
                    )
                    execute_values(
                        cur,
                        query("mark_pages"),
                        [(result[0], "rejected", "store_error", None, "store_error")],
                    )
                    written.rejected_by_reason["store_error"] += 1
                    written.labels["store_error"] += 1
                cur.execute("RELEASE SAVEPOINT write_page")
        cur.execute("RELEASE SAVEPOINT write_batch")
    counts.add(written)


def _write_batch(
    cur: psycopg2.extensions.cursor, source: str, run_id: str, results: list[Result]
) -> LoadCounts:
    """Upsert the articles of ``results``, link near-duplicates, mark the pages; the counts.

    Which page writes an article (its canonical URL, or its own URL when the canonical link is
    over :data:`~crawler.fetch.urls.MAX_URL_LENGTH`): the page at that URL itself, else the page
    the article was stored from, else (nothing stored yet) the last page naming it. Another page
    naming it with other content is rejected as ``canonical_conflict``, linked to the article
    through its ``article_url``: a page cannot take over an article of another page, or of
    another source, by pointing its canonical link at it. A page with the same content as the
    article is a copy of it (a redirect, a tracking variant): unchanged, as before.
    """
    counts = LoadCounts()
    now = datetime.now(UTC)
    marks: list[tuple[str, str, str | None, str | None, str]] = []
    claims: dict[str, list[tuple[str, Article, str, int | None]]] = {}
    for fetched_url, outcome, fingerprint, _ in results:
        if isinstance(outcome, Rejection):
            label = label_of(outcome)
            counts.rejected_by_reason[outcome.reason] += 1
            counts.labels[label] += 1
            marks.append((fetched_url, "rejected", outcome.reason, None, label))
            continue
        url = normalize_url(outcome.url)
        if url_too_long(url):  # an over-long canonical link: the page's own URL instead
            outcome = replace(outcome, url=fetched_url)
            url = fetched_url
        claims.setdefault(url, []).append(
            (fetched_url, outcome, content_hash(outcome), fingerprint)
        )
    stored: dict[str, tuple[str, str]] = {}
    if claims:
        cur.execute(query("stored_articles"), {"urls": list(claims)})
        stored = {url: (fetched_url, digest) for url, fetched_url, digest in cur.fetchall()}
    articles: dict[str, tuple[Any, ...]] = {}
    for url, pages in claims.items():
        fetched = [page[0] for page in pages]
        stored_from, stored_hash = stored.get(url, (None, None))
        if url in fetched:
            writer: str | None = url
        elif stored_from is None:
            writer = fetched[-1]
        else:
            writer = stored_from if stored_from in fetched else None
        written_hash = next((page[2] for page in pages if page[0] == writer), stored_hash)
        for fetched_url, outcome, digest, fingerprint in pages:
            if fetched_url != writer and digest != written_hash:
                counts.rejected_by_reason["canonical_conflict"] += 1
                counts.labels["canonical_conflict"] += 1
                marks.append(
                    (fetched_url, "rejected", "canonical_conflict", url, "canonical_conflict")
                )
                continue
            counts.labels[outcome.label] += 1
            marks.append((fetched_url, "article", None, url, outcome.label))
            if fetched_url != writer:  # a copy of the article under another URL
                counts.unchanged += 1
                continue
            articles[url] = without_nul(
                (
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
                    digest,
                    fetched_url,
                    now,
                    run_id,
                    fingerprint,
                    outcome.label,
                )
            )
    if articles:
        written = execute_values(
            cur,
            query("upsert_articles"),
            list(articles.values()),
            # VALUES in a CTE takes its column types from the literals: cast what may be NULL.
            # The fingerprint in parentheses: psycopg2 writes -2**63 as -9223372036854775808, and
            # "::" binds before the minus (9223372036854775808::bigint is out of range).
            template="(%s,%s,%s,%s,%s::text[],%s::timestamptz,%s::timestamptz,%s::text,"
            "%s::text,%s::text[],%s::text,%s::text,%s::text,%s,%s,%s::timestamptz,%s,(%s)::bigint,"
            "%s)",
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
    return counts
