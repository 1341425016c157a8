"""Scrapy items: what the spider hands to the pipelines.

Scrapy logs items whole ("Scraped from", "Dropped", "Error processing"): their ``repr`` is short
and never shows a page's body, whatever the page.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

_REPR_CHARS = 120  # of each text value in an item's repr

# Discovery channels, as url_discoveries.channel records them: RSS and Atom feeds, news sitemaps
# (entries with <news:news>), other sitemaps, listing pages.
CHANNELS = ("feed", "news_sitemap", "sitemap", "listing")


def _short_repr(item: Any) -> str:
    parts = []
    for f in fields(item):
        value = getattr(item, f.name)
        if isinstance(value, bytes):
            parts.append(f"{f.name}=<{len(value)} bytes>")
        elif isinstance(value, str) and len(value) > _REPR_CHARS:
            parts.append(f"{f.name}={value[:_REPR_CHARS]!r}…<{len(value)} chars>")
        else:
            parts.append(f"{f.name}={value!r}")
    return f"{type(item).__name__}({', '.join(parts)})"


@dataclass(slots=True, repr=False)
class PageItem:
    """One fetched article-like page (or one skipped for its content type: ``skip_reason``)."""

    url: str  # normalised URL the page was requested under
    response_url: str  # URL after redirects
    status: int
    content_type: str | None
    encoding: str | None  # charset from the Content-Type header, if any
    body: bytes
    fetched_at: datetime
    discovered_via: str  # a discovery CHANNEL, or "revisit" | "retry"
    skip_reason: str | None = None  # e.g. "not_html": stored as rejected without extraction

    __repr__ = _short_repr


@dataclass(slots=True, repr=False)
class FetchErrorItem:
    """A URL that could not be fetched."""

    url: str
    error_class: str  # "http_404", "timeout", "dns", "connection", ...
    message: str
    http_status: int | None = None
    attempts: int = 1  # requests made for it in this run (retries included)
    label: str | None = None  # an HTTP error answer's page label (crawler.labels.http_error_label)

    __repr__ = _short_repr


@dataclass(slots=True, repr=False)
class DiscoveryStateItem:
    """Validators of a feed or sitemap response, for the next run's conditional request."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int

    __repr__ = _short_repr


@dataclass(slots=True, repr=False)
class DiscoveredUrlsItem:
    """Article URLs that one discovery response listed, each with its channel (provenance)."""

    found: tuple[tuple[str, str], ...]  # (normalised URL, channel), each pair once per run
    discovered_at: datetime

    __repr__ = _short_repr
