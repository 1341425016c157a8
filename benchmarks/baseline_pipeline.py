"""The plain pipeline newsflow's throughput is judged against: Scrapy + trafilatura + psycopg2.

What a competent engineer hand-rolls in an afternoon: a ``SitemapSpider`` follows the site's
sitemap, an item pipeline extracts each page with ``trafilatura.extract`` (its defaults, in the
Scrapy process) and another inserts the text into one PostgreSQL table with psycopg2's
``execute_values``, one commit per batch of 100. No raw HTML kept, no metadata, no revisions,
near-duplicates or checks: less work than ``newsflow run`` does, on purpose.

``python benchmarks/baseline_pipeline.py --sitemap URL --database-url URL [--pattern REGEX]``;
prints ``baseline: N pages stored`` at the end. The SQL is written here, not in ``sql/``: the
baseline must not use newsflow's code or conventions, and ``sql/`` ships in newsflow's wheel.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import psycopg2
import trafilatura
from psycopg2.extras import execute_values
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.spiders import SitemapSpider

BATCH = 100  # rows per INSERT and per commit

_CREATE = """
CREATE TABLE IF NOT EXISTS baseline_articles (
    url        text PRIMARY KEY,
    text       text NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
)
"""
_UPSERT = """
INSERT INTO baseline_articles (url, text) VALUES %s
ON CONFLICT (url) DO UPDATE SET text = EXCLUDED.text, fetched_at = now()
"""


class ArticleSpider(SitemapSpider):
    """Every sitemap URL matching ``pattern``, as its URL and HTML."""

    name = "baseline"

    def __init__(self, sitemap: str, pattern: str, **kwargs: Any) -> None:
        self.sitemap_urls = [sitemap]
        self.sitemap_rules = [(pattern, "parse_article")]
        super().__init__(**kwargs)  # compiles the rules

    def parse_article(self, response: Response) -> Any:
        yield {"url": response.url, "html": response.text}


class ExtractPipeline:
    """Main text with trafilatura's defaults; pages without text are dropped."""

    def process_item(self, item: dict[str, str]) -> dict[str, str]:
        text = trafilatura.extract(item["html"], url=item["url"])
        if not text:
            raise DropItem("no text")
        return {"url": item["url"], "text": text}


class PostgresPipeline:
    """Rows inserted with ``execute_values``, one commit per batch."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.rows: list[tuple[str, str]] = []
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PostgresPipeline:
        return cls(crawler.settings["BASELINE_DATABASE_URL"])

    def open_spider(self) -> None:
        self.conn = psycopg2.connect(self.database_url)
        with self.conn, self.conn.cursor() as cur:
            cur.execute(_CREATE)

    def process_item(self, item: dict[str, str]) -> dict[str, str]:
        self.rows.append((item["url"], item["text"]))
        if len(self.rows) >= BATCH:
            self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()
        self.conn.close()
        print(f"baseline: {self.stored} pages stored", flush=True)

    def _flush(self) -> None:
        if not self.rows:
            return
        with self.conn, self.conn.cursor() as cur:  # commits on leaving
            execute_values(cur, _UPSERT, self.rows, page_size=BATCH)
        self.stored += len(self.rows)
        self.rows.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sitemap", required=True, help="URL of the site's sitemap")
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL to store into")
    parser.add_argument(
        "--pattern", default=r"/news/\d+\.html$", help="regex of the article URLs to fetch"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="concurrent requests to the site (default 16)"
    )
    args = parser.parse_args(argv)
    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,  # as the project template sets it
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": "INFO",  # DEBUG logs every item: whole pages of HTML
            "ITEM_PIPELINES": {ExtractPipeline: 300, PostgresPipeline: 400},
            "BASELINE_DATABASE_URL": args.database_url,
        }
    )
    process.crawl(ArticleSpider, sitemap=args.sitemap, pattern=args.pattern)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
