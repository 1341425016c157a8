"""One source's run (crawler.pipeline): the steps take their own locks, whoever calls them."""

from __future__ import annotations

import os
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

from crawler.db import query, transaction
from crawler.db.locks import source_load_lock
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.models import RunCounts
from crawler.pipeline import load_step
from crawler.sources import Source, load_sources
from tests.extract.layouts import LANGUAGES, LAYOUTS, TEXTS, page
from tests.faultserver import FaultServer
from tests.helpers import local_sources_file, query_rows
from tests.test_cli import NEWSFLOW
from tools.generated_site import GeneratedSite


def _start_run(db: str, source: str, run_id: str) -> None:
    with transaction(db) as conn, conn.cursor() as cur:
        cur.execute(
            query("start_crawl_run"),
            {
                "source": source,
                "run_id": run_id,
                "started_at": datetime.now(UTC),
                "dag_id": None,
                "map_index": None,
            },
        )


def test_two_loads_of_one_source_never_extract_a_page_twice(db: str) -> None:
    """Two loads of one source started together (two runs, or a run and a reextract): the second
    waits for the first and finds nothing left, so each page is extracted once in all."""
    with GeneratedSite(articles=60) as site:
        pages = [(site.article_url(i), site.article(i)) for i in range(60)]
    source = Source(name="twice", language="en", allowed_domains=("127.0.0.1",))
    with transaction(db) as conn:
        sync_sources(conn, [source])
        store_pages(
            conn,
            source.name,
            "crawl",
            [
                PageItem(
                    url=url,
                    response_url=url,
                    status=200,
                    content_type="text/html; charset=utf-8",
                    encoding="utf-8",
                    body=html or b"",
                    fetched_at=datetime.now(UTC),
                    discovered_via="sitemap",
                )
                for url, html in pages
            ],
        )
    runs = ["load-a", "load-b"]
    for run_id in runs:
        _start_run(db, source.name, run_id)
    results: dict[str, RunCounts] = {}
    start = threading.Barrier(len(runs))

    def load(run_id: str) -> None:
        start.wait()
        results[run_id] = load_step(source, database_url=db, run_id=run_id)

    threads = [threading.Thread(target=load, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    extracted = [
        results[r].articles_new + results[r].articles_updated + results[r].articles_unchanged
        for r in runs
    ]
    assert sorted(extracted) == [0, 60], f"pages extracted by each load: {extracted}"
    assert query_rows(db, "SELECT count(*) FROM articles WHERE source = 'twice'") == [(60,)]
    assert query_rows(db, "SELECT count(*) FROM article_revisions") == [(0,)]


def test_a_cli_run_waiting_for_a_load_lock_says_so_and_then_loads(db: str, tmp_path: Path) -> None:
    """Another run loads the source (its load lock is held here): the CLI's progress line says
    what it waits for and who holds it; once the lock is free the run stores every article."""
    with GeneratedSite(articles=8) as site:
        path = local_sources_file(
            tmp_path / "sources.yaml",
            {"name": "waits", "sitemaps": [f"{site.base_url}/sitemap.xml"]},
        )
        (source,) = load_sources(path)
        with source_load_lock(db, source.name, owner="newsflow load waits other-run"):
            proc = subprocess.Popen(
                [NEWSFLOW, "run", "--sources", str(path)],
                env={**os.environ, "DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path / "home")},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stderr is not None
            seen: list[str] = []
            for line in proc.stderr:  # plain progress lines: stderr is not a terminal
                seen.append(line)
                if "waiting:" in line:
                    break
            else:
                raise AssertionError("the run ended without saying it waited:\n" + "".join(seen))
        assert (
            "[waits] waiting: source 'waits' still being loaded by newsflow load waits other-run"
            in line
        )
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, "".join(seen) + err
    assert query_rows(db, "SELECT count(*) FROM articles WHERE source = 'waits'") == [(8,)], out


def test_a_site_of_briefs_beside_headline_lists_stores_every_brief(db: str, tmp_path: Path) -> None:
    """A site whose articles are two-sentence briefs beside 50-headline lists, in every layout of
    the matrix and four languages: the full pipeline (crawl from the site's listing, load,
    checks) stores every brief, without a headline, and the run succeeds."""
    # every layout, every language; no two briefs alike (the duplicate check would rightly fail)
    variants = 1 + len(TEXTS["en"].paragraphs)
    briefs = [
        page(
            LANGUAGES[n % len(LANGUAGES)],
            list(LAYOUTS)[n % len(LAYOUTS)],
            short=True,
            number=n,
            variant=n // len(LANGUAGES),
        )
        for n in range(len(LANGUAGES) * variants)
    ]
    with FaultServer() as site:
        for n, brief in enumerate(briefs):
            site.pages[f"/briefs/{n}.html"] = brief.html
        links = "".join(
            f"<li><a href='/briefs/{n}.html'>{b.title}</a></li>" for n, b in enumerate(briefs)
        )
        site.pages["/briefs/"] = f"<html><body><ul>{links}</ul></body></html>".encode()
        path = local_sources_file(
            tmp_path / "sources.yaml",
            {
                "name": "briefs",
                "start_urls": [f"{site.base_url}/briefs/"],
                "article_url_pattern": r"/briefs/\d+\.html$",
            },
        )
        proc = subprocess.run(
            [NEWSFLOW, "run", "--sources", str(path)],
            env={**os.environ, "DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path / "home")},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stored = dict(query_rows(db, "SELECT url, body FROM articles WHERE source = 'briefs'"))
    missing = [
        b.title for n, b in enumerate(briefs) if f"{site.base_url}/briefs/{n}.html" not in stored
    ]
    assert not missing, f"{len(missing)} of {len(briefs)} briefs not stored, e.g. {missing[:3]}"
    for n, brief in enumerate(briefs):
        body = stored[f"{site.base_url}/briefs/{n}.html"]
        leaked = [h for h in brief.must_not if h in body]
        assert not leaked, f"{brief.layout}/{brief.language}: leaked {leaked[:2]}"
    assert query_rows(db, "SELECT status FROM crawl_runs WHERE source = 'briefs'") == [
        ("succeeded",)
    ], proc.stdout
