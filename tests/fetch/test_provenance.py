"""Provenance on a real crawl of the demo site: which channels listed each article, which first.

MANIFEST.json lists, for every candidate URL, the discovery files naming it; each file is one
channel (RSS and Atom are both feeds; the news sitemap is told apart from the monthly one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import site_dir
from crawler.demo.sources import write_demo_sources
from crawler.fetch.items import CHANNELS
from crawler.pipeline import crawl_step, load_step, new_run_id
from crawler.sources import load_sources
from tests.helpers import query_rows

MANIFEST = json.loads((site_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
CHANNEL_OF_FILE = {
    "/feed.xml": "feed",
    "/atom.xml": "feed",
    "/sitemap-news.xml": "news_sitemap",
    "/sitemap-2026-11.xml.gz": "sitemap",
    "/index.html": "listing",
    "/section/world/index.html": "listing",
    "/section/world/page2.html": "listing",  # "next" page of the world section
}


def _expected_channels(candidate: dict[str, Any]) -> set[str]:
    return {CHANNEL_OF_FILE[f] for f in candidate["listed_in"] if f in CHANNEL_OF_FILE}


@pytest.fixture
def crawled(demo_site: Any, db: str, tmp_path: Path) -> str:
    """Every channel of the demo site crawled and loaded once; yields the database URL."""
    sources_path = write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml")
    (source,) = load_sources(sources_path)
    run_id = new_run_id()
    crawl_step(source, sources_path=sources_path, database_url=db, run_id=run_id)
    load_step(source, database_url=db, run_id=run_id)
    return db


def test_every_listed_article_url_is_recorded_with_its_channels(
    crawled: str, demo_site: Any
) -> None:
    recorded: dict[str, set[str]] = {}
    for url, channel in query_rows(crawled, "SELECT url, channel FROM url_discoveries"):
        recorded.setdefault(url.removeprefix(demo_site.base_url), set()).add(channel)
    expected = {
        c["path"]: _expected_channels(c) for c in MANIFEST["candidates"] if _expected_channels(c)
    }
    assert recorded == expected, "url_discoveries: URL -> channels as MANIFEST.json lists them"
    assert {ch for chs in recorded.values() for ch in chs} == set(CHANNELS), "every channel seen"


def test_each_stored_article_has_its_first_channel_and_time(crawled: str, demo_site: Any) -> None:
    rows = query_rows(
        crawled,
        "SELECT url, first_channel, first_discovered_at, channels FROM news.article_discovery",
    )
    stored = {
        c["path"]: c for c in MANIFEST["candidates"] if c["outcome"] == "stored"
    }  # articles are keyed by canonical URL, the candidate's path here
    by_path = {url.removeprefix(demo_site.base_url): row for url, *row in rows}
    assert set(by_path) == set(stored), "one provenance row per stored article"
    for path, (first, when, channels) in by_path.items():
        assert set(channels) == _expected_channels(stored[path]), path
        assert first in channels and when is not None, path


def test_coverage_counts_per_day_and_channel(crawled: str) -> None:
    rows = query_rows(
        crawled,
        "SELECT channel, sum(articles), sum(found_first), sum(found_only_here)"
        " FROM news.discovery_coverage GROUP BY channel",
    )
    provenance = query_rows(crawled, "SELECT first_channel, channels FROM news.article_discovery")
    for channel, articles, found_first, only_here in rows:
        assert articles == sum(channel in chs for _, chs in provenance), channel
        assert found_first == sum(first == channel for first, _ in provenance), channel
        assert only_here == sum(chs == [channel] for _, chs in provenance), channel
    assert sum(r[2] for r in rows) == len(provenance), "each article is found first once"
    (days,) = query_rows(crawled, "SELECT count(DISTINCT day) FROM news.discovery_coverage")[0]
    assert days == 1


def test_a_later_run_keeps_the_first_discovery(
    crawled: str, demo_site: Any, tmp_path: Path
) -> None:
    before = query_rows(crawled, "SELECT url, channel, run_id, discovered_at FROM url_discoveries")
    sources_path = write_demo_sources(demo_site.base_url, tmp_path / "again.yaml")
    (source,) = load_sources(sources_path)
    crawl_step(source, sources_path=sources_path, database_url=crawled, run_id=new_run_id())
    after = query_rows(crawled, "SELECT url, channel, run_id, discovered_at FROM url_discoveries")
    assert sorted(after) == sorted(before), "known URLs listed again keep their first discovery"
