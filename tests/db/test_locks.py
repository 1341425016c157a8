"""Advisory locks (crawler.db.locks): held across connections, waited for, bounded."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.db.locks import domain_locks, source_load_lock
from crawler.errors import CrawlError
from crawler.pipeline import crawl_step, new_run_id
from tests.helpers import local_source, query_rows
from tools.generated_site import GeneratedSite


def test_a_second_crawl_of_a_domain_waits_for_the_first(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crawler.db.locks._POLL_SECONDS", 0.1)
    domains = ("example.org", "cdn.example.org")
    with domain_locks(db, domains, owner="first crawl"):
        # Shares one domain with the first: refused (no wait allowed) while the first runs.
        with (
            pytest.raises(CrawlError, match=r"'example\.org' still being crawled"),
            domain_locks(db, ["example.org", "other.net"], owner="second", wait=timedelta(0)),
        ):
            pass
        # Disjoint domains: no wait.
        with domain_locks(db, ["other.net"], owner="third", wait=timedelta(0)):
            pass
        acquired = threading.Event()

        def waiter() -> None:
            with domain_locks(db, ["example.org"], owner="waiter", wait=timedelta(seconds=30)):
                acquired.set()

        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.5)
        assert not acquired.is_set(), "a second crawl of example.org started during the first"
    thread.join(timeout=20)
    assert acquired.is_set(), "the waiting crawl did not get the lock once the first ended"


def test_load_locks_are_per_source_and_apart_from_crawl_locks(db: str) -> None:
    with source_load_lock(db, "nhk", owner="first load"):
        with (
            pytest.raises(CrawlError, match=r"source 'nhk' still being loaded"),
            source_load_lock(db, "nhk", owner="second", wait=timedelta(0)),
        ):
            pass
        with source_load_lock(db, "asahi", owner="other source", wait=timedelta(0)):
            pass
        # A domain named like the source: another kind of lock, another key space.
        with domain_locks(db, ["nhk"], owner="crawl", wait=timedelta(0)):
            pass


def test_a_stopped_run_gives_up_its_wait_and_never_begins_its_crawl(
    db: str, tmp_path: Path
) -> None:
    # Ctrl-C in `newsflow run` sets `stop`: a source waiting for its domain's crawl lock must
    # not crawl once the lock comes free (a 30-minute wait at most, else).
    with GeneratedSite(3) as site:
        source, path = local_source(tmp_path, "stopped", sitemaps=[f"{site.base_url}/sitemap.xml"])
        stop = threading.Event()
        with domain_locks(db, source.allowed_domains, owner="another run"):
            threading.Timer(0.5, stop.set).start()
            started = time.monotonic()
            with pytest.raises(CrawlError, match=r"stopped while waiting: domain '127\.0\.0\.1'"):
                crawl_step(
                    source, sources_path=path, database_url=db, run_id=new_run_id(), stop=stop
                )
            assert time.monotonic() - started < 10  # not the lock's poll after poll
        # the lock is free now, the stop still set: nothing begins
        with pytest.raises(CrawlError, match="stopped before the crawl began"):
            crawl_step(source, sources_path=path, database_url=db, run_id=new_run_id(), stop=stop)
        assert site.paths() == []
    assert query_rows(db, "SELECT DISTINCT status FROM crawl_runs") == [("failed",)]
