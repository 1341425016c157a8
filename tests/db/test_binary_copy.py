"""Binary COPY rows (crawler.db.binary_copy) read back by a real PostgreSQL, and store_pages' COPY of
new pages falling back to an upsert when another crawl stored one of them meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import psycopg2
import pytest

from crawler.db import transaction
from crawler.db.binary_copy import binary_copy_stream
from tests.helpers import query_rows

TOKYO = timezone(timedelta(hours=9))


def test_rows_round_trip_through_postgres(db: str) -> None:
    rows = [
        (
            "東京で地震",
            b"\x00\xff\x28\xb5\x2f\xfd" * 1000,
            200,
            datetime(2026, 11, 25, 9, 30, tzinfo=TOKYO),
        ),
        ("", b"", -7, datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),  # before 2000
        (None, None, None, None),
        ("'quoted'\\ \t\n", bytes(range(256)), 2**31 - 1, datetime(2000, 1, 1, tzinfo=UTC)),
    ]
    with transaction(db) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE t (n serial, s text, b bytea, i int4, ts timestamptz)")
        stream = binary_copy_stream(rows, ("text", "bytea", "int4", "timestamptz"))
        cur.copy_expert("COPY t (s, b, i, ts) FROM STDIN WITH (FORMAT binary)", stream)
        cur.execute("SELECT s, b, i, ts FROM t ORDER BY n")
        back = [(s, None if b is None else bytes(b), i, ts) for s, b, i, ts in cur.fetchall()]
    assert back == rows


def test_bad_rows_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        binary_copy_stream([(datetime(2026, 1, 1),)], ("timestamptz",))
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        binary_copy_stream([("a", "b")], ("text",))
    with pytest.raises(ValueError, match="unsupported column type"):
        binary_copy_stream([(1.5,)], ("float8",))  # type: ignore[arg-type]


def test_new_pages_stored_meantime_by_another_crawl_are_upserted(db: str) -> None:
    """store_pages COPYs the URLs it did not find stored. If another crawl stores one of them
    between that look and the COPY (here: a transaction holding the same URL, committed while the
    COPY waits on it), the COPY fails on the key; its rows are upserted instead and the batch,
    with its other pages, is stored whole."""
    from crawler.fetch.compression import decompress_html
    from crawler.fetch.items import PageItem
    from crawler.fetch.store import store_pages, sync_sources
    from crawler.sources import Source

    source = Source(name="race", language="en", allowed_domains=("ex.com",))
    with transaction(db) as conn:
        sync_sources(conn, [source])

    def item(url: str, body: bytes) -> PageItem:
        return PageItem(url, url, 200, "text/html", "utf-8", body, datetime.now(UTC), "sitemap")

    other = psycopg2.connect(db)  # the other crawl: stores /b and holds its transaction open
    try:
        with other.cursor() as cur:
            cur.execute(
                "INSERT INTO raw_pages (url, source, run_id, fetched_at, http_status,"
                " html_compressed, body_sha256) VALUES (%s, 'race', 'other', now(), 200, %s, 'x')",
                ("https://ex.com/b", b"old"),
            )
        outcome: list[object] = []

        def ours() -> None:
            try:
                with transaction(db) as conn:
                    pages = [item(f"https://ex.com/{k}", f"<p>{k}</p>".encode()) for k in "abc"]
                    outcome.append(store_pages(conn, "race", "ours", pages))
            except BaseException as exc:  # reported below
                outcome.append(exc)

        thread = threading.Thread(target=ours)
        thread.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_on_a_lock(db), "our COPY should wait on the other crawl's row"
        other.commit()
        thread.join(timeout=10)
    finally:
        other.close()
    assert outcome == [{}], outcome
    rows = query_rows(db, "SELECT url, run_id, state, html_compressed FROM raw_pages ORDER BY url")
    assert [(url, run, state) for url, run, state, _ in rows] == [
        ("https://ex.com/a", "ours", "pending"),
        ("https://ex.com/b", "ours", "pending"),  # upserted over the other crawl's row
        ("https://ex.com/c", "ours", "pending"),
    ]
    assert [decompress_html(bytes(html)) for *_, html in rows] == [
        b"<p>a</p>",
        b"<p>b</p>",
        b"<p>c</p>",
    ]


def _waiting_on_a_lock(db: str) -> bool:
    rows = query_rows(
        db,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE '%%COPY raw_pages%%'",
    )
    return rows[0][0] > 0
