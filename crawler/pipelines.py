"""Scrapy item pipelines: thin adapters from spider output to :mod:`crawler.load`."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.db import connect
from crawler.items import FetchErrorItem, PageItem
from crawler.load import store_fetch_errors, store_pages

LOGGER = logging.getLogger(__name__)

FLUSH_EVERY = 50  # items buffered before one batched write


class StorePipeline:
    """Writes fetched pages to ``raw_pages`` and failures to ``fetch_errors``, in batches."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pages: list[PageItem] = []
        self.errors: list[FetchErrorItem] = []
        self.conn: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

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
        if len(self.pages) + len(self.errors) >= FLUSH_EVERY:
            self._flush()
        return item

    def _flush(self) -> None:
        spider = self.crawler.spider
        source, run_id = spider.source.name, self.crawler.settings["NEWSFLOW_RUN_ID"]  # type: ignore[union-attr]
        with self.conn:
            store_pages(self.conn, source, run_id, self.pages)
            store_fetch_errors(self.conn, source, run_id, self.errors)
        self.pages.clear()
        self.errors.clear()
