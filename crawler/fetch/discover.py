"""Discovery: feed, sitemap and listing-page bytes → candidate URLs (pure functions, no network).

Sitemaps are parsed with Scrapy's own :class:`scrapy.utils.sitemap.Sitemap` (sitemap indexes,
news sitemaps, alternates) and gunzipped with :func:`scrapy.utils.gz.gunzip` under a size limit.
Feeds (RSS 0.9x/1.0/2.0 and Atom) are read with lxml in recover mode: Scrapy ships no parser
that returns links *and* dates of both formats, so the few XPath lines below are ours.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.extract.dates import parse_datetime

LOGGER = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed sitemap

_PAGINATION_WORDS = (
    "next",
    "older",
    "more",
    "次へ",
    "次のページ",
    "下一頁",
    "下一页",
    "下頁",
    "다음",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL found by discovery, with the date its listing gave it (if any)."""

    url: str
    lastmod: datetime | None = None
    news: bool = False  # a news sitemap's entry (it has <news:news>): told apart from a sitemap's


def maybe_gunzip(body: bytes) -> bytes | None:
    """Decompress a gzipped sitemap or feed body (by magic number), bounded by MAX_SITEMAP_BYTES;
    None when it cannot be (nothing readable, or over the bound)."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gunzip(body, max_size=MAX_SITEMAP_BYTES)
    except (OSError, EOFError, struct.error, ValueError) as exc:  # ValueError: over the bound
        LOGGER.warning("an undecodable gzip body (%d bytes): %s", len(body), exc)
        return None


def sitemap_entries(
    body: bytes,
) -> tuple[Literal["urlset", "sitemapindex", "invalid"], list[Candidate]]:
    """Parse a (possibly gzipped) sitemap or sitemap index into candidates.

    Entries of a news sitemap (those with a ``<news:news>`` element) are marked ``news``; their
    ``news:publication_date`` is preferred over ``lastmod``.
    """
    unzipped = maybe_gunzip(body)
    if unzipped is None:
        return "invalid", []
    body = unzipped
    try:
        sitemap = Sitemap(body)
    except (lxml.etree.XMLSyntaxError, StopIteration, ValueError):
        return "invalid", []
    if sitemap.type not in ("urlset", "sitemapindex"):
        return "invalid", []
    # The news namespace must be declared for any <news:news>: no second parse without it.
    news = _news_entries(body) if _NEWS_NAMESPACE in body else {}
    out = []
    for entry in sitemap:
        loc = entry.get("loc", "").strip()
        if not loc:
            continue
        date = news.get(loc) or parse_datetime(entry.get("lastmod"))
        out.append(Candidate(loc, date, news=loc in news))
    return sitemap.type, out  # type: ignore[return-value]


_NEWS_NAMESPACE = b"http://www.google.com/schemas/sitemap-news/0.9"


def _news_entries(body: bytes) -> dict[str, datetime | None]:
    """URL → publication date (None if unreadable) of every entry with a ``<news:news>``."""
    # Scrapy's Sitemap flattens <news:news> to an empty string, losing the publication date.
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        # None for a document with no element at all (recover=True), though lxml-stubs type it as
        # an element.
        root: lxml.etree._Element | None = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    entries: dict[str, datetime | None] = {}
    for url in root.iterfind("{*}url"):
        loc = url.findtext("{*}loc")
        news = url.find("{*}news")
        if loc and news is not None:
            entries[loc.strip()] = parse_datetime(news.findtext("{*}publication_date"))
    return entries


def _as_utf8_xml(body: bytes, charset: str | None) -> bytes:
    """The feed re-encoded as UTF-8 when it declares no XML encoding and is not UTF-8 already.

    An XML declaration's ``encoding`` wins (lxml reads it); otherwise the HTTP charset, else
    windows-1252 (which decodes any byte): feeds served as Latin-1 without saying so are common.
    """
    head = body[:200].lstrip()
    if head.startswith(b"<?xml") and b"encoding" in head.split(b"?>", 1)[0]:
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    try:
        text = body.decode(charset or "cp1252", errors="replace")
    except LookupError:
        text = body.decode("cp1252", errors="replace")
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[1]
    return text.encode("utf-8")


def feed_entries(body: bytes, base_url: str, charset: str | None = None) -> list[Candidate] | None:
    """Links of an RSS or Atom feed with their dates; None if the body is not a feed.

    ``charset`` is the HTTP header's, used only when the XML itself declares no encoding.
    """
    unzipped = maybe_gunzip(body)
    if unzipped is None:
        return None
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        root: lxml.etree._Element | None = lxml.etree.fromstring(
            _as_utf8_xml(unzipped, charset), parser
        )
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    tag = lxml.etree.QName(root).localname.lower()
    out: list[Candidate] = []
    if tag in ("rss", "rdf"):
        for item in root.iterfind(".//{*}item"):
            link = (item.findtext("{*}link") or "").strip()
            if not link:
                guid = item.find("{*}guid")
                if guid is not None and (guid.get("isPermaLink", "true") != "false"):
                    link = (guid.text or "").strip()
            date = parse_datetime(item.findtext("{*}pubDate") or item.findtext("{*}date"))
            if url := _absolute(base_url, link):
                out.append(Candidate(url, date))
        return out
    if tag == "feed":
        for entry in root.iterfind("{*}entry"):
            href = None
            for link_element in entry.iterfind("{*}link"):
                if link_element.get("rel", "alternate") == "alternate" and link_element.get("href"):
                    href = link_element.get("href")
                    break
            date = parse_datetime(entry.findtext("{*}published") or entry.findtext("{*}updated"))
            if href and (url := _absolute(base_url, href)):
                out.append(Candidate(url, date))
        return out
    return None


def _absolute(base_url: str, link: str) -> str | None:
    """``link`` resolved against ``base_url``; None when empty or malformed (an invalid IPv6
    literal, "http://[x"): one bad entry is skipped, the rest of its feed still read."""
    if not link:
        return None
    try:
        return urljoin(base_url, link)
    except ValueError:
        return None


def is_pagination_link(rel: str | None, text: str | None) -> bool:
    """True for ``rel=next`` links and links whose text reads "next"/"次へ"/"下一頁"/"다음"…."""
    if rel and "next" in rel.lower().split():
        return True
    t = (text or "").strip().lower()
    return bool(t) and len(t) <= 20 and any(w in t for w in _PAGINATION_WORDS)
