"""The generic news spider: a :class:`~crawler.sources.Source` in, fetched article pages out.

Discovery (feeds, sitemaps and sitemap indexes, listing pages with pagination) uses
:mod:`crawler.discover`; only URLs that :meth:`Source.is_article_url` accepts are fetched as
articles, each at most once per run, and URLs already stored are skipped unless a revisit is due.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.discover import (
    feed_entries,
    is_pagination_link,
    normalize_url,
    sitemap_entries,
)
from crawler.items import FetchErrorItem, PageItem
from crawler.sources import Source

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_SITEMAP_DEPTH = 3  # sitemap index → sitemap → (rare) nested index


class NewsSpider(scrapy.Spider):
    """Crawls one source: discovery requests first, then its article pages."""

    name = "news"

    def __init__(
        self,
        source: Source,
        known_urls: frozenset[str] = frozenset(),
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.known_urls = known_urls
        self._scheduled: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            yield scrapy.Request(
                url, callback=self.parse_feed, errback=self.on_error, meta={"via": "feed"}
            )
        for url in self.source.sitemaps:
            yield scrapy.Request(
                url,
                callback=self.parse_sitemap,
                errback=self.on_error,
                meta={"via": "sitemap", "depth_sm": 0},
            )
        for url in self.source.start_urls:
            yield scrapy.Request(
                url,
                callback=self.parse_listing,
                errback=self.on_error,
                meta={"via": "listing", "hops": 0},
            )

    # discovery ----------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        entries = feed_entries(response.body, response.url)
        if entries is None:
            self.crawler.stats.inc_value("newsflow/discovery_invalid/feed")
            yield self._error_item(
                response.url, "invalid_feed", "not an RSS or Atom feed", response.status
            )
            return
        for entry in entries:
            yield from self._article_request(entry.url, "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        kind, entries = sitemap_entries(response.body)
        if kind == "invalid":
            self.crawler.stats.inc_value("newsflow/discovery_invalid/sitemap")
            yield self._error_item(
                response.url, "invalid_sitemap", "not a sitemap", response.status
            )
            return
        depth = response.meta.get("depth_sm", 0)
        for entry in entries:
            if kind == "sitemapindex":
                if depth < _MAX_SITEMAP_DEPTH:
                    yield response.follow(
                        entry.url,
                        callback=self.parse_sitemap,
                        errback=self.on_error,
                        meta={"via": "sitemap", "depth_sm": depth + 1},
                    )
            else:
                yield from self._article_request(entry.url, "sitemap")

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        hops = response.meta.get("hops", 0)
        for link in response.css("a[href]"):
            href = link.attrib.get("href", "")
            if href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = response.urljoin(href)
            if self.source.is_article_url(normalize_url(url)):
                yield from self._article_request(url, "listing")
            elif hops < self.source.follow_depth and is_pagination_link(
                link.attrib.get("rel"), " ".join(link.css("::text").getall())
            ):
                yield response.follow(
                    url,
                    callback=self.parse_listing,
                    errback=self.on_error,
                    meta={"via": "listing", "hops": hops + 1},
                )

    def _article_request(self, url: str, via: str) -> Iterator[scrapy.Request]:
        url = normalize_url(url)
        if not self.source.is_article_url(url) or url in self._scheduled:
            return
        self._scheduled.add(url)
        stats = self.crawler.stats
        stats.inc_value(f"newsflow/discovered/{via}")
        if url in self.known_urls:
            stats.inc_value("newsflow/known_skipped")
            return
        cap = self.source.max_articles
        if cap is not None and stats.get_value("newsflow/article_requests", 0) >= cap:
            stats.inc_value("newsflow/over_max_articles")
            return
        stats.inc_value("newsflow/article_requests")
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={"via": via, "article": True},
        )

    # articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        mime = (content_type or "").split(";", 1)[0].strip().lower()
        encoding = None
        if content_type and "charset=" in content_type.lower():
            encoding = (
                content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip(" \"'") or None
            )
        is_html = mime in _HTML_TYPES or (not mime and response.body.lstrip()[:1] == b"<")
        yield PageItem(
            url=response.meta.get("redirect_urls", [response.url])[0],
            response_url=response.url,
            status=response.status,
            content_type=content_type,
            encoding=encoding,
            body=response.body if is_html else b"",
            fetched_at=datetime.now(UTC),
            discovered_via=response.meta.get("via", "listing"),
            skip_reason=None if is_html else "not_html",
        )

    # errors -------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchErrorItem]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield self._error_item(request.url, f"http_{status}", str(failure.value), status)
            return
        if failure.check(scrapy.exceptions.IgnoreRequest):
            # robots.txt (or another middleware) refused it: not an error of the site.
            self.crawler.stats.inc_value("newsflow/ignored_requests")
            return
        if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
            error_class = "timeout"
        elif failure.check(DNSLookupError, CannotResolveHostError):
            error_class = "dns"
        elif failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
            error_class = "connection_refused"
        elif failure.check(ResponseDataLossError):
            error_class = "truncated"
        else:
            error_class = type(failure.value).__name__
        yield self._error_item(request.url, error_class, failure.getErrorMessage())

    def _error_item(
        self, url: str, error_class: str, message: str, status: int | None = None
    ) -> FetchErrorItem:
        self.crawler.stats.inc_value(f"newsflow/errors/{error_class}")
        return FetchErrorItem(
            url=url, error_class=error_class, message=message[:500], http_status=status
        )
