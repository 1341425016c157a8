"""Extraction workers: a page over its CPU budget is rejected as "timeout", and the worker goes on.

The budget is a CPU-time limit, so the tests give it a small one and a page that genuinely takes
several seconds (a 3 MB article): no timing assertion, only what happened to each page.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.db import transaction
from crawler.fetch.compression import compress_html
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.load.articles import load_pending
from crawler.load.pool import (
    PageTimeout,
    cpu_budget,
    extract_chunk,
    extract_page,
    start_pool,
)
from crawler.models import Article, Rejection
from crawler.sources import Source
from tests.helpers import query_rows

# The timer may fire inside a finaliser that the garbage collector runs (Python then prints the
# exception and goes on, and the timer fires again a second later): not a failure.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

BUDGET = 0.5  # CPU seconds: a small article takes ~0.01 s, the large one below ~4 s


def _article(topic: str, paragraphs: int = 12) -> bytes:
    text = "".join(
        f"<p>Paragraph {i}: the council debated {topic} and the cost of road repairs in"
        f" district {i} before the vote was taken.</p>"
        for i in range(paragraphs)
    )
    return (
        f"<html><head><title>{topic}</title></head>"
        f"<body><article><h1>{topic}</h1>{text}</article></body></html>"
    ).encode()


SLOW_PAGE = _article("the long budget", paragraphs=30_000)  # 3 MB: ~4 s of CPU to extract


def _job(url: str, html: bytes) -> Any:
    return (url, compress_html(html), "utf-8", None, "en", ("ex.com",), None, None, frozenset())


def test_a_real_pool_rejects_the_slow_page_and_its_worker_goes_on() -> None:
    assert len(SLOW_PAGE) > 3_000_000
    pool = start_pool(1, following=False)
    try:
        worker = pool.submit(os.getpid).result(timeout=60)
        chunk = [_job("https://ex.com/slow", SLOW_PAGE), _job("https://ex.com/a", _article("a"))]
        (slow, good) = pool.submit(extract_chunk, chunk, BUDGET).result(timeout=120)
        (after,) = pool.submit(extract_chunk, [_job("https://ex.com/b", _article("b"))]).result(
            timeout=60
        )
        same_worker = pool.submit(os.getpid).result(timeout=60)
    finally:
        pool.shutdown()
    assert slow[1] == Rejection("timeout", f"over {BUDGET:g} s of CPU"), slow
    assert isinstance(good[1], Article) and good[2] is not None, good
    assert isinstance(after[1], Article), after
    assert same_worker == worker, "the worker was replaced after the timeout"


def test_budget_is_disarmed_after_each_page() -> None:
    previous = signal.getsignal(signal.SIGPROF)
    outcome = extract_page(_job("https://ex.com/slow", SLOW_PAGE), BUDGET)
    assert outcome[1].reason == "timeout"  # type: ignore[union-attr]
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGPROF) == previous
    with pytest.raises(PageTimeout), cpu_budget(0.05):
        while True:  # a loop that would never end
            pass
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


@pytest.mark.parametrize("path", ["one_worker", "pool", "other_thread"])
def test_load_rejects_the_slow_page_and_stores_the_rest(path: str, db: str) -> None:
    """With one worker, with two following a crawl, and called from another thread of the
    loading process, the slow page is recorded as a "timeout" rejection and every other page of
    the batch is stored."""
    source = Source(name="budget", language="en", allowed_domains=("ex.com",))
    pages = {f"https://ex.com/{topic}": _article(topic) for topic in ("roads", "bridges", "parks")}
    pages["https://ex.com/slow"] = SLOW_PAGE
    items = [
        PageItem(url, url, 200, "text/html", None, html, datetime.now(UTC), "sitemap")
        for url, html in pages.items()
    ]
    with transaction(db) as conn:
        sync_sources(conn, [source])
        store_pages(conn, source.name, "r", items)

    def load() -> Any:
        workers, follow = (2, threading.Event()) if path == "pool" else (1, None)
        if follow is not None:
            follow.set()  # no crawl alongside: a pool from the first page, whatever their number
        with transaction(db) as conn:
            return load_pending(
                conn, source, "r", workers=workers, follow=follow, cpu_seconds=BUDGET
            )

    if path == "other_thread":
        result: list[Any] = []
        thread = threading.Thread(target=lambda: result.append(load()))
        thread.start()
        thread.join(timeout=300)
        (counts,) = result
    else:
        counts = load()
    assert (counts.new, dict(counts.rejected_by_reason)) == (3, {"timeout": 1}), counts
    rows = query_rows(db, "SELECT url, state, reject_reason FROM raw_pages ORDER BY url")
    assert rows == [
        ("https://ex.com/bridges", "article", None),
        ("https://ex.com/parks", "article", None),
        ("https://ex.com/roads", "article", None),
        ("https://ex.com/slow", "rejected", "timeout"),
    ]


class _BilliardKey(bytes):
    """Like the key billiard (Celery's multiprocessing) leaves: multiprocessing may not pickle it."""

    def __reduce__(self) -> Any:
        raise TypeError(
            "Pickling an AuthenticationString object is disallowed for security reasons"
        )


def _pool_in_a_daemon(results: Any, main_script: str) -> None:
    import multiprocessing
    import sys

    process = multiprocessing.current_process()
    process._config["authkey"] = _BilliardKey(process.authkey)  # type: ignore[attr-defined]
    main = sys.modules["__main__"]  # like the `airflow` script, which fails in a child
    main.__spec__, main.__file__ = None, main_script
    pool = start_pool(2, following=False)
    try:
        chunk = [_job("https://ex.com/a", _article("a")), _job("https://ex.com/b", _article("b"))]
        results.put([type(page[1]).__name__ for page in pool.submit(extract_chunk, chunk).result()])
    finally:
        pool.shutdown()


def test_a_celery_task_process_can_start_a_pool(tmp_path: Path) -> None:
    """Airflow's Celery workers run tasks in children of daemonic processes (which multiprocessing
    refuses children), with billiard's key, and ``__main__`` is the ``airflow`` script (which
    fails in a child): the load's pool must start there all the same."""
    import multiprocessing

    main_script = tmp_path / "airflow"
    main_script.write_text("raise SystemExit('the main script ran again in a worker')\n")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    daemon = context.Process(
        target=_pool_in_a_daemon, args=(results, str(main_script)), daemon=True
    )
    daemon.start()
    daemon.join(timeout=120)  # the results are a few bytes: they never hold the exit up
    assert daemon.exitcode == 0, "the pool did not start in a daemonic process (see stderr)"
    assert results.get(timeout=10) == ["Article", "Article"]
