"""Downloader middlewares: network safety and the politeness Scrapy does not provide itself.

- :class:`PrivateNetworkGuard` refuses hosts in private, loopback, link-local or otherwise
  non-global address ranges (SSRF), unless the source sets ``allow_private_networks: true``;
  :mod:`crawler.fetch.network` classifies addresses and checks them again at connection.
- :class:`CrawlDelayMiddleware` applies robots.txt ``Crawl-delay`` (Scrapy's RobotsTxtMiddleware
  parses robots.txt but ignores that directive) to the site's download slot.
- :class:`RetryAfterMiddleware` honours ``Retry-After`` on 429/503 by slowing the whole slot
  (capped); a longer wait than the cap is not retried in this run.
- :class:`ContentTypeGuard` aborts article downloads whose headers announce a non-HTML body
  (PDF, images, archives) before the body is transferred.
- :class:`MetaRefreshMiddleware` is Scrapy's, but decodes a page only when its first bytes
  mention a refresh at all.
- :class:`MemoryUsage` (an extension) is Scrapy's, measuring the crawl process's own memory.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from email.utils import parsedate_to_datetime
from time import monotonic, time
from typing import Any

from scrapy import Spider, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.extensions.memusage import MemoryUsage as _ScrapyMemoryUsage
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.threads import deferToThread

from crawler.fetch.network import blocked_reason

LOGGER = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


class BlockedAddressError(IgnoreRequest):
    """Raised by :class:`PrivateNetworkGuard` for a host in a non-global address range."""


def _resolve(host: str) -> list[str] | None:
    """Every address ``host`` resolves to, or None if the lookup failed."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None
    return sorted({str(info[4][0]) for info in infos}) or None


class PrivateNetworkGuard:
    """Refuses requests to hosts that are, or resolve to, non-global addresses (private, loopback,
    link-local, or IPv6 forms of those), unless the source allows private networks.

    Every request passes here, including robots.txt and each redirect hop (a redirect is a new
    request), so a public page cannot redirect us into the internal network. A host name is
    resolved (in a thread) and refused if *any* of its addresses is non-global; verdicts are
    cached per crawl, but a failed lookup is not: such a request goes on, and the lookup Scrapy
    makes to connect decides. That one goes through
    :class:`~crawler.fetch.network.GuardedResolver`, which checks the address connected to: a name
    answering differently by then (DNS rebinding) is refused there.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("NEWSFLOW_ALLOW_PRIVATE_NETWORKS")
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateNetworkGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if self.allow_private:
            return
        host = urlparse_cached(request).hostname or ""
        if host in self._verdicts:
            reason = self._verdicts[host]
        else:
            addresses = await self._addresses(host)
            if addresses is None:
                self.crawler.stats.inc_value("newsflow/guard_lookup_failed")
                return
            reason = next(filter(None, map(blocked_reason, addresses)), None)
            self._verdicts[host] = reason
        if reason is not None:
            self.crawler.stats.inc_value("newsflow/blocked_private_address")
            raise BlockedAddressError(f"{host}: {reason} (allow_private_networks is off)")

    async def _addresses(self, host: str) -> list[str] | None:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return await maybe_deferred_to_future(deferToThread(_resolve, host))
        return [host]


def _slot(crawler: Any, request: Request) -> Any:
    downloader = crawler.engine.downloader
    # Scrapy has no public accessor that creates a slot; _get_slot is what the downloader uses.
    _key, slot = downloader._get_slot(request)
    return slot


class CrawlDelayMiddleware:
    """Applies robots.txt ``Crawl-delay`` as the minimum delay of the site's download slot.

    Runs after RobotsTxtMiddleware (which awaits robots.txt first), so the delay is known before
    the first page request of a site is queued. AutoThrottle is told not to lower it.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("NEWSFLOW_MAX_POLITENESS_DELAY")
        self._user_agent = crawler.settings.get("USER_AGENT", "")
        self._delays: dict[str, float] = {}
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        return cls(crawler)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        parser = getattr(robotparser, "rp", None)  # Protego (the ROBOTSTXT_PARSER we configure)
        if parser is None or not hasattr(parser, "crawl_delay"):
            return
        delay = parser.crawl_delay(self._user_agent)
        if delay:
            host = urlparse_cached(request).hostname or ""
            self._delays[host] = min(float(delay), self.max_delay)
            self.crawler.stats.set_value("newsflow/robots_crawl_delay", self._delays[host])

    def process_request(self, request: Request) -> None:
        delay = self._delays.get(urlparse_cached(request).hostname or "")
        if delay is None:
            return
        request.meta["autothrottle_dont_adjust_delay"] = True
        slot = _slot(self.crawler, request)
        if slot.delay < delay:
            slot.delay = delay
        slot.jitter = 0.0  # a randomised delay could go below the site's minimum


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time() if now is None else now))


