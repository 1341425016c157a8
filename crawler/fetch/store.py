"""Raw-page storage for the fetch stage: pages, fetch errors, discovery validators, provenance.

The crawl stores every fetched article page compressed (:mod:`crawler.fetch.compression`) in
``raw_pages`` (state ``pending``) for the load stage, and the channels that listed each article
URL in ``url_discoveries``; what it must not fetch again (known, revisited and retried URLs, feed
and sitemap validators) is read from here too.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import psycopg2.errors
import psycopg2.extensions
from psycopg2.extras import Json, execute_values

from crawler.db import query, without_nul
from crawler.db.binary_copy import ColumnType, binary_copy_stream
from crawler.fetch.compression import compress_html
from crawler.fetch.items import DiscoveredUrlsItem, DiscoveryStateItem, FetchErrorItem, PageItem
from crawler.fetch.urls import url_too_long
from crawler.sources import Source


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
    conn: psycopg2.extensions.connection, source: Source, as_of: datetime, urls: Sequence[str]
) -> dict[str, bool]:
    """Of ``urls``, those of ``source`` already fetched and not due for a revisit at ``as_of``,
    each mapped to whether it is a stored article (False: a rejected page, or one still to be
    extracted). The crawl asks batch by batch: a source's stored URLs are never loaded whole."""
    with conn.cursor() as cur:
        cur.execute(
            query("known_urls"),
            {
                "source": source.name,
                "revisit_hours": source.revisit_hours,
                "as_of": as_of,
                "urls": list(urls),
            },
        )
        return dict(cur.fetchall())


def revisit_urls(
    conn: psycopg2.extensions.connection, source: Source, as_of: datetime
) -> tuple[str, ...]:
    """Stored article URLs of ``source`` due for a revisit at ``as_of`` (none without revisit_hours)."""
    if source.revisit_hours is None:
        return ()
    with conn.cursor() as cur:
        cur.execute(
            query("revisit_urls"),
            {"source": source.name, "revisit_hours": source.revisit_hours, "as_of": as_of},
        )
        return tuple(row[0] for row in cur.fetchall())


MAX_FETCH_ATTEMPTS = 3  # a URL that failed this often is left alone (kept in fetch_errors)


def retry_urls(conn: psycopg2.extensions.connection, source: Source) -> tuple[str, ...]:
    """URLs of ``source`` whose fetch failed fewer than :data:`MAX_FETCH_ATTEMPTS` times."""
    with conn.cursor() as cur:
        cur.execute(
            query("retry_urls"), {"source": source.name, "max_attempts": MAX_FETCH_ATTEMPTS}
        )
        return tuple(row[0] for row in cur.fetchall())


def discovery_validators(
    conn: psycopg2.extensions.connection,
    source: Source,
    since: datetime | None,
    until: datetime | None,
) -> dict[str, tuple[str | None, str | None]]:
    """Feed/sitemap URL → (ETag, Last-Modified) usable for a conditional request in this window."""
    with conn.cursor() as cur:
        cur.execute(
            query("discovery_validators"), {"source": source.name, "since": since, "until": until}
        )
        return {url: (etag, last_modified) for url, etag, last_modified in cur.fetchall()}


def store_discovery_state(
    conn: psycopg2.extensions.connection,
    source: str,
    items: Sequence[DiscoveryStateItem],
    since: datetime | None = None,
    until: datetime | None = None,
) -> None:
    """Record the validators of a finished crawl's feed and sitemap responses (those of a
    sitemap named by an over-long URL are not kept: it is fetched in full every time)."""
    now = datetime.now(UTC)
    by_url = {i.url: i for i in items if not url_too_long(i.url)}
    rows = [
        without_nul((i.url, source, i.etag, i.last_modified, i.status, now, since, until))
        for i in by_url.values()
    ]
    with conn.cursor() as cur:
        execute_values(
            cur,
            query("upsert_discovery_state"),
            rows,
            template="(%s,%s,%s,%s,%s,%s,%s::timestamptz,%s::timestamptz)",
            page_size=500,
        )


