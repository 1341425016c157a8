"""A page whose write fails costs only itself: the store pipeline against real write failures.

The failures are real ones of the real database (:func:`tests.helpers.refused_writes`). The rest of the crawl must be stored, the page
recorded in ``fetch_errors`` (or, when even that fails, the feed and sitemap validators left
unsaved so the next run asks again), and the run must report the error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from crawler.fetch.items import FetchErrorItem, PageItem
from crawler.pipeline import crawl_step, load_step, new_run_id
from crawler.sources import Source, load_sources
from tests.helpers import query_rows, refused_writes
from tools.generated_site import GeneratedSite, article_text

POISONED = "/news/7.html"


def _source(tmp_path: Path, site: GeneratedSite) -> tuple[Source, Path]:
    entry = {
        "name": "store-faults",
        "language": "en",
        "allowed_domains": ["127.0.0.1"],
        "download_delay": 0,
        "allow_private_networks": True,
        "sitemaps": [f"{site.base_url}/sitemap.xml"],
        "article_url_pattern": r"/news/\d+\.html$",
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    (source,) = load_sources(path)
    return source, path


def _run(source: Source, path: Path, db: str, log_file: Path | None = None) -> tuple[Any, Any]:
    run_id = new_run_id()
    crawled = crawl_step(
        source, sources_path=path, database_url=db, run_id=run_id, log_file=log_file
    )
    return crawled, load_step(source, database_url=db, run_id=run_id)


def _articles(db: str, site: GeneratedSite) -> set[str]:
    return {u.removeprefix(site.base_url) for (u,) in query_rows(db, "SELECT url FROM articles")}


def test_a_page_that_cannot_be_stored_is_recorded_and_the_rest_stored(
    db: str, tmp_path: Path
) -> None:
    with GeneratedSite(40) as site:
        source, path = _source(tmp_path, site)
        log = tmp_path / "crawl.log"
        with refused_writes(db, "%" + POISONED, "raw_pages"):
            crawled, loaded = _run(source, path, db, log)
        everything = {f"/news/{i}.html" for i in range(40)}
        stored = _articles(db, site)
        assert stored == everything - {POISONED}, f"{len(stored)} of 39 good pages stored"
        ((url, error_class, message),) = query_rows(
            db, "SELECT url, error_class, message FROM fetch_errors"
        )
        assert (url, error_class) == (site.base_url + POISONED, "store_error"), message
        assert "refused by the test" in message and len(message) <= 500, message
        assert crawled.errors_by_class == {"store_error": 1}, crawled.stats
        assert query_rows(db, "SELECT status, errors FROM crawl_runs") == [("succeeded", 1)]
        # every page was stored or recorded: the sitemap's validators are kept …
        assert query_rows(db, "SELECT count(*) FROM discovery_state") == [(1,)]
        # … and no page body, nor the item holding it, reached the crawl's log
        text = log.read_text(encoding="utf-8")
        assert article_text(7)[1][0][:60] not in text, "a page body reached the log"

        site.requests.clear()
        crawled, loaded = _run(source, path, db)  # the refused page is retried, the rest known
    assert _articles(db, site) == everything
    assert [p for p in site.paths() if p.startswith("/news/")] == [POISONED]
    assert crawled.errors == 0 and loaded.articles_new == 1
    assert query_rows(db, "SELECT count(*) FROM fetch_errors") == [(0,)]


def test_validators_wait_until_every_page_is_stored_or_recorded(db: str, tmp_path: Path) -> None:
    with GeneratedSite(40) as site:
        source, path = _source(tmp_path, site)
        with refused_writes(
            db, "%" + POISONED, "raw_pages", "fetch_errors"
        ):  # the page cannot even be recorded
            crawled, _ = _run(source, path, db)
        stored = _articles(db, site)
        assert stored == {f"/news/{i}.html" for i in range(40)} - {POISONED}, len(stored)
        assert crawled.errors_by_class == {"store_error": 1}, crawled.stats
        assert query_rows(db, "SELECT count(*) FROM fetch_errors") == [(0,)]
        # saved validators would make the next run's sitemap request a 304: the page lost for good
        assert query_rows(db, "SELECT count(*) FROM discovery_state") == [(0,)]

        site.requests.clear()
        _run(source, path, db)
    assert _articles(db, site) == {f"/news/{i}.html" for i in range(40)}
    assert [p for p in site.paths() if p.startswith("/news/")] == [POISONED]


def test_items_never_show_their_body() -> None:
    """Scrapy logs items (``Scraped from``, ``Dropped``, ``Error processing``): short, no body."""
    body = b"<p>" + b"secret body text " * 100_000 + b"</p>"
    url = "https://example.com/" + "a" * 5000
    page = PageItem(url, url, 200, "text/html", None, body, datetime.now(UTC), "feed")
    error = FetchErrorItem(url, "timeout", "x" * 5000)
    for item in (page, error):
        text = repr(item)
        assert "secret body" not in text and len(text) < 1000, text[:300]
        assert str(item) == text


def test_the_crawl_childs_log_lines_are_capped(tmp_path: Path) -> None:
    """Whatever the child logs (a library quoting what it was handed), a line stays short."""
    import io

    from crawler.fetch.process import _drain_log

    page = "<p>" + "secret body text " * 100_000 + "</p>"
    log = tmp_path / "child.log"
    tail: list[str] = []
    with log.open("w", encoding="utf-8") as handle:
        _drain_log(io.StringIO(f"ERROR: could not handle {page}\nnext line\n"), handle, tail)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[1] == "next line"
    assert len(lines[0]) < 2100 and lines[0].endswith("more characters not logged]"), lines[0][-80:]
    assert all(len(line) < 2100 for line in tail)
