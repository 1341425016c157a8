"""Scrapy items: what the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class PageItem:
    """One fetched article-like page (or one skipped for its content type: ``skip_reason``)."""

    url: str  # normalised URL the page was requested under
    response_url: str  # URL after redirects
    status: int
    content_type: str | None
    encoding: str | None  # charset from the Content-Type header, if any
    body: bytes
    fetched_at: datetime
    discovered_via: str  # "feed" | "sitemap" | "listing"
    skip_reason: str | None = None  # e.g. "not_html": stored as rejected without extraction


@dataclass(slots=True)
class FetchErrorItem:
    """A URL that could not be fetched."""

    url: str
    error_class: str  # "http_404", "timeout", "dns", "connection", ...
    message: str
    http_status: int | None = None
    attempts: int = 1  # requests made for it in this run (retries included)


@dataclass(slots=True)
class DiscoveryStateItem:
    """Validators of a feed or sitemap response, for the next run's conditional request."""

    url: str
    etag: str | None
    last_modified: str | None
    status: int
