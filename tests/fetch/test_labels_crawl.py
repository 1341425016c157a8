"""Page labels on a real crawl: the label fixtures (tests/fixtures/labels) served by a 127.0.0.1
site, with bot challenges answered 403 and 503 (Cloudflare's body and header), a 404 page (with
a header that is not UTF-8) and a PDF. The crawl and load steps label every fetched page: the counts land in ``crawl_runs.labels``
and ``news.page_labels``, each stored page has its label in ``raw_pages`` (HTTP errors theirs in
``fetch_errors``), the teaser is stored as an article with its label, and walls, blocks and shells
are not stored.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from crawler.pipeline import crawl_step, load_step, new_run_id
from tests.faultserver import FaultServer
from tests.helpers import local_source, query_rows

FIXTURES = Path(__file__).parents[1] / "fixtures" / "labels"
CHALLENGE = (FIXTURES / "bot_block_cloudflare.html").read_bytes()
NOT_FOUND = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
# HTTP answers: path name -> (status, headers, body)
ANSWERS = {
    "challenged": (403, {"cf-mitigated": "challenge", "Server": "cloudflare"}, CHALLENGE),
    "overloaded": (503, {"Server": "cloudflare"}, CHALLENGE),
    # a header that is not UTF-8 (sent as Latin-1: "Café" is b"Caf\xe9"), as old servers send
    "removed": (404, {"X-Served-By": "Café"}, NOT_FOUND),
}


def _label(name: str) -> str:
    label: str = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["label"]
    return label


def test_every_fetched_page_is_labelled_and_counted(db: str, tmp_path: Path) -> None:
    fixtures = sorted(p.stem for p in FIXTURES.glob("*.html"))
    with FaultServer() as site:
        base = site.base_url
        site.pages = {
            f"/a/{name}.html": (FIXTURES / f"{name}.html").read_bytes() for name in fixtures
        }
        for name, (status, headers, body) in ANSWERS.items():
            site.pages[f"/a/{name}.html"] = body
            site.answers[f"/a/{name}.html"] = (status, headers)
        site.articles = (*fixtures, *ANSWERS, "report")  # report: a PDF
        source, sources_path = local_source(
            tmp_path, "labelled", feeds=[f"{base}/feed.xml"], article_url_pattern="/a/"
        )
        run_id = new_run_id()
        crawl_step(source, sources_path=sources_path, database_url=db, run_id=run_id)
        load_step(source, database_url=db, run_id=run_id)

    expected_pages = {f"/a/{name}.html": _label(name) for name in fixtures}
    expected_pages["/a/report.html"] = "not_html"
    expected_errors = {
        "/a/challenged.html": "bot_block",
        "/a/overloaded.html": "bot_block",
        "/a/removed.html": "error_page",
    }
    pages = {
        url.removeprefix(base): label
        for url, label in query_rows(db, "SELECT url, label FROM raw_pages")
    }
    assert pages == expected_pages, "raw_pages.label of every stored page"
    errors = {
        url.removeprefix(base): label
        for url, label in query_rows(db, "SELECT url, label FROM fetch_errors")
    }
    assert errors == expected_errors, "fetch_errors.label of every HTTP error answer"

    ((counts,),) = query_rows(db, "SELECT labels FROM crawl_runs WHERE run_id = %s", (run_id,))
    expected = Counter(expected_pages.values()) + Counter(expected_errors.values())
    assert counts == dict(expected), "crawl_runs.labels counts every fetched page once"
    view = dict(query_rows(db, "SELECT label, pages FROM news.page_labels"))
    assert view == counts, "news.page_labels shows the run's counts"

    stored = {
        url.removeprefix(base): label
        for url, label in query_rows(db, "SELECT url, label FROM news.articles")
    }
    assert stored == {
        path: label
        for path, label in expected_pages.items()
        if label in ("article", "paywall_teaser")
    }, "articles and the teaser are stored, with their label; walls, blocks and shells are not"
    assert "paywall_teaser" in stored.values()


def test_a_refetched_unchanged_page_keeps_and_counts_its_label(db: str, tmp_path: Path) -> None:
    with FaultServer() as site:
        base = site.base_url
        names = ("consent_wall_onetrust", "paywall_teaser_metered")
        site.pages = {f"/a/{n}.html": (FIXTURES / f"{n}.html").read_bytes() for n in names}
        site.articles = names
        source, sources_path = local_source(
            tmp_path,
            "revisited",
            feeds=[f"{base}/feed.xml"],
            article_url_pattern="/a/",
            revisit_hours=24 * 3650,  # the teaser is dated 2026-11-20: always due
        )
        for _ in range(2):
            run_id = new_run_id()
            crawl_step(source, sources_path=sources_path, database_url=db, run_id=run_id)
            load_step(source, database_url=db, run_id=run_id)
    ((counts,),) = query_rows(db, "SELECT labels FROM crawl_runs WHERE run_id = %s", (run_id,))
    # the wall is rejected, so not revisited; the teaser is, and its bytes have not changed
    assert counts == {"paywall_teaser": 1}, counts
