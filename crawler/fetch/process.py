"""Crawl one source with Scrapy in a child process (``python -m crawler.fetch.process``).

Twisted's reactor cannot be restarted, and Airflow runs tasks inside long-lived processes, so
every crawl runs in a fresh interpreter. The child writes pages straight to PostgreSQL and
reports on stdout with JSON lines: ``{"event": "progress", ...}`` about once a second and one
``{"event": "done", ...}`` at the end. Its log (stderr) goes to a file or to our logger.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler.errors import CrawlError
from crawler.sources import Source, load_sources, select_sources

LOGGER = logging.getLogger(__name__)
CHILD_LOGGER = logging.getLogger("crawler.fetch.process.child")

_PROGRESS_INTERVAL = 1.0  # seconds between progress lines from the child
# Of each line of the child's log kept or passed on: a traceback or a library's message may quote
# whatever it was handed, a page included, and a task log is no place for one.
_LOG_LINE_CHARS = 2000

# Scrapy's finish_reason of a crawl stopped by one of its bounds -> the sources key that sets it
# (the spider's own caps close it with the key's name)
CAP_REASONS = {
    "max_articles": "max_articles",
    "max_discovered": "max_discovered",
    "closespider_timeout": "max_crawl_seconds",
    "memusage_exceeded": "max_memory_mb",
}


@dataclass(slots=True)
class CrawlResult:
    """What the crawl child reported."""

    pages_fetched: int = 0
    discovered: int = 0
    discovery_responses: int = 0  # feeds, sitemaps and listings that answered (200 or 304)
    known_skipped: int = 0  # candidates not fetched because already stored, of which …
    known_articles_skipped: int = 0  # … stored articles (the others: rejected or still pending)
    unchanged_articles: int = 0  # revisited articles whose bytes had not changed: not re-extracted
    errors_by_class: dict[str, int] = field(default_factory=dict)
    # pages the crawl labelled: HTTP error answers, unchanged refetched pages (crawler.labels)
    labels: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(self.errors_by_class.values())

    @property
    def cut_short(self) -> str | None:
        """Why the crawl stopped before it had read and fetched everything (the sources key of the
        cap it reached, or Scrapy's reason, e.g. ``shutdown``), or None if it finished."""
        reason = str(self.stats.get("finish_reason", "finished"))
        return None if reason == "finished" else CAP_REASONS.get(reason, reason)

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> CrawlResult:
        return cls(
            pages_fetched=int(stats.get("newsflow/pages_fetched", 0)),
            discovery_responses=int(stats.get("newsflow/discovery_responses", 0)),
            discovered=sum(_counts_named(stats, "newsflow/discovered/").values()),
            known_skipped=int(stats.get("newsflow/known_skipped", 0)),
            known_articles_skipped=int(stats.get("newsflow/known_articles_skipped", 0)),
            unchanged_articles=int(stats.get("newsflow/unchanged_pages/article", 0)),
            errors_by_class=_counts_named(stats, "newsflow/errors/"),
            labels=_counts_named(stats, "newsflow/labels/"),
            stats=stats,
        )


def _counts_named(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """The stats whose name starts with ``prefix``, by the rest of their name."""
    return {k.removeprefix(prefix): int(v) for k, v in stats.items() if k.startswith(prefix)}


def source_settings(
    source: Source, *, database_url: str, run_id: str, contact_url: str
) -> dict[str, Any]:
    """Scrapy settings for one source: the project's settings plus the source's politeness."""
    from scrapy.settings.default_settings import EXTENSIONS_BASE

    from crawler.fetch import settings as base

    values: dict[str, Any] = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    values["EXTENSIONS_BASE"] = {
        k: v for k, v in EXTENSIONS_BASE.items() if k not in base.NEWSFLOW_UNLOADED_EXTENSIONS
    }
    values["USER_AGENT"] = f"newsflow/0.1 (+{contact_url})"
    if source.download_delay is not None:
        values["DOWNLOAD_DELAY"] = source.download_delay
        values["AUTOTHROTTLE_START_DELAY"] = max(source.download_delay, 0.01)
    if source.concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency
        # AutoThrottle aims at half the allowed concurrency, as with the defaults (4 → 2.0)
        values["AUTOTHROTTLE_TARGET_CONCURRENCY"] = max(1.0, source.concurrency / 2)
    if source.download_timeout is not None:
        values["DOWNLOAD_TIMEOUT"] = source.download_timeout
    values["NEWSFLOW_ALLOW_PRIVATE_NETWORKS"] = source.allow_private_networks
    for key, setting in (
        ("max_articles", "NEWSFLOW_MAX_ARTICLES"),
        ("max_discovered", "NEWSFLOW_MAX_DISCOVERED"),
        ("max_crawl_seconds", "CLOSESPIDER_TIMEOUT"),
        ("max_memory_mb", "MEMUSAGE_LIMIT_MB"),
    ):
        if getattr(source, key) is not None:
            values[setting] = getattr(source, key)
    values["EXTENSIONS"] = {**base.EXTENSIONS, "crawler.fetch.process.ProgressReporter": 500}
    values["NEWSFLOW_DATABASE_URL"] = database_url
    values["NEWSFLOW_RUN_ID"] = run_id
    return values


class ProgressReporter:
    """Scrapy extension: prints the crawl's counters as a JSON line on stdout every second."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.task: Any = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressReporter:
        return cls(crawler)

    def opened(self) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.report)
        self.task.start(_PROGRESS_INTERVAL, now=False)

    def closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def report(self) -> None:
        stats = self.crawler.stats.get_stats()
        result = CrawlResult.from_stats(stats)
        _emit(
            {
                "event": "progress",
                "fetched": result.pages_fetched,
                "discovered": result.discovered,
                "errors": result.errors,
                "retried": stats.get("retry/count", 0),
            }
        )


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


def _child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.fetch.process", description=__doc__)
    parser.add_argument("--sources", required=True, type=Path)
    parser.add_argument("--source", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--since", type=datetime.fromisoformat, help="backfill window start (ISO)")
    parser.add_argument("--until", type=datetime.fromisoformat, help="backfill window end (ISO)")
    args = parser.parse_args(argv)

    from scrapy.crawler import CrawlerProcess

    from crawler.config import load_config
    from crawler.db import connect
    from crawler.fetch.spiders.news import NewsSpider
    from crawler.fetch.store import discovery_validators, known_urls, retry_urls, revisit_urls

    config = load_config()
    if not config.database_url:
        parser.error("DATABASE_URL must be set for the crawl child")
    (source,) = select_sources(load_sources(args.sources), [args.source])
    now = datetime.now(UTC)
    conn = connect(config.database_url)
    try:
        revisits = revisit_urls(conn, source, now)
        retries = retry_urls(conn, source)
        validators = discovery_validators(conn, source, args.since, args.until)
    finally:
        conn.close()
    # Candidates are checked against the stored URLs batch by batch as the spider finds them, on
    # a connection of their own (autocommit: no transaction held open for the whole crawl).
    known_conn = connect(config.database_url)
    known_conn.autocommit = True
    settings = source_settings(
        source, database_url=config.database_url, run_id=args.run_id, contact_url=config.contact_url
    )
    process = CrawlerProcess(settings)  # its log handler: LOG_INSTALL_ROOT_HANDLER (default True)
    # Scrapy leaves the root logger at NOTSET and filters at its handler, so each page's debug
    # lines ("Crawled (200)", "Scraped from") were built as records and then dropped: ~2 % of
    # the child's CPU. Below LOG_LEVEL nothing is shown anyway.
    for name in ("scrapy", "crawler"):
        logging.getLogger(name).setLevel(settings["LOG_LEVEL"])
    crawler = process.create_crawler(NewsSpider)
    process.crawl(
        crawler,
        source=source,
        known_urls=functools.partial(known_urls, known_conn, source, now),
        revisit_urls=revisits,
        retry_urls=retries,
        validators=validators,
        since=args.since,
        until=args.until,
    )
    try:
        process.start()
    finally:
        known_conn.close()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    _emit({"event": "done", "stats": stats})
    return 0


def crawl_source(
    source: Source,
    *,
    sources_path: Path,
    database_url: str,
    run_id: str,
    log_file: Path | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    timeout: float | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    stop: threading.Event | None = None,
) -> CrawlResult:
    """Run the crawl child for ``source`` and return what it reported.

    Its log goes to ``log_file`` if given, else line by line to this module's logger (so it
    shows in an Airflow task log). Raises :class:`CrawlError` if the child fails.

    With ``stop``, the child runs in a process group of its own and gets one SIGINT when
    ``stop`` is set: Scrapy then stops gracefully (requests in flight finish, pages are stored,
    the crawl is cut short as ``shutdown``). Its own group keeps a terminal's Ctrl-C, or a
    second one, from reaching it directly: Scrapy stops at once on a second signal, losing the
    pages not yet written. Without ``stop`` it shares this process's group, as before.
    """
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    cmd = [
        sys.executable,
        "-m",
        "crawler.fetch.process",
        "--sources",
        str(sources_path),
        "--source",
        source.name,
        "--run-id",
        run_id,
    ]
    for flag, when in (("--since", since), ("--until", until)):
        if when is not None:
            if when.tzinfo is None:
                raise ValueError(f"{flag[2:]} must be timezone-aware, got {when!r}")
            cmd += [flag, when.isoformat()]
    log_handle: IO[str] | None = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_handle = log_file.open("a", encoding="utf-8")
    tail: list[str] = []
    try:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=stop is not None,
        )
        if stop is not None:
            threading.Thread(
                target=_interrupt_when_set, args=(proc, stop), name="crawl-stop", daemon=True
            ).start()
        assert proc.stdout is not None and proc.stderr is not None
        reader = threading.Thread(
            target=_drain_log, args=(proc.stderr, log_handle, tail), daemon=True
        )
        reader.start()
        done: dict[str, Any] | None = None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                CHILD_LOGGER.info("%s", _capped(line.rstrip()))
                continue
            if event.get("event") == "done":
                done = event
            elif on_progress is not None:
                on_progress(event)
        code = proc.wait(timeout=timeout)
        reader.join(timeout=5)
    finally:
        if log_handle is not None:
            log_handle.close()
    if code != 0 or done is None:
        detail = " | ".join(tail[-5:]) or "no output"
        raise CrawlError(f"source {source.name!r}: crawl process exited with {code}: {detail}")
    return CrawlResult.from_stats(done["stats"])


def _interrupt_when_set(proc: subprocess.Popen[str], stop: threading.Event) -> None:
    """Send the crawl child one SIGINT once ``stop`` is set, unless it has ended by then."""
    while proc.poll() is None:
        if stop.wait(0.5):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            return


def _drain_log(stream: IO[str], log_handle: IO[str] | None, tail: list[str]) -> None:
    for line in stream:
        line = _capped(line.rstrip("\n"))
        if log_handle is not None:
            log_handle.write(line + "\n")
        else:
            CHILD_LOGGER.info("%s", line)
        tail.append(line)
        if len(tail) > 50:
            del tail[:25]


def _capped(line: str) -> str:
    if len(line) <= _LOG_LINE_CHARS:
        return line
    return f"{line[:_LOG_LINE_CHARS]}… [{len(line) - _LOG_LINE_CHARS} more characters not logged]"


if __name__ == "__main__":
    sys.exit(_child_main())
