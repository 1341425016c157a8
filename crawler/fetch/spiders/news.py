"""The generic news spider: a :class:`~crawler.sources.Source` in, fetched article pages out.

Discovery (feeds, sitemaps and sitemap indexes, listing pages with pagination) uses
:mod:`crawler.fetch.discover`; only http(s) URLs that :meth:`Source.is_article_url` accepts are
fetched as articles, each at most once per run, and URLs already stored (looked up in the database
a batch at a time) are skipped unless a revisit is due (those are requested directly, whether or
not a listing still names them).

A crawl is bounded: at most ``NEWSFLOW_MAX_ARTICLES`` article requests and
``NEWSFLOW_MAX_DISCOVERED`` distinct candidate URLs (the source's ``max_articles`` and
``max_discovered``). A crawl that had to leave candidates out closes with that cap as its reason,
so no feed or sitemap validators are saved (:class:`~crawler.fetch.pipelines.StorePipeline`) and
the next run reads them in full and fetches what this one left.

Every article URL a channel lists (feed, news sitemap, sitemap, listing page) is reported once
per run and channel as a :class:`DiscoveredUrlsItem`, fetched or not: the provenance of articles
(``url_discoveries``).

Feeds and sitemaps are fetched conditionally (``If-None-Match``/``If-Modified-Since`` from the
last complete run); a 304 ends there. With ``since``/``until`` (backfill), candidates whose
listing date falls outside the window are not fetched; undated candidates are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawler.fetch import settings as _defaults
from crawler.fetch.discover import feed_entries, is_pagination_link, sitemap_entries
from crawler.fetch.items import (
    DiscoveredUrlsItem,
    DiscoveryStateItem,
    FetchErrorItem,
    PageItem,
)
from crawler.fetch.middlewares import HTML_TYPES, BlockedAddressError
from crawler.fetch.network import refusal
from crawler.fetch.urls import is_http_url, normalize_url, url_too_long
from crawler.labels import http_error_label
from crawler.sources import Source

_MAX_SITEMAP_DEPTH = 3  # sitemap index → sitemap → (rare) nested index
_KNOWN_BATCH = 1_000  # candidate URLs looked up in the database at once
_CHALLENGE_SCAN_BYTES = 65_536  # of an HTTP error answer, read for a challenge's markers
# IgnoreRequest messages of Scrapy's middlewares that are failures of the site, by error class.
_IGNORED_AS_ERRORS = (
    ("max redirections", "redirect_loop"),
    ("DOWNLOAD_MAXSIZE", "too_large"),
)


class NewsSpider(scrapy.Spider):
    """Crawls one source: discovery requests first, then its article pages."""

    name = "news"

    def __init__(
        self,
        source: Source,
        known_urls: Callable[[Sequence[str]], Mapping[str, bool]] | None = None,
        *args: Any,
        revisit_urls: tuple[str, ...] = (),
        retry_urls: tuple[str, ...] = (),
        validators: Mapping[str, tuple[str | None, str | None]] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        # URLs -> those stored, each mapped to whether it is an article (crawler.fetch.store)
        self.known_urls = known_urls or (lambda urls: {})
        self.revisit_urls = revisit_urls
        self.retry_urls = retry_urls
        self.validators = dict(validators or {})
        self.since = since
        self.until = until
        self._scheduled: set[str] = set()
        self._found: set[tuple[str, str]] = set()  # (URL, channel) pairs already reported
        self._requested_articles = 0
        self.cut_short: str | None = None  # the cap that left candidates out, if one did
        # caps: the crawl's settings (from_crawler), the project's defaults until then
        self.max_articles: int = _defaults.NEWSFLOW_MAX_ARTICLES
        self.max_discovered: int = _defaults.NEWSFLOW_MAX_DISCOVERED

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_articles = crawler.settings.getint("NEWSFLOW_MAX_ARTICLES")
        spider.max_discovered = crawler.settings.getint("NEWSFLOW_MAX_DISCOVERED")
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    def _idle(self) -> None:
        """Everything scheduled is done: close with the cap as the reason if one was reached."""
        if self.cut_short is not None:
            raise CloseSpider(self.cut_short)

    def _stop(self, cap: str) -> None:
        self.crawler.stats.inc_value(f"newsflow/over_{cap}")
        if self.cut_short is None:
            self.cut_short = cap
            self.logger.warning(
                "%s reached (%d): the rest is left to the next run",
                cap,
                getattr(self, cap),
            )

    async def start(self) -> AsyncIterator[Any]:
        for via, urls in (("revisit", self.revisit_urls), ("retry", self.retry_urls)):
            # Not a discovery channel: nothing listed these today, so no provenance.
            candidates = ((url, None, via) for url in urls)
            for request in self._candidate_requests(candidates, provenance=False):
                yield request
        for url in self.source.feeds:
            yield self._discovery_request(url, self.parse_feed, {"via": "feed"})
        for url in self.source.sitemaps:
            yield self._discovery_request(
                url, self.parse_sitemap, {"via": "sitemap", "depth_sm": 0}
            )
        for url in self.source.start_urls:
            yield scrapy.Request(
                url,
                callback=self.parse_listing,
                errback=self.on_error,
                meta={"via": "listing", "hops": 0},
            )

    # discovery ----------------------------------------------------------------------------

    def _discovery_request(
        self, url: str, callback: Any, meta: dict[str, Any], follow_of: Response | None = None
    ) -> scrapy.Request:
        """A feed or sitemap request: conditional if validators are stored, larger size limit."""
        headers = {}
        etag, last_modified = self.validators.get(url, (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        maxsize = self.crawler.settings.getint("NEWSFLOW_DISCOVERY_MAXSIZE")
        meta = {**meta, "handle_httpstatus_list": [304], "download_maxsize": maxsize}
        return scrapy.Request(
            url if follow_of is None else follow_of.urljoin(url),
            callback=callback,
            errback=self.on_error,
            headers=headers,
            meta=meta,
        )

    def _validators(self, response: Response) -> DiscoveryStateItem:
        def header(name: bytes) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return DiscoveryStateItem(
            url=response.request.url if response.request else response.url,
            etag=header(b"ETag"),
            last_modified=header(b"Last-Modified"),
            status=response.status,
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsflow/discovery_responses")
        if response.status == 304:
            self.crawler.stats.inc_value("newsflow/discovery_not_modified")
            return
        yield self._validators(response)
        entries = feed_entries(response.body, response.url, _charset(response))
        if entries is None:
            self.crawler.stats.inc_value("newsflow/discovery_invalid/feed")
            yield self._error_item(
                response.url, "invalid_feed", "not an RSS or Atom feed", response.status
            )
            return
        yield from self._candidate_requests((e.url, e.lastmod, "feed") for e in entries)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsflow/discovery_responses")
        if response.status == 304:
            self.crawler.stats.inc_value("newsflow/discovery_not_modified")
            return
        yield self._validators(response)
        kind, entries = sitemap_entries(response.body)
        if kind == "invalid":
            self.crawler.stats.inc_value("newsflow/discovery_invalid/sitemap")
            yield self._error_item(
                response.url, "invalid_sitemap", "not a sitemap", response.status
            )
            return
        if kind != "sitemapindex":
            yield from self._candidate_requests(
                (e.url, e.lastmod, "news_sitemap" if e.news else "sitemap") for e in entries
            )
            return
        depth = response.meta.get("depth_sm", 0)
        for entry in entries:
            if (
                self.since is not None
                and entry.lastmod is not None
                and _aware(entry.lastmod) < self.since
            ):
                # a sitemap last changed before the window lists nothing inside it
                self.crawler.stats.inc_value("newsflow/sitemaps_outside_window")
            elif (
                depth < _MAX_SITEMAP_DEPTH
                and (url := self._join(response, entry.url)) is not None
                and self._may_follow(url)
            ):
                yield self._discovery_request(
                    entry.url,
                    self.parse_sitemap,
                    {"via": "sitemap", "depth_sm": depth + 1},
                    follow_of=response,
                )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsflow/discovery_responses")
        if not isinstance(response, TextResponse):
            return
        hops = response.meta.get("hops", 0)
        articles: list[tuple[str, datetime | None, str]] = []
        pages: list[str] = []
        for link in response.css("a[href]"):
            href = link.attrib.get("href", "")
            if href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = self._join(response, href)
            if url is None or not self._is_http(url):
                continue
            if self.source.is_article_url(normalize_url(url)):
                articles.append((url, None, "listing"))
            elif hops < self.source.follow_depth and is_pagination_link(
                link.attrib.get("rel"), " ".join(link.css("::text").getall())
            ):
                pages.append(url)
        yield from self._candidate_requests(articles)
        for url in pages:
            if self._may_follow(url):
                yield response.follow(
                    url,
                    callback=self.parse_listing,
                    errback=self.on_error,
                    meta={"via": "listing", "hops": hops + 1},
                )

    def _join(self, response: Response, link: str) -> str | None:
        """``link`` made absolute on ``response``; None (counted as not http) when malformed
        ("http://[x"): one bad link must not lose the other links of its page or sitemap."""
        try:
            return response.urljoin(link)
        except ValueError:
            self.crawler.stats.inc_value("newsflow/not_http")
            return None

    def _is_http(self, url: str) -> bool:
        """Whether ``url`` may be requested: ftp, s3, file and data URLs are counted and dropped."""
        if is_http_url(url):
            return True
        self.crawler.stats.inc_value("newsflow/not_http")
        return False

    def _may_follow(self, url: str) -> bool:
        """Whether to request another sitemap or listing page: http(s), and discovery not full."""
        if not self._is_http(url):
            return False
        if len(self._scheduled) >= self.max_discovered:
            self._stop("max_discovered")
            return False
        return True

    def _candidate(
        self,
        url: str,
        via: str,
        listed_date: datetime | None,
        found: list[tuple[str, str]] | None,
    ) -> str | None:
        """``url`` canonicalised if it is a new article candidate of this run, else None. An
        article URL is first added to ``found`` (its channel's provenance, once per run)."""
        if not self._is_http(url):
            return None
        url = normalize_url(url)
        if not self.source.is_article_url(url):
            return None
        if found is not None and (url, via) not in self._found:
            self._found.add((url, via))
            found.append((url, via))
        if url in self._scheduled:
            return None
        if url_too_long(url):  # could not be stored: an error of the site, not fetched
            self._scheduled.add(url)
            self.crawler.stats.inc_value("newsflow/errors/url_too_long")
            self.logger.warning("url_too_long: not fetched (%d characters): %.200s", len(url), url)
            return None
        if listed_date is not None and not self._in_window(_aware(listed_date)):
            self.crawler.stats.inc_value("newsflow/outside_window")
            return None
        if len(self._scheduled) >= self.max_discovered:
            self._stop("max_discovered")
            return None
        self._scheduled.add(url)
        self.crawler.stats.inc_value(f"newsflow/discovered/{via}")
        return url

    def _candidate_requests(
        self, candidates: Iterable[tuple[str, datetime | None, str]], *, provenance: bool = True
    ) -> Iterator[Any]:
        """Article requests for the new ``(url, listed date, channel)`` candidates, stored URLs
        looked up a batch at a time; then the provenance of every article URL listed."""
        batch: list[tuple[str, str]] = []
        found: list[tuple[str, str]] | None = [] if provenance else None
        for url, listed_date, via in candidates:
            candidate = self._candidate(url, via, listed_date, found)
            if candidate is not None:
                batch.append((candidate, via))
            if len(batch) >= _KNOWN_BATCH:
                yield from self._article_requests_of(batch)
                batch = []
        if batch:
            yield from self._article_requests_of(batch)
        if found:
            yield DiscoveredUrlsItem(tuple(found), datetime.now(UTC))

    def _article_requests_of(self, candidates: list[tuple[str, str]]) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        known = self.known_urls([url for url, _ in candidates])
        for url, via in candidates:
            is_article = known.get(url)
            if is_article is not None:
                stats.inc_value("newsflow/known_skipped")
                if is_article:
                    stats.inc_value("newsflow/known_articles_skipped")
                continue
            if self._requested_articles >= self.max_articles:
                self._stop("max_articles")
                continue
            self._requested_articles += 1
            stats.inc_value("newsflow/article_requests")
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.on_error,
                meta={"via": via, "article": True},
                # deduplicated by _scheduled already; Scrapy's filter would silently drop the
                # second hop back of a redirect loop instead of letting REDIRECT_MAX_TIMES fail it
                dont_filter=True,
            )

    def _in_window(self, when: datetime) -> bool:
        if self.since is not None and when < self.since:
            return False
        return self.until is None or when < self.until

    # articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> list[PageItem]:
        # Returns a list, not a generator: Scrapy re-parses the source of generator callbacks
        # on every response (its cache misses bound methods), ~1 ms per page.
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        mime = (content_type or "").split(";", 1)[0].strip().lower()
        encoding = None
        if content_type and "charset=" in content_type.lower():
            encoding = (
                content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip(" \"'") or None
            )
        is_html = "download_stopped" not in response.flags and (
            mime in HTML_TYPES or (not mime and response.body.lstrip()[:1] == b"<")
        )
        return [
            PageItem(
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
        ]

    # errors -------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FetchErrorItem]:
        request = failure.request  # type: ignore[attr-defined]
        attempts = int(request.meta.get("retry_times", 0)) + 1
        url = request.meta.get("redirect_urls", [request.url])[0]  # as requested, before redirects
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            status = response.status
            # Headers as Latin-1, which decodes any bytes: to_unicode_dict() raises on a header
            # that is not UTF-8, and the error would go unrecorded.
            headers = {
                k.decode("latin-1").lower(): b",".join(v).decode("latin-1")
                for k, v in response.headers.items()
            }
            label = http_error_label(
                status, headers, response.body[:_CHALLENGE_SCAN_BYTES].decode("utf-8", "replace")
            )
            self.crawler.stats.inc_value(f"newsflow/labels/{label}")
            yield self._error_item(
                url, f"http_{status}", str(failure.value), status, attempts, label
            )
            return
        if failure.check(BlockedAddressError):
            yield self._error_item(url, "private_address", str(failure.value))
            return
        if failure.check(IgnoreRequest):
            message = str(failure.value)
            for needle, error_class in _IGNORED_AS_ERRORS:
                if needle in message:
                    yield self._error_item(url, error_class, message, None, attempts)
                    return
            # robots.txt (or another middleware) refused it: not an error of the site.
            self.crawler.stats.inc_value("newsflow/ignored_requests")
            return
        if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
            error_class = "timeout"
        elif failure.check(DNSLookupError, CannotResolveHostError):
            reason = refusal(urlparse_cached(request).hostname or "")
            if reason is not None:  # the resolver refused the address (crawler.fetch.network)
                yield self._error_item(url, "private_address", reason, None, attempts)
                return
            error_class = "dns"
        elif failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
            error_class = "connection_refused"
        elif failure.check(ResponseDataLossError, ResponseFailed):
            error_class = "truncated"
        elif failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
            error_class = "too_large"
        else:
            error_class = type(failure.value).__name__
        yield self._error_item(url, error_class, failure.getErrorMessage(), None, attempts)

    def _error_item(
        self,
        url: str,
        error_class: str,
        message: str,
        status: int | None = None,
        attempts: int = 1,
        label: str | None = None,
    ) -> FetchErrorItem:
        self.crawler.stats.inc_value(f"newsflow/errors/{error_class}")
        return FetchErrorItem(
            url=url,
            error_class=error_class,
            message=message[:500],
            http_status=status,
            attempts=attempts,
            label=label,
        )


def _aware(when: datetime) -> datetime:
    """Listing dates without a zone (``2026-11-18``) are taken as UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _charset(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "charset=" not in content_type:
        return None
    return content_type.split("charset=", 1)[1].split(";", 1)[0].strip(" \"'") or None
