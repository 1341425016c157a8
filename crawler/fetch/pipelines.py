"""Scrapy item pipelines: thin adapters from spider output to :mod:`crawler.fetch.store`."""

from __future__ import annotations

import logging
import time
from typing import Any

import psycopg2
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.db import connect, describe_error
from crawler.fetch.items import DiscoveredUrlsItem, DiscoveryStateItem, FetchErrorItem, PageItem
from crawler.fetch.store import (
    store_discoveries,
    store_discovery_state,
    store_fetch_errors,
    store_pages,
)

LOGGER = logging.getLogger(__name__)

FLUSH_EVERY = 50  # items buffered before one batched write (the first writes are smaller)
FLUSH_SECONDS = 5.0  # … or after this long, so a slow site's pages are not held in memory
# Before reconnecting after a lost connection: a restarting server is back within seconds. It
# blocks the crawl (pipelines run in the reactor), but only when a write has already failed.
RECONNECT_PAUSE = 1.0


class StorePipeline:
    """Writes fetched pages to ``raw_pages``, failures to ``fetch_errors`` and the URLs each
    channel listed to ``url_discoveries``, in batches.

    One page that cannot be written costs only itself: a failed batch is rolled back (the
    connection reopened if it was lost) and tried once more, then written page by page; a page
    that still fails is recorded in ``fetch_errors`` as ``store_error`` (the next run fetches it
    again) and counted as a crawl error. The buffer is emptied whatever happens.

    Feed and sitemap validators (``discovery_state``) are written only when the crawl finished
    and every page it yielded was stored or recorded: otherwise the next run's conditional
    request would answer 304 and never name the lost pages again.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pages: list[PageItem] = []
        self.errors: list[FetchErrorItem] = []
        self.discovery: list[DiscoveryStateItem] = []
        self.discovered: list[DiscoveredUrlsItem] = []
        self.conn: Any = None
        self.unrecorded = 0  # pages or errors neither stored nor recorded (database away)
        self._flushed_at = time.monotonic()
        # The first write holds one item, each later one twice as many up to FLUSH_EVERY: the
        # loader, following the crawl, gets pages for every extraction worker at once.
        self._flush_at = 1

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.conn = connect(self.crawler.settings["NEWSFLOW_DATABASE_URL"])

    def close_spider(self) -> None:
        try:
            self._flush()
        finally:
            self.conn.close()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageItem):
            self.pages.append(item)
            self.crawler.stats.inc_value("newsflow/pages_fetched")
        elif isinstance(item, FetchErrorItem):
            self.errors.append(item)
        elif isinstance(item, DiscoveryStateItem):
            self.discovery.append(item)
        elif isinstance(item, DiscoveredUrlsItem):
            self.discovered.append(item)
        if (
            len(self.pages) + len(self.errors) >= self._flush_at
            or time.monotonic() - self._flushed_at >= FLUSH_SECONDS
        ):
            self._flush()
        return item

    def spider_closed(self, reason: str) -> None:
        if reason != "finished" or not self.discovery:
            return
        if self.unrecorded:
            LOGGER.warning(
                "%d page(s) or error(s) could be neither stored nor recorded: feed and sitemap "
                "validators not saved, the next run fetches them in full",
                self.unrecorded,
            )
            return
        spider: Any = self.crawler.spider
        try:
            conn = connect(self.crawler.settings["NEWSFLOW_DATABASE_URL"])
            try:
                with conn:
                    store_discovery_state(
                        conn, spider.source.name, self.discovery, spider.since, spider.until
                    )
            finally:
                conn.close()
        except psycopg2.Error as exc:  # not saved: the next run fetches them in full, no loss
            LOGGER.warning("feed and sitemap validators not saved: %s", describe_error(exc))

    def _flush(self) -> None:
        pages, errors, discovered = self.pages, self.errors, self.discovered
        # Emptied first: a failed write must not hold the rest.
        self.pages, self.errors, self.discovered = [], [], []
        self._flushed_at = time.monotonic()
        if discovered:
            self._write_discoveries(discovered)
        if not pages and not errors:  # a timed flush of nothing: no write
            return
        self._flush_at = min(FLUSH_EVERY, self._flush_at * 2)
        try:
            self._write(pages, errors)
            return
        except Exception as exc:  # whatever failed, the pages are written one by one below
            LOGGER.warning(
                "a write of %d page(s) and %d error(s) failed, retrying: %s",
                len(pages),
                len(errors),
                describe_error(exc),
            )
        self._recover()
        try:
            self._write(pages, errors)
            return
        except Exception as exc:
            LOGGER.warning("the write failed again, writing page by page: %s", describe_error(exc))
        self._recover()
        for page in pages:
            self._write_one(page.url, [page], [])
        for error in errors:
            self._write_one(error.url, [], [error])

    def _write(self, pages: list[PageItem], errors: list[FetchErrorItem]) -> None:
        spider = self.crawler.spider
        source, run_id = spider.source.name, self.crawler.settings["NEWSFLOW_RUN_ID"]  # type: ignore[union-attr]
        with self.conn:
            unchanged = store_pages(self.conn, source, run_id, pages)
            store_fetch_errors(self.conn, source, run_id, errors)
        for (state, label), count in unchanged.items():  # committed: count what is stored
            self.crawler.stats.inc_value(f"newsflow/unchanged_pages/{state}", count)
            if label is not None:  # a refetched page keeps its label: fetched, so counted
                self.crawler.stats.inc_value(f"newsflow/labels/{label}", count)

    def _write_discoveries(self, discovered: list[DiscoveredUrlsItem]) -> None:
        """Record which channels listed which URLs. Provenance is an audit trail, not data a
        page needs: a failed write is logged and counted, and the crawl goes on."""
        spider = self.crawler.spider
        source, run_id = spider.source.name, self.crawler.settings["NEWSFLOW_RUN_ID"]  # type: ignore[union-attr]
        try:
            with self.conn:
                store_discoveries(self.conn, source, run_id, discovered)
        except Exception as exc:
            self.crawler.stats.inc_value("newsflow/discoveries_not_recorded", len(discovered))
            LOGGER.warning(
                "discovery channels of %d response(s) not recorded: %s",
                len(discovered),
                describe_error(exc),
            )
            self._recover()

    def _write_one(self, url: str, pages: list[PageItem], errors: list[FetchErrorItem]) -> None:
        """Write one page (or one error); a page that fails is recorded as ``store_error``."""
        if not self.conn.closed:
            try:
                self._write(pages, errors)
                return
            except Exception as exc:
                reason = describe_error(exc)
                self._recover(reconnect=False)
        else:
            reason = "no connection to the database"
        if pages:
            self.crawler.stats.inc_value("newsflow/errors/store_error")
            LOGGER.warning("store_error: page %.200s not stored: %s", url, reason)
            if not self.conn.closed:
                try:
                    self._write([], [FetchErrorItem(url, "store_error", reason)])
                    return
                except Exception as exc:
                    reason = describe_error(exc)
                    self._recover(reconnect=False)
        LOGGER.warning("%.200s: not recorded either: %s", url, reason)
        self.unrecorded += 1

    def _recover(self, *, reconnect: bool = True) -> None:
        """Leave the connection usable after a failed write: rolled back or, if it was lost
        (a restarted server), opened again after a pause."""
        if not self.conn.closed:
            try:
                self.conn.rollback()
            except psycopg2.Error:
                self.conn.close()
        if not self.conn.closed or not reconnect:
            return
        time.sleep(RECONNECT_PAUSE)
        try:
            self.conn = connect(self.crawler.settings["NEWSFLOW_DATABASE_URL"])
        except psycopg2.Error as exc:
            LOGGER.warning("cannot reconnect to the database: %s", describe_error(exc))
