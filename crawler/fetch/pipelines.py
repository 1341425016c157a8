"""Scrapy item pipelines: thin adapters from spider output to :mod:`crawler.fetch.store`."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.db import connect
from crawler.fetch.items import DiscoveryStateItem, FetchErrorItem, PageItem
from crawler.fetch.store import store_discovery_state, store_fetch_errors, store_pages

LOGGER = logging.getLogger(__name__)

FLUSH_EVERY = 50  # items buffered before one batched write (the first writes are smaller)
FLUSH_SECONDS = 5.0  # … or after this long, so a slow site's pages are not held in memory


class StorePipeline:
    """Writes fetched pages to ``raw_pages`` and failures to ``fetch_errors``, in batches.

    Feed and sitemap validators (``discovery_state``) are written only when the crawl finished:
    after a crash the next run must fetch them in full, or it would miss what they list.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pages: list[PageItem] = []
        self.errors: list[FetchErrorItem] = []
        self.discovery: list[DiscoveryStateItem] = []
        self.conn: Any = None
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
        if (
            len(self.pages) + len(self.errors) >= self._flush_at
            or time.monotonic() - self._flushed_at >= FLUSH_SECONDS
        ):
            self._flush()
        return item

    def spider_closed(self, reason: str) -> None:
        if reason != "finished" or not self.discovery:
            return
        conn = connect(self.crawler.settings["NEWSFLOW_DATABASE_URL"])
        try:
            with conn:
                spider: Any = self.crawler.spider
                store_discovery_state(
                    conn, spider.source.name, self.discovery, spider.since, spider.until
                )
        finally:
            conn.close()

    def _flush(self) -> None:
        spider = self.crawler.spider
        source, run_id = spider.source.name, self.crawler.settings["NEWSFLOW_RUN_ID"]  # type: ignore[union-attr]
        with self.conn:
            unchanged = store_pages(self.conn, source, run_id, self.pages)
            store_fetch_errors(self.conn, source, run_id, self.errors)
        for state, count in unchanged.items():  # committed: count what is stored
            self.crawler.stats.inc_value(f"newsflow/unchanged_pages/{state}", count)
        if self.pages or self.errors:  # not for a timed flush of nothing
            self._flush_at = min(FLUSH_EVERY, self._flush_at * 2)
        self.pages.clear()
        self.errors.clear()
        self._flushed_at = time.monotonic()
