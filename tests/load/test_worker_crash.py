"""A page that kills its extraction worker costs only itself: the pool is restarted, the pages
that were in flight are extracted again, and the page that kills a worker on its own is rejected
as ``worker_crash``; past the crash bound, the load fails with a clear error.

The worker is killed the way the OOM killer would: a watchdog thread SIGKILLs any extraction
worker of this process whose resident memory grows past :data:`KILL_RSS_MB`. Only the poison
page (a 3 MB article, ~200 MB to extract) gets there; an ordinary page's worker stays near 50 MB.
No timing: the watchdog kills it every time, however slow the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest

from crawler.db import transaction
from crawler.errors import LoadError
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.load.articles import MAX_WORKER_CRASHES, load_pending
from crawler.pipeline import load_step
from crawler.sources import Source
from tests.helpers import query_rows
from tests.load.test_pool import SLOW_PAGE
from tools.generated_site import article_text

SOURCE = Source(name="crash", language="en", allowed_domains=("ex.com",))
POISON = "https://ex.com/news/25-poison.html"  # in the middle of a chunk
KILL_RSS_MB = 150  # an extraction worker over this is killed
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _html(story: int) -> bytes:
    title, paragraphs = article_text(story)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def _store(db: str, pages: dict[str, bytes], run_id: str) -> None:
    items = [
        PageItem(url, url, 200, "text/html", None, html, datetime.now(UTC), "sitemap")
        for url, html in pages.items()
    ]
    with transaction(db) as conn:
        sync_sources(conn, [SOURCE])
        store_pages(conn, SOURCE.name, run_id, items)


def _extraction_workers() -> list[int]:
    """Pids of this process's pool workers: children of the fork server (a descendant of this
    process), which share its command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def forkserver(pid: int) -> bool:
        with contextlib.suppress(OSError):
            return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
        return False

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [
        pid
        for pid, parent in parents.items()
        if forkserver(pid) and forkserver(parent) and descends(pid)
    ]


def _rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_SIZE / 2**20
    return 0.0


@contextlib.contextmanager
def oom_killer() -> Iterator[list[int]]:
    """Kill (SIGKILL) every extraction worker whose memory passes :data:`KILL_RSS_MB` while the
    block runs; yields the pids killed."""
    killed: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.01):
            for pid in _extraction_workers():
                if pid not in killed and _rss_mb(pid) > KILL_RSS_MB:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield killed
    finally:
        stop.set()
        thread.join()


def test_a_page_that_kills_its_worker_costs_only_itself(db: str) -> None:
    pages = {f"https://ex.com/news/{i}.html": _html(i) for i in range(60)}
    pages[POISON] = SLOW_PAGE
    _store(db, pages, "r")
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO crawl_runs (source, run_id, status) VALUES ('crash', 'r', 'crawled')"
        )
    with oom_killer() as killed:
        run = load_step(SOURCE, database_url=db, run_id="r", workers=2)
    # once among the pages in flight, once on its own
    assert len(killed) == 2, killed
    assert (run.articles_new, run.rejected_by_reason) == (60, {"worker_crash": 1}), run
    assert run.labels == {"article": 60, "worker_crash": 1}, run.labels
    rows = query_rows(db, "SELECT state, count(*) FROM raw_pages GROUP BY state ORDER BY state")
    assert rows == [("article", 60), ("rejected", 1)]
    assert query_rows(
        db, "SELECT reject_reason, label FROM raw_pages WHERE url = %s", (POISON,)
    ) == [("worker_crash", "worker_crash")]
    assert query_rows(db, "SELECT count(*) FROM articles") == [(60,)]
    ((status, labels, by_reason),) = query_rows(
        db, "SELECT status, labels, rejected_by_reason FROM crawl_runs WHERE run_id = 'r'"
    )
    assert (status, by_reason) == ("succeeded", {"worker_crash": 1}), (status, by_reason)
    assert labels == {"article": 60, "worker_crash": 1}, labels


def test_a_load_fails_after_too_many_worker_crashes(db: str) -> None:
    """Each crash past the bound would restart the pool again: the load stops with a clear
    error instead, and its pages stay pending for the next load."""
    assert MAX_WORKER_CRASHES >= 2  # a single poison page (two crashes) passes by default
    pages = {f"https://ex.com/news/{i}.html": _html(i) for i in range(60)}
    pages[POISON] = SLOW_PAGE
    _store(db, pages, "r")
    with (
        oom_killer() as killed,
        pytest.raises(LoadError, match=r"workers died 2 times in one load \(more than 1\)"),
        transaction(db) as conn,
    ):
        load_pending(conn, SOURCE, "r", workers=2, max_crashes=1)
    assert len(killed) == 2, killed
    assert query_rows(
        db, "SELECT state, count(*) FROM raw_pages WHERE url = %s GROUP BY 1", (POISON,)
    ) == [("pending", 1)]
