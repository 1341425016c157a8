"""The generic spider against the demo site on 127.0.0.1, through the real crawl child process,
and on in-memory listing pages.

What was fetched is read from the server's own request log; the site's MANIFEST.json says which
discovery file lists which article.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import escape

import psycopg2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.demo.server import site_dir
from crawler.demo.sources import write_demo_sources
from crawler.errors import CrawlError
from crawler.pipeline import crawl_step, new_run_id
from crawler.sources import load_sources

MANIFEST = json.loads((site_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
DISCOVERY_FILES = {
    "feeds": {"/feed.xml", "/atom.xml"},
    "sitemaps": {"/sitemap_index.xml", "/sitemap-news.xml", "/sitemap-2026-11.xml.gz"},
    "start_urls": {"/index.html", "/section/world/index.html", "/section/world/page2.html"},
}


def _expected_fetches(mode: str) -> set[str]:
    return {
        c["path"]
        for c in MANIFEST["candidates"]
        if set(c["listed_in"]) & DISCOVERY_FILES[mode] and c["outcome"] != "never_fetched"
    }


def _article_requests(site: Any) -> list[str]:
    return [r.path for r in site.requests if r.path.startswith(("/news/", "/private/"))]


def _crawl(site: Any, db: str, tmp_path: Path, discovery: tuple[str, ...]) -> Any:
    sources_path = write_demo_sources(site.base_url, tmp_path / "sources.yaml", discovery)
    (source,) = load_sources(sources_path)
    return crawl_step(source, sources_path=sources_path, database_url=db, run_id=new_run_id())


@pytest.mark.parametrize("mode", ["feeds", "sitemaps", "start_urls"])
def test_discovery_finds_exactly_the_listed_articles(
    mode: str, demo_site: Any, db: str, tmp_path: Path
) -> None:
    demo_site.clear_requests()
    result = _crawl(demo_site, db, tmp_path, (mode,))
    fetched = _article_requests(demo_site)
    expected = _expected_fetches(mode)
    assert expected, f"manifest lists no article for {mode}"
    assert set(fetched) == expected, (
        f"{mode}: fetched {sorted(fetched)}, manifest expects {sorted(expected)}"
    )
    assert len(fetched) == len(set(fetched)), f"{mode}: an article was requested twice: {fetched}"
    assert all(r.headers.get("User-Agent", "").startswith("newsflow/") for r in demo_site.requests)
    not_found = {c["path"] for c in MANIFEST["candidates"] if c["outcome"] == "not_found"}
    assert result.errors_by_class.get("http_404", 0) == len(expected & not_found)


def test_robots_disallowed_urls_are_never_requested(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    demo_site.clear_requests()
    _crawl(demo_site, db, tmp_path, ("feeds", "sitemaps", "start_urls"))
    paths = [r.path for r in demo_site.requests]
    assert paths[0] == "/robots.txt", "robots.txt must be read before anything else"
    forbidden = [p for p in paths if any(p.startswith(d) for d in MANIFEST["disallowed_prefixes"])]
    assert forbidden == [], f"robots.txt forbids these, yet they were requested: {forbidden}"
    never = {c["path"] for c in MANIFEST["candidates"] if c["outcome"] == "never_fetched"}
    assert never and not never & set(paths)


def test_pages_are_stored_compressed_and_not_fetched_again(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    demo_site.clear_requests()
    first = _crawl(demo_site, db, tmp_path, ("feeds", "sitemaps", "start_urls"))
    first_articles = _article_requests(demo_site)
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT url, html_compressed, state FROM raw_pages")
        rows = cur.fetchall()
    ok = {c["path"] for c in MANIFEST["candidates"] if c["outcome"] in ("stored", "rejected")}
    assert {r[0].split(demo_site.base_url, 1)[1] for r in rows} == ok
    assert all(bytes(r[1])[:4] == b"\x28\xb5\x2f\xfd" and r[2] == "pending" for r in rows)  # zstd
    assert first.pages_fetched == len(ok)

    demo_site.clear_requests()
    second = _crawl(demo_site, db, tmp_path, ("feeds", "sitemaps", "start_urls"))
    refetched = [p for p in _article_requests(demo_site) if p in ok]
    assert refetched == [], f"already stored pages fetched again: {refetched}"
    # feeds and the sitemap index answer 304 to the conditional requests: nothing more is parsed
    # from them; the listing pages still name stored articles, which are skipped
    assert second.stats["newsflow/discovery_not_modified"] == 3, second.stats
    assert 0 < second.known_skipped <= len(ok)
    assert set(first_articles) >= set(_article_requests(demo_site))  # only the 404 is retried


def test_tracking_parameters_are_stripped_before_fetching(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    demo_site.clear_requests()
    _crawl(demo_site, db, tmp_path, ("feeds",))
    assert not [r.path for r in demo_site.requests if "utm_" in r.path]
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw_pages WHERE url LIKE '%%utm_%%'")
        assert cur.fetchone() == (0,)


def test_source_that_fails_entirely_raises_and_is_recorded(db: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    sources_path = write_demo_sources(dead, tmp_path / "sources.yaml")
    (source,) = load_sources(sources_path)
    with pytest.raises(CrawlError, match="no feed, sitemap or listing answered"):
        crawl_step(source, sources_path=sources_path, database_url=db, run_id="dead-run")
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, errors, message FROM crawl_runs WHERE run_id = 'dead-run'")
        status, errors, message = cur.fetchone()
    assert status == "failed" and errors > 0 and "demo-daily" in message


def test_revisit_window_refetches_recent_articles_only(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    from crawler.pipeline import load_step

    def crawl_and_load(revisit_hours: float) -> None:
        path = write_demo_sources(
            demo_site.base_url, tmp_path / "s.yaml", ("feeds",), revisit_hours=revisit_hours
        )
        (source,) = load_sources(path)
        run_id = new_run_id()
        crawl_step(source, sources_path=path, database_url=db, run_id=run_id)
        load_step(source, database_url=db, run_id=run_id)

    crawl_and_load(1)
    feed_articles = _expected_fetches("feeds")
    # every demo article is days old: a 1-hour window revisits nothing …
    demo_site.clear_requests()
    crawl_and_load(1)
    assert _article_requests(demo_site) == []
    # … a window of ten years revisits every stored article (and only those)
    demo_site.clear_requests()
    crawl_and_load(24 * 3650)
    stored = {c["path"] for c in MANIFEST["candidates"] if c["outcome"] == "stored"}
    assert set(_article_requests(demo_site)) == feed_articles & stored


def test_max_articles_caps_fetches(demo_site: Any, db: str, tmp_path: Path) -> None:
    demo_site.clear_requests()
    path = write_demo_sources(demo_site.base_url, tmp_path / "s.yaml", max_articles=3)
    (source,) = load_sources(path)
    result = crawl_step(source, sources_path=path, database_url=db, run_id=new_run_id())
    assert len(_article_requests(demo_site)) == 3
    assert result.stats["newsflow/over_max_articles"] > 0


def test_failed_urls_are_retried_directly_up_to_max_attempts(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    from crawler.fetch.store import MAX_FETCH_ATTEMPTS

    missing = {c["path"] for c in MANIFEST["candidates"] if c["outcome"] == "not_found"}
    assert missing, "the demo site lists a page that answers 404"
    attempts_seen = []
    for _ in range(MAX_FETCH_ATTEMPTS + 1):
        demo_site.clear_requests()
        _crawl(demo_site, db, tmp_path, ("sitemaps",))
        attempts_seen.append(sorted(p for p in _article_requests(demo_site) if p in missing))
    # the sitemap answers 304 after the first run, so only the retry list can name the 404 again
    assert [r.status for r in demo_site.requests if r.path.startswith("/sitemap")] == [304]
    assert attempts_seen == [sorted(missing)] * MAX_FETCH_ATTEMPTS + [[]]
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT attempts FROM fetch_errors ORDER BY url")
        assert cur.fetchall() == [(MAX_FETCH_ATTEMPTS,)] * len(missing)


_EXTENSIONS_PROBE = """
import sys
from crawler.fetch.process import source_settings
from crawler.sources import Source
from scrapy.utils.test import get_crawler

