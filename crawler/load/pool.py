"""Extraction in worker processes: what a worker runs on a stored page, and the pool itself.

Kept apart from :mod:`crawler.load.articles` on purpose: workers import this module, and it imports only
what extraction needs (the extractor, SimHash, decompression), not the loader's database and
crawling code (psycopg2, Scrapy), which cost every worker ~0.3 s of CPU to import.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
from concurrent.futures import ProcessPoolExecutor

from crawler.fetch.compression import CorruptPage, decompress_html
from crawler.models import Article, Rejection

# url, compressed HTML, declared encoding, preset rejection, language, domains, time zone
Job = tuple[str, bytes, str | None, str | None, str, tuple[str, ...], str | None]
Result = tuple[str, Article | Rejection, int | None]

# Imported once by the fork server (trafilatura, lxml: ~1 s), inherited by every worker.
_PRELOAD = ("crawler.load.pool", "crawler.extract", "crawler.load.simhash")
FOLLOW_NICENESS = 5  # workers' niceness while a crawl runs alongside


def extract_page(job: Job) -> Result:
    """Decompress and extract one page, fingerprint its body."""
    from crawler.extract import extract
    from crawler.load.simhash import simhash

    url, stored, encoding, preset_reason, language, domains, zone = job
    if preset_reason:
        return url, Rejection(preset_reason), None
    try:
        html = decompress_html(stored)
    except CorruptPage as exc:
        return url, Rejection("corrupt_raw_page", str(exc)), None
    outcome = extract(
        html,
        url,
        declared_encoding=encoding,
        default_language=language,
        allowed_domains=domains,
        default_timezone=zone,
    )
    return url, outcome, (simhash(outcome.body) if isinstance(outcome, Article) else None)


def extract_chunk(jobs: list[Job]) -> list[Result]:
    """One pool task: a few pages."""
    return [extract_page(job) for job in jobs]


def _init_worker(niceness: int) -> None:
    """Import the extractor before the first page arrives (a no-op when the fork server
    preloaded it) and, with a crawl running alongside, yield the CPU to it (the crawl is cheap
    and latency-bound)."""
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
    for _ in range(workers):
        pool.submit(_warm_up)
    return pool
