"""Extraction in worker processes: what a worker runs on a stored page, and the pool itself.

Kept apart from :mod:`crawler.load.articles` on purpose: workers import this module, and it imports only
what extraction needs (the extractor, SimHash, decompression), not the loader's database and
crawling code (psycopg2, Scrapy), which cost every worker ~0.3 s of CPU to import.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import multiprocessing.process
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from types import FrameType

from crawler.fetch.compression import CorruptPage, decompress_html
from crawler.models import Article, Rejection

LOGGER = logging.getLogger(__name__)

# url, compressed HTML, declared encoding, preset rejection, language, domains, time zone,
# article URL pattern, the source's template lines (crawler.extract.template)
Job = tuple[
    str, bytes, str | None, str | None, str, tuple[str, ...], str | None, str | None, frozenset[int]
]
# url, outcome, body fingerprint, the hashes of the page's lines (for the template statistics)
Result = tuple[str, Article | Rejection, int | None, frozenset[int]]

# Imported once by the fork server (trafilatura, lxml: ~1 s), inherited by every worker.
_PRELOAD = ("crawler.load.pool", "crawler.extract", "crawler.load.simhash")
FOLLOW_NICENESS = 5  # workers' niceness while a crawl runs alongside
# CPU seconds one page may take (decompression, extraction, fingerprint); over it the page is
# rejected as "timeout". The slowest page of the corpora takes ~0.4 s, so 10 s only stops pages
# that would take minutes or hours (hostile or broken markup that the input caps of
# crawler.extract.rules do not cover), which would otherwise hold the source's load lock.
PAGE_CPU_SECONDS = 10.0
# After the first expiry the timer fires again at this interval, in case the exception was lost:
# swallowed by library code (a bare "except:"), or raised in a finaliser (__del__, a weakref
# callback run by the garbage collector), where Python prints it and goes on.
_TIMEOUT_REPEAT_SECONDS = 1.0


class PageTimeout(BaseException):
    """Raised in the extracting thread when a page's CPU budget runs out. A BaseException, so
    that the ``except Exception`` of extract() (and of the libraries it calls) lets it through."""


_budget_armed = False  # whether a stray SIGPROF (one already pending at disarm) may raise


def _on_budget_expiry(signum: int, frame: FrameType | None) -> None:
    if _budget_armed:
        raise PageTimeout


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`PageTimeout` in the block once this process has used ``seconds`` of CPU in
    it (user and system, ITIMER_PROF). Main thread only (signal handlers run there): a pool
    worker's. The timer interrupts Python code and regular expressions, not a single long call
    into lxml."""
    global _budget_armed
    previous = signal.signal(signal.SIGPROF, _on_budget_expiry)
    _budget_armed = True
    signal.setitimer(signal.ITIMER_PROF, seconds, _TIMEOUT_REPEAT_SECONDS)
    try:
        yield
    finally:
        _budget_armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def extract_page(job: Job, cpu_seconds: float = PAGE_CPU_SECONDS) -> Result:
    """Decompress and extract one page, fingerprint its body; reject it as "timeout" once it
    has taken ``cpu_seconds`` of CPU. Call from the main thread (:func:`cpu_budget`)."""
    url, _, _, preset_reason, *_ = job
    if preset_reason:
        return url, Rejection(preset_reason), None, frozenset()
    try:
        with cpu_budget(cpu_seconds):
            return _extract_page(job)
    except PageTimeout:
        LOGGER.warning("extraction of %s stopped after %g s of CPU", url, cpu_seconds)
        return url, Rejection("timeout", f"over {cpu_seconds:g} s of CPU"), None, frozenset()


def _extract_page(job: Job) -> Result:
    from crawler.extract import extract
    from crawler.load.simhash import simhash

    url, stored, encoding, _, language, domains, zone, pattern, template = job
    try:
        html = decompress_html(stored)
    except CorruptPage as exc:
        return url, Rejection("corrupt_raw_page", str(exc)), None, frozenset()
    page_lines: set[int] = set()
    outcome = extract(
        html,
        url,
        declared_encoding=encoding,
        default_language=language,
        allowed_domains=domains,
        default_timezone=zone,
        article_url_pattern=pattern,
        template=template,
        page_lines=page_lines,
    )
    fingerprint = simhash(outcome.body) if isinstance(outcome, Article) else None
    return url, outcome, fingerprint, frozenset(page_lines)


def extract_chunk(jobs: list[Job], cpu_seconds: float = PAGE_CPU_SECONDS) -> list[Result]:
    """One pool task: a few pages."""
    return [extract_page(job, cpu_seconds) for job in jobs]


def _init_worker(niceness: int) -> None:
    """Import the extractor before the first page arrives (a no-op when the fork server
    preloaded it) and, with a crawl running alongside, yield the CPU to it (the crawl is cheap
    and latency-bound). Ctrl-C reaches the workers too (the terminal signals its whole process
    group): they leave it to the process whose pool they are, which finishes or cancels their
    pages, rather than each dying with a traceback and leaving its pages half-done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in _PRELOAD:
        importlib.import_module(module)
    if niceness:
        os.nice(niceness)


def _warm_up() -> None:
    """A no-op task: submitting one per worker starts them all at once."""


def _forkserver_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_PRELOAD))
    return context


def start_fork_server() -> None:
    """Start the fork server now, without waiting: it imports the extractor while the caller
    does other work (the crawl child starting up), so the first pool starts in milliseconds."""
    _forkserver_context()
    multiprocessing.forkserver.ensure_running()


def start_pool(workers: int, *, following: bool) -> ProcessPoolExecutor:
    """A pool of ``workers`` extraction processes, all started.

    Workers are forked from a fork server that imported the extractor once, so a pool starts in
    milliseconds, every later pool of the process (the next source) too, and the workers share
    the imported code's memory. Not plain fork: the loading process runs threads.
    """
    pool = ProcessPoolExecutor(
        workers,
        mp_context=_forkserver_context(),
        initializer=_init_worker,
        initargs=(FOLLOW_NICENESS if following else 0,),
    )
    _allow_children()  # workers start at the submits, here and later
    for _ in range(workers):
        pool.submit(_warm_up)
    return pool


def _allow_children() -> None:
    """Let this process start the pool's workers wherever it runs, Airflow's workers included.

    - Airflow's Celery workers run each task in a child of a daemonic process (Celery's prefork
      pool), and multiprocessing refuses children to a daemonic process ("daemonic processes are
      not allowed to have children"). The flag, in this process's own copy, serves only that
      refusal (the parent that would terminate this process keeps its own record), and the pool
      shuts its workers down itself: clearing it loses nothing.
    - There the process object is billiard's (Celery's multiprocessing), and so is its key type,
      which multiprocessing may not pickle for the fork server ("Pickling an AuthenticationString
      object is disallowed"): the key is wrapped in multiprocessing's type (not with the object's
      setter, which would wrap it in billiard's again).
    - A spawned or fork-server child runs the parent's ``__main__`` script again, unless it was
      run as a module. In an Airflow task that is the ``airflow`` command, which fails in the
      child (the task's environment hides Airflow's database URL). The workers need nothing from
      it (the fork server preloaded their code), so its path is dropped.
    Each of these failed every load large enough for a pool there (found by make docker-test)."""
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    config.pop("daemon", None)
    key = multiprocessing.process.AuthenticationString  # type: ignore[attr-defined]
    config["authkey"] = key(bytes(config["authkey"]))
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is None:
        vars(main).pop("__file__", None)
