"""Advisory locks (crawler.db.locks): held across connections, waited for, bounded."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from crawler.db.locks import domain_locks, source_load_lock
from crawler.errors import CrawlError


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
