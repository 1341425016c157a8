"""A page that kills the process extracting it costs only itself, in a load of any size: the pool
is restarted, the pages that were in flight are extracted again, and the page that kills a
worker on its own is rejected as ``worker_crash``; past the crash bound, the load fails with a
clear error.

The process is killed the way the OOM killer would: a watchdog thread SIGKILLs any Python process
descending from this one (a load run as a command, its crawl child, extraction workers) whose
resident memory grows past :data:`KILL_RSS_MB`. Only the poison page (a 3 MB article, ~200 MB to
extract) gets there; an ordinary page's worker stays near 50 MB. No timing: the watchdog kills
it every time, however slow the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
import yaml

from crawler.db import transaction
from crawler.errors import LoadError
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.load.articles import MAX_WORKER_CRASHES, load_pending
from crawler.pipeline import crawl_step, load_step
from crawler.sources import Source, load_sources
from crawler.tasks.connections import airflow_conn_uri
from tests.faultserver import FaultServer
from tests.helpers import query_rows
from tests.load.test_pool import SLOW_PAGE
from tools.generated_site import article_text

SOURCE = Source(name="crash", language="en", allowed_domains=("ex.com",))
POISON = "https://ex.com/news/25-poison.html"  # in the middle of a chunk
KILL_RSS_MB = 150  # an extraction worker over this is killed
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_PYTHON = os.path.realpath(sys.executable)


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


def _python_descendants() -> list[int]:
    """Pids of the Python processes descending from this one: pool workers and their fork server,
    commands run as children (not the PostgreSQL server, nor this process)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])

    def python(pid: int) -> bool:
        with contextlib.suppress(OSError):
            return os.path.realpath(f"/proc/{pid}/exe") == _PYTHON
        return False

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [pid for pid in parents if python(pid) and descends(pid)]


def _rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError, IndexError, ValueError):
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_SIZE / 2**20
    return 0.0


@contextlib.contextmanager
def oom_killer() -> Iterator[list[int]]:
    """Kill (SIGKILL) every Python process descending from this one whose memory passes
    :data:`KILL_RSS_MB` while the block runs; yields the pids killed."""
    killed: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.01):
            for pid in _python_descendants():
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


def _newsflow(command: str, sources: Path, db: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``newsflow COMMAND --sources SOURCES`` as users run it, extracting with one worker."""
    return _child(
        ["-m", "crawler.cli", command, "--sources", str(sources)],
        {"DATABASE_URL": db, "NEWSFLOW_HOME": str(home)},
    )


_LOAD_TASK = "import sys; from crawler.tasks.ingest import load; load(*sys.argv[1:])"


def _load_task(
    source: str, run_id: str, db: str, sources: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """The Airflow load task's body, in a process of its own as an Airflow worker runs it (in
    the process's main thread), extracting with one worker."""
    return _child(
        ["-c", _LOAD_TASK, source, run_id],
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW_CONN_NEWS_DB": airflow_conn_uri(db),
            "AIRFLOW_VAR_NEWSFLOW_SOURCES": str(sources),
        },
    )


def _child(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, **env, "NEWSFLOW_EXTRACT_WORKERS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _sources_file(path: Path, source: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return path


def test_a_page_that_kills_its_process_costs_only_itself_in_a_small_load(
    db: str, tmp_path: Path
) -> None:
    """A load of ten pages with one extraction worker, run as the Airflow load task: the poison
    page is rejected, the other nine are stored, the task succeeds; the next run's load does not
    try the page again. (Such loads were once extracted in the task's own process: the page
    killed the task, stayed pending, and killed every later load of the source too.)"""
    with FaultServer() as site:
        site.pages = {f"/a/story-{i}.html": _html(i) for i in range(9)}
        site.pages["/a/poison.html"] = SLOW_PAGE
        site.articles = (*(f"story-{i}" for i in range(9)), "poison")
        sources = _sources_file(
            tmp_path / "sources.yaml",
            {
                "name": "small",
                "language": "en",
                "allowed_domains": ["127.0.0.1"],
                "download_delay": 0,
                "allow_private_networks": True,
                "feeds": [f"{site.base_url}/feed.xml"],
                "article_url_pattern": "/a/",
            },
        )
        (source,) = load_sources(sources)
        poison = f"{site.base_url}/a/poison.html"
        runs = []
        for run_id in ("r1", "r2"):
            crawl_step(source, sources_path=sources, database_url=db, run_id=run_id)
            with oom_killer() as killed:
                load = _load_task(source.name, run_id, db, sources, tmp_path / "airflow")
            runs.append((load, killed))
    (first, killed), (second, killed_again) = runs
    assert first.returncode == 0, (first.returncode, first.stderr[-3000:])
    assert len(killed) == 2, killed  # once among its chunk, once on its own
    assert second.returncode == 0, (second.returncode, second.stderr[-3000:])
    assert killed_again == [], "the next run's load extracted the poison page again"
    assert query_rows(db, "SELECT count(*) FROM articles") == [(9,)]
    assert query_rows(
        db, "SELECT state, reject_reason, label FROM raw_pages WHERE url = %s", (poison,)
    ) == [("rejected", "worker_crash", "worker_crash")]
    assert query_rows(
        db, "SELECT run_id, status, rejected_by_reason FROM crawl_runs ORDER BY run_id"
    ) == [("r1", "succeeded", {"worker_crash": 1}), ("r2", "succeeded", {})]


def test_reextract_survives_a_page_that_kills_its_process(db: str, tmp_path: Path) -> None:
    """``newsflow reextract`` of a source of ten stored pages, one worker: the poison page,
    queued again with the rest, is rejected again and the command succeeds."""
    pages = {f"https://ex.com/news/{i}.html": _html(i) for i in range(9)}
    pages[POISON] = SLOW_PAGE
    _store(db, pages, "r")
    crawl_done = threading.Event()
    crawl_done.set()
    with oom_killer() as killed, transaction(db) as conn:
        load_pending(conn, SOURCE, "r", workers=2, follow=crawl_done)
    assert len(killed) == 2, killed
    sources = _sources_file(
        tmp_path / "sources.yaml",
        {
            "name": SOURCE.name,
            "language": "en",
            "allowed_domains": list(SOURCE.allowed_domains),
            "feeds": ["https://ex.com/feed.xml"],  # required; re-extraction fetches nothing
        },
    )
    with oom_killer() as killed:
        run = _newsflow("reextract", sources, db, tmp_path / "home")
    assert run.returncode == 0, (run.returncode, run.stderr[-3000:])
    assert len(killed) == 2, killed
    assert "crash: new 0, updated 0, unchanged 9, rejected 1," in run.stdout, run.stdout
    assert query_rows(db, "SELECT url, reject_reason FROM raw_pages WHERE state <> 'article'") == [
        (POISON, "worker_crash")
    ]