source = Source(name="probe", language="en", allowed_domains=("ex.com",))
settings = source_settings(source, database_url="postgresql:///x", run_id="r", contact_url="u")
crawler = get_crawler(settings_dict=settings)
crawler._apply_settings()  # builds the extension manager, as a crawl does
print(sorted(type(e).__name__ for e in crawler.extensions.middlewares))
print(sorted(m for m in ("aiohttp", "scrapy.extensions.remote_control") if m in sys.modules))
"""


def test_crawl_child_does_not_import_the_remote_control_extension() -> None:
    """Scrapy imports every extension of EXTENSIONS_BASE, even one switched off; RemoteControl's
    module imports aiohttp (~0.2 s at every crawl's start), so it is taken out of the list."""
    probe = subprocess.run(
        [sys.executable, "-c", _EXTENSIONS_PROBE], capture_output=True, text=True, check=True
    )
    enabled, imported = probe.stdout.strip().splitlines()[-2:]
    assert "ContentTypeGuard" in enabled and "AutoThrottle" in enabled  # the real list
    assert imported == "[]", imported


def test_crawl_child_opens_no_console_or_remote_control_port(
    demo_site: Any, db: str, tmp_path: Path
) -> None:
    """Scrapy's telnet console and (2.19+) code-running remote-control HTTP server stay off, and
    so do the depth and Referer spider middlewares we have no use for."""
    sources_path = write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml", ("feeds",))
    (source,) = load_sources(sources_path)
    log = tmp_path / "crawl.log"
    crawl_step(source, sources_path=sources_path, database_url=db, run_id="r", log_file=log)
    text = log.read_text(encoding="utf-8")
    assert "Enabled extensions" in text  # the log is Scrapy's own
    assert "RemoteControl" not in text and "TelnetConsole" not in text
    assert "listening on port" not in text.lower()
    # nor the spider middlewares we switched off for speed (and their Referer headers)
    middlewares = text.split("Enabled spider middlewares:", 1)[1].split("]", 1)[0]
    assert "HttpErrorMiddleware" in middlewares  # the list is the right one
    assert "DepthMiddleware" not in middlewares and "RefererMiddleware" not in middlewares
    assert not [r for r in demo_site.requests if r.headers.get("Referer")]


# Listing pages in memory (Scrapy's way): a property of parse_listing over generated link lists.
_HREFS = st.one_of(
    st.from_regex(r"/a/[0-9]{1,3}(\?utm_source=x|#c)?", fullmatch=True),  # articles, variants
    st.from_regex(r"https://(www\.)?ex\.com/a/[0-9]{1,3}", fullmatch=True),
    st.sampled_from(
        ["/about", "javascript:void(0)", "mailto:x@ex.com", "#top", "ftp://ex.com/a/1"]
    ),
    st.sampled_from(["http://[x", "https://[::1/a/1", "//[bad]x/a/2"]),  # malformed
)


_CAPS = ("NEWSFLOW_MAX_ARTICLES", "NEWSFLOW_MAX_DISCOVERED")


def _listing_spider() -> Any:
    from scrapy.utils.test import get_crawler

    from crawler.fetch import settings as defaults
    from crawler.fetch.spiders.news import NewsSpider
    from crawler.sources import Source

    source = Source(
        name="listing",
        language="en",
        allowed_domains=("ex.com",),
        start_urls=("https://ex.com/",),
        article_url_pattern=r"/a/\d+$",
    )
    crawler = get_crawler(NewsSpider, {k: getattr(defaults, k) for k in _CAPS})
    spider = NewsSpider.from_crawler(crawler, source=source)
    crawler.spider = spider
    return spider


@settings(max_examples=100, deadline=None)  # a crawler per example: ~10 ms, the first ~0.5 s
@given(st.lists(_HREFS, max_size=12))
@example(["/a/1", "http://[x", "/a/2"])  # the page's every link was lost: ValueError
def test_a_listing_requests_each_of_its_articles_once(hrefs: list[str]) -> None:
    """Every article a listing page links to is requested, once, under its canonical URL,
    whatever else the page links to."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.fetch.urls import normalize_url

    spider = _listing_spider()
    links = "".join(f'<a href="{escape(h)}">link</a>' for h in hrefs)
    request = Request("https://ex.com/", meta={"via": "listing", "hops": 0})
    page = HtmlResponse(
        request.url, body=f"<html><body>{links}</body></html>".encode(), request=request
    )
    requested = [
        r.url
        for r in spider.parse_listing(page)
        if isinstance(r, Request) and r.meta.get("article")
    ]
    expected = set()
    for href in hrefs:
        try:
            url = normalize_url(urljoin("https://ex.com/", href))
        except ValueError:
            continue
        if spider.source.is_article_url(url) and url.startswith("https://"):
            expected.add(url)
    assert sorted(requested) == sorted(expected)


def test_a_malformed_sitemap_index_entry_does_not_lose_the_others() -> None:
    from scrapy import Request
    from scrapy.http import XmlResponse

    spider = _listing_spider()
    locs = ["http://[x", "https://ex.com/sitemap-2.xml", "//[bad]x/s.xml", "/sitemap-3.xml"]
    body = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
        + "</sitemapindex>"
    ).encode()
    request = Request("https://ex.com/sitemap.xml", meta={"via": "sitemap", "depth_sm": 0})
    index = XmlResponse(request.url, body=body, request=request)
    followed = [r.url for r in spider.parse_sitemap(index) if isinstance(r, Request)]
    assert followed == ["https://ex.com/sitemap-2.xml", "https://ex.com/sitemap-3.xml"]