def store_pages(
    conn: psycopg2.extensions.connection, source: str, run_id: str, pages: Sequence[PageItem]
) -> Counter[tuple[str, str | None]]:
    """Store fetched pages in ``raw_pages`` (compressed HTML, state pending) and clear their
    fetch errors.

    New URLs are written with binary ``COPY`` (:mod:`crawler.db.binary_copy`), refetched ones
    upserted. A refetched page (a revisit) whose bytes and declared encoding are those of the page
    already extracted keeps its outcome: only its fetch time, run and status are updated, nothing
    is compressed, rewritten or extracted again. Returns how many pages were kept so, by their
    state (``article``, ``rejected``) and label."""
    if not pages:
        return Counter()
    by_url = {p.url: p for p in pages}  # one row per URL per statement
    sha256 = {url: hashlib.sha256(p.body).hexdigest() for url, p in by_url.items()}
    with conn.cursor() as cur:
        cur.execute(query("stored_pages"), {"urls": list(by_url)})
        stored = {
            url: (digest, encoding, state, label, html_kept)
            for url, digest, encoding, state, label, html_kept in cur
        }
        kept = {
            url: (state, label)
            for url, (stored_sha256, encoding, state, label, html_kept) in stored.items()
            if state in ("article", "rejected")
            and html_kept
            and stored_sha256 == sha256[url]
            and encoding == by_url[url].encoding
            and by_url[url].skip_reason is None
        }
        touched = [(url, by_url[url].fetched_at, run_id, by_url[url].status) for url in kept]
        rows = [
            without_nul(
                (
                    p.url,
                    source,
                    run_id,
                    p.fetched_at,
                    p.status,
                    p.content_type,
                    p.encoding,
                    compress_html(p.body),
                    sha256[p.url],
                    "pending",
                    p.skip_reason,
                )
            )
            for p in by_url.values()
            if p.url not in kept
        ]
        if touched:
            execute_values(cur, query("touch_unchanged_pages"), touched, page_size=500)
        new = [row for row in rows if row[0] not in stored]
        if new and _copy_new_pages(conn, cur, new):  # else stored meantime: upserted below
            rows = [row for row in rows if row[0] in stored]
        if rows:
            execute_values(
                cur,
                query("upsert_raw_pages"),
                [(*row[:7], psycopg2.Binary(row[7]), *row[8:], None) for row in rows],
                page_size=500,
            )
        cur.execute(query("clear_fetch_errors"), {"urls": list(by_url)})
    return Counter(kept.values())


_PAGE_COLUMNS: tuple[ColumnType, ...] = (
    "text",  # url
    "text",  # source
    "text",  # run_id
    "timestamptz",  # fetched_at
    "int4",  # http_status
    "text",  # content_type
    "text",  # encoding
    "bytea",  # html_compressed
    "text",  # body_sha256
    "text",  # state
    "text",  # reject_reason
)


def _copy_new_pages(
    conn: psycopg2.extensions.connection,
    cur: psycopg2.extensions.cursor,
    rows: list[tuple[Any, ...]],
) -> bool:
    """COPY pages with URLs not stored yet; False (and nothing written) if one was stored in the
    meantime, by another source sharing a domain or an overlapping run."""
    stream = binary_copy_stream(rows, _PAGE_COLUMNS, psycopg2.extensions.encodings[conn.encoding])
    cur.execute("SAVEPOINT copy_new_pages")
    try:
        cur.copy_expert(query("copy_new_pages"), stream)
    except psycopg2.errors.UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT copy_new_pages")
        return False
    cur.execute("RELEASE SAVEPOINT copy_new_pages")
    return True


def store_fetch_errors(
    conn: psycopg2.extensions.connection, source: str, run_id: str, errors: Sequence[FetchErrorItem]
) -> None:
    """Record failed fetches (attempts are counted per URL)."""
    if not errors:
        return
    now = datetime.now(UTC)
    by_url = {e.url: e for e in errors}
    rows = [
        without_nul(
            (
                e.url,
                source,
                run_id,
                e.http_status,
                e.error_class,
                e.message,
                now,
                now,
                e.attempts,
                e.label,
            )
        )
        for e in by_url.values()
    ]
    with conn.cursor() as cur:
        execute_values(cur, query("upsert_fetch_errors"), rows, page_size=500)


def store_discoveries(
    conn: psycopg2.extensions.connection,
    source: str,
    run_id: str,
    items: Sequence[DiscoveredUrlsItem],
) -> None:
    """Record which channel listed which article URL; a pair stored already keeps its first time."""
    rows = [(url, channel, i.discovered_at) for i in items for url, channel in i.found]
    if not rows:
        return
    urls, channels, times = (list(column) for column in zip(*rows, strict=True))
    with conn.cursor() as cur:
        cur.execute(
            query("insert_url_discoveries"),
            {
                "source": source,
                "run_id": run_id,
                "urls": urls,
                "channels": channels,
                "discovered_at": times,
            },
        )
