"""Bounded crawls, against real servers on 127.0.0.1 and the real database.

A crawl stops at its source's caps (articles, discovery entries, time, memory), says so, and keeps
no feed or sitemap validators, so the next run sees the whole feed again and continues.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.pipeline import crawl_step, new_run_id
from crawler.sources import Source
from tests.helpers import local_source, query_rows
from tools.generated_site import GeneratedSite


def _sitemap_requests(site: GeneratedSite) -> list[dict[str, str]]:
    return [headers for _, path, headers in site.requests if path == "/sitemap.xml"]


def _message(db: str, run_id: str) -> str | None:
    ((message,),) = query_rows(db, "SELECT message FROM crawl_runs WHERE run_id = %s", (run_id,))
    return message  # type: ignore[no-any-return]


# caps ----------------------------------------------------------------------------------------


def test_max_articles_cuts_the_crawl_short_and_the_next_run_continues(
    db: str, tmp_path: Path
) -> None:
    with GeneratedSite(12) as site:
        source, path = local_source(
            tmp_path,
            "capped",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
            max_articles=5,
        )
        fetched: list[set[str]] = []
        results = []
        for _ in range(4):
            site.requests.clear()
            run_id = new_run_id()
            results.append(
                (run_id, crawl_step(source, sources_path=path, database_url=db, run_id=run_id))
            )
            fetched.append({p for p in site.paths() if p.startswith("/news/")})
            if len(results) < 3:
                # cut short: nothing validated, so the next run reads the whole sitemap again
                assert query_rows(db, "SELECT count(*) FROM discovery_state") == [(0,)]
        conditional = [("If-None-Match" in h) for h in _sitemap_requests(site)]
    assert [len(f) for f in fetched] == [5, 5, 2, 0], fetched
    assert set().union(*fetched) == {f"/news/{i}.html" for i in range(12)}
    assert conditional == [True], "the crawl that fetched everything saves its validators"
    for run_id, result in results[:2]:
        assert result.cut_short == "max_articles", result.stats.get("finish_reason")
        message = _message(db, run_id)
        assert message is not None and "max_articles" in message, message
    for run_id, result in results[2:]:
        assert result.cut_short is None and _message(db, run_id) is None


def test_max_discovered_stops_discovery(db: str, tmp_path: Path) -> None:
    with GeneratedSite(30) as site:
        source, path = local_source(
            tmp_path,
            "wide",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
            max_discovered=10,
        )
        run_id = new_run_id()
        result = crawl_step(source, sources_path=path, database_url=db, run_id=run_id)
        fetched = [p for p in site.paths() if p.startswith("/news/")]
    assert (result.discovered, len(fetched)) == (10, 10), result.stats
    assert result.cut_short == "max_discovered"
    assert "max_discovered" in (_message(db, run_id) or "")
    assert query_rows(db, "SELECT count(*) FROM discovery_state") == [(0,)]


@pytest.mark.parametrize(
    ("key", "value"), [("max_crawl_seconds", 1), ("max_memory_mb", 1)], ids=["time", "memory"]
)
def test_time_and_memory_caps_end_the_crawl(key: str, value: int, db: str, tmp_path: Path) -> None:
    with GeneratedSite(60, delay=0.1) as site:
        source, path = local_source(
            tmp_path,
            "slow",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
            concurrency=1,
            **{key: value},
        )
        run_id = new_run_id()
        log = tmp_path / "crawl.log"
        result = crawl_step(source, sources_path=path, database_url=db, run_id=run_id, log_file=log)
    assert result.pages_fetched < 60, result.stats
    assert result.cut_short == key, result.stats.get("finish_reason")
    assert key in (_message(db, run_id) or "")
    assert query_rows(db, "SELECT count(*) FROM discovery_state") == [(0,)]


def test_memory_cap_counts_the_crawl_not_the_process_that_started_it(
    db: str, tmp_path: Path
) -> None:
    """Linux carries ``ru_maxrss`` over ``exec``: measured that way, a crawl started by a big
    process (an Airflow worker, the CLI) would be over its cap before fetching anything."""
    import resource

    limit_mb = 300  # a crawl of a small site stays near 100 MiB
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    ballast = b"\x01" * (max(0, limit_mb + 100 - own_mb) * 2**20)  # written: resident
    with GeneratedSite(5) as site:
        source, path = local_source(
            tmp_path,
            "small",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
            max_memory_mb=limit_mb,
        )
        result = crawl_step(source, sources_path=path, database_url=db, run_id=new_run_id())
    del ballast
    assert result.cut_short is None, result.stats.get("finish_reason")
    assert result.pages_fetched == 5
    assert 0 < result.stats["memusage/max"] < limit_mb * 2**20, result.stats["memusage/max"]


def test_caps_have_defaults_and_per_source_overrides() -> None:
    from crawler.fetch.process import source_settings

    def settings(**entry: Any) -> dict[str, Any]:
        source = Source(
            name="s", language="en", allowed_domains=("ex.com",), feeds=("https://ex.com",), **entry
        )
        return source_settings(source, database_url="postgresql:///x", run_id="r", contact_url="u")

    keys = (
        "NEWSFLOW_MAX_ARTICLES",
        "NEWSFLOW_MAX_DISCOVERED",
        "CLOSESPIDER_TIMEOUT",
        "MEMUSAGE_LIMIT_MB",
    )
    defaults = settings()
    assert [defaults[k] for k in keys] == [2_000, 50_000, 7_200, 1_024]
    assert defaults["MEMUSAGE_ENABLED"] is True
    assert defaults["NEWSFLOW_ALLOW_PRIVATE_NETWORKS"] is False
    overridden = settings(
        max_articles=10,
        max_discovered=20,
        max_crawl_seconds=30.5,
        max_memory_mb=512,
        allow_private_networks=True,
    )
    assert [overridden[k] for k in keys] == [10, 20, 30.5, 512]
    assert overridden["NEWSFLOW_ALLOW_PRIVATE_NETWORKS"] is True
