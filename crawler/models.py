"""Domain records passed between stages: fetched pages, extracted articles, rejections, counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Article:
    """A clean article extracted from one page."""

    url: str  # canonical URL (the page's rel=canonical when on an allowed domain, else the fetched URL)
    title: str
    body: str  # paragraphs separated by "\n"
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None  # timezone-aware
    modified_at: datetime | None = None  # timezone-aware
    language: str | None = None  # ISO 639-1
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    description: str | None = None
    site_name: str | None = None
    # "article", or "paywall_teaser" for the free part of a paywalled article (crawler.labels);
    # not hashed while it is "article" (crawler.load.articles.content_hash)
    label: str = "article"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a page was not stored as an article (``reason`` is a short slug, counted in crawl_runs)."""

    # e.g. "not_html", "empty", "too_short", "listing_page", "error_page", "undecodable",
    # "consent_wall", "js_shell", "bot_block"; the page's label (crawler.labels.label_of)
    reason: str
    detail: str = ""


@dataclass(slots=True)
class RunCounts:
    """What one source's run did; one row of ``crawl_runs``."""

    source: str
    run_id: str
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    rejected: int = 0
    errors: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    errors_by_class: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)  # fetched pages per page label
