"""Cross-process locks of one site's crawl and one source's load: PostgreSQL advisory locks.

Every way of running the pipeline (``newsflow run``, an Airflow run, a backfill, ``newsflow
reextract``) shares the news database, so locks kept there exclude each other whichever process
or machine takes them. They are session-level locks on a dedicated connection (named ``owner`` in
``pg_stat_activity``): released when the block ends, or by PostgreSQL when the process dies.
Airflow pools cannot do this: a mapped task has one pool for all its instances.

- **Crawl lock, per domain:** two crawls never hit one site at once (politeness is per site). A
  source takes the lock of every allowed domain, in sorted order, so two crawls cannot deadlock.
- **Load lock, per source:** two loads never extract the same pending pages twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

import psycopg2

from crawler.db import query
from crawler.errors import CrawlError

LOGGER = logging.getLogger(__name__)

# First key of the two-int4 advisory-lock form, one per kind of lock; the single-bigint form used
# by migrations is a separate key space.
_CRAWL_NAMESPACE = 0x6E66  # "nf": a domain being crawled
_LOAD_NAMESPACE = 0x6E6C  # "nl": a source being loaded
LOCK_WAIT = timedelta(minutes=30)  # then the step fails (Airflow retries it later)
_POLL_SECONDS = 2.0

OnWait = Callable[[str], None]  # told once, in words, what a step is waiting for


def lock_key(name: str) -> int:
    """The advisory-lock key (signed int4) of a name: stable across processes and versions."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def domain_locks(
    database_url: str,
    domains: Iterable[str],
    *,
    owner: str,
    wait: timedelta = LOCK_WAIT,
    on_wait: OnWait | None = None,
    stop: threading.Event | None = None,
) -> Iterator[None]:
    """Hold the crawl lock of every domain in ``domains`` for the duration of the block."""
    with _locks(
        database_url,
        [(_CRAWL_NAMESPACE, d, f"domain {d!r} still being crawled") for d in sorted(set(domains))],
        owner=owner,
        wait=wait,
        on_wait=on_wait,
        stop=stop,
    ):
        yield


@contextlib.contextmanager
def source_load_lock(
    database_url: str,
    source: str,
    *,
    owner: str,
    wait: timedelta = LOCK_WAIT,
    on_wait: OnWait | None = None,
    stop: threading.Event | None = None,
) -> Iterator[None]:
    """Hold the load lock of one source for the duration of the block."""
    with _locks(
        database_url,
        [(_LOAD_NAMESPACE, source, f"source {source!r} still being loaded")],
        owner=owner,
        wait=wait,
        on_wait=on_wait,
        stop=stop,
    ):
        yield


@contextlib.contextmanager
def _locks(
    database_url: str,
    wanted: list[tuple[int, str, str]],
    *,
    owner: str,
    wait: timedelta,
    on_wait: OnWait | None,
    stop: threading.Event | None = None,
) -> Iterator[None]:
    """Take each ``(namespace, name, what)`` lock in order, waiting up to ``wait`` in all, or
    until ``stop`` is set (Ctrl-C in ``newsflow run``): a stopped run begins no step.

    Polls with ``pg_try_advisory_lock`` rather than blocking: the wait is bounded, and the holder
    can be named in the log while we wait.
    """
    conn = psycopg2.connect(database_url, application_name=owner[:63])
    conn.autocommit = True
    try:
        deadline = time.monotonic() + wait.total_seconds()
        for namespace, name, what in wanted:
            params = {"namespace": namespace, "key": lock_key(name)}
            told = False
            while True:
                with conn.cursor() as cur:
                    cur.execute(query("try_advisory_lock"), params)
                    row = cur.fetchone()
                    if row is not None and row[0]:
                        break
                    if not told:
                        cur.execute(query("advisory_lock_holder"), params)
                        holders = ", ".join(
                            f"{app or 'pid ' + str(pid)} since {start:%H:%M:%S}"
                            for pid, app, start in cur.fetchall()
                        )
                        message = f"waiting: {what} by {holders or 'another run'}"
                        LOGGER.info("%s: %s", owner, message)
                        if on_wait is not None:
                            on_wait(message)
                        told = True
                if time.monotonic() > deadline:
                    raise CrawlError(
                        f"{what} by another run after {wait.total_seconds():.0f} s; retry later"
                    )
                if stop is None:
                    time.sleep(_POLL_SECONDS)
                elif stop.wait(_POLL_SECONDS):
                    raise CrawlError(f"stopped while waiting: {what}")
        yield
    finally:
        conn.close()  # releases every session-level advisory lock