class RetryAfterMiddleware:
    """On 429/503 with ``Retry-After``: slow the site's slot to that delay (capped).

    Placed before RetryMiddleware in the response chain, so the retry it schedules waits in the
    slowed slot. A wait longer than ``NEWSFLOW_MAX_POLITENESS_DELAY`` is not retried this run.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("NEWSFLOW_MAX_POLITENESS_DELAY")

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            return response
        stats = self.crawler.stats
        stats.inc_value("newsflow/retry_after")
        if delay > self.max_delay:
            request.meta["dont_retry"] = True  # the site asks for more than we wait in one run
            stats.inc_value("newsflow/retry_after_too_long")
        slot = _slot(self.crawler, request)
        slot.delay = max(slot.delay, min(delay, self.max_delay))
        slot.jitter = 0.0
        slot.lastseen = monotonic()  # the next request of the slot waits the full delay from now
        return response


class ContentTypeGuard:
    """Stops article downloads whose Content-Type is not HTML as soon as the headers arrive.

    The response reaches the spider with the partial body and the ``download_stopped`` flag; the
    spider stores it as rejected ``not_html`` without a body.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        crawler.signals.connect(self._headers_received, signal=signals.headers_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ContentTypeGuard:
        return cls(crawler)

    def _headers_received(self, headers: Any, body_length: int, request: Request) -> None:
        if not request.meta.get("article"):
            return
        content_type = headers.get(b"Content-Type", b"").decode("latin-1")
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime and mime not in HTML_TYPES:
            self.crawler.stats.inc_value("newsflow/aborted_not_html")
            raise StopDownload(fail=False)


# Scrapy looks for <meta http-equiv="refresh"> in a page's first 4,096 characters: at most
# 16,384 bytes in any encoding that spells ASCII as ASCII (UTF-8, the legacy CJK ones, Latin).
_REFRESH_SCAN_BYTES = 4 * 4096


def may_refresh(body: bytes) -> bool:
    """Whether the start of an HTML ``body`` could hold a meta refresh: it mentions "refresh"
    (any case), or is in an encoding where ASCII letters are not single bytes (UTF-16/32)."""
    head = body[:_REFRESH_SCAN_BYTES]
    return b"\0" in head or b"refresh" in head.lower()


class MetaRefreshMiddleware(_ScrapyMetaRefresh):
    """Scrapy's meta-refresh redirects, without decoding every page to find none.

    Scrapy's middleware decodes the whole body (``response.text``) of every HTML response to look
    at its first 4,096 characters: ~0.13 ms per 130 KB article page, ~5 % of the crawl child's
    CPU, for a tag almost no article has. Here a byte scan of the start of the page decides first;
    a page that may hold one goes through Scrapy's own code. Not caught, as a cost accepted: a
    refresh whose ``http-equiv`` value is written with character references (``&#114;efresh``),
    which Scrapy would decode.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        return super().process_response(request, response)


class MemoryUsage(_ScrapyMemoryUsage):
    """Scrapy's ``MEMUSAGE_LIMIT_MB`` check, on the peak memory of this process's own image.

    Scrapy reads ``ru_maxrss``, which Linux carries over ``exec`` from the process that started
    the crawl: a crawl started by a 1.2 GB Airflow worker or CLI would count 1.2 GB before fetching
    anything, and stop at once. ``VmHWM`` (/proc/self/status) is the peak resident size of the
    crawl itself; where /proc is missing, Scrapy's figure is used. The final peak is recorded in
    ``memusage/max`` when the crawl ends.
    """

    def get_virtual_size(self) -> int:
        peak = _own_peak_rss()
        return super().get_virtual_size() if peak is None else peak

    def engine_stopped(self) -> None:
        self.update()
        super().engine_stopped()


def _own_peak_rss() -> int | None:
    """Peak resident memory (bytes) of this process since its ``exec``, or None without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError):
        return None
    return None
