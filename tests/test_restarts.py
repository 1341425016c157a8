"""A PostgreSQL restart during a crawl, or during a load, loses nothing after one more run.

Each test has its own embedded server (not the session's, which other tests share) and stops it
with ``pg_ctl -m fast`` (every connection is cut) while a slow 127.0.0.1 site is being crawled,
or while pages are being loaded, then starts it again a few seconds later. The run must end
with no ``crawl_runs`` row left ``running``; the next run must store every article.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.errors import NewsflowError
from crawler.fetch.pipelines import FLUSH_EVERY
from crawler.pipeline import crawl_and_load_step, crawl_step, load_step, new_run_id
from crawler.sources import Source, load_sources
from tests.helpers import query_rows
from tools.generated_site import GeneratedSite

DOWN_SECONDS = 3.0  # longer than the crawl's retry of a failed write


@dataclass
class OwnServer:
    """An embedded PostgreSQL of this module's own, that its tests stop and start, and the
    URL of one test's database on it."""

    server: Any
    url: str = ""

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def restart(
        self, *, down: float = DOWN_SECONDS, until: Callable[[], bool] | None = None
    ) -> None:
        """Stop the server (fast: every session is cut), wait ``down`` seconds and, if given,
        until ``until()`` holds, then start it again as pgserver started it (unix socket only)."""
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.server.pgdata)
        assert info is not None and info.socket_dir is not None
        self._pg_ctl("-w", "-m", "fast", "stop")
        time.sleep(down)
        deadline = time.monotonic() + 120
        while until is not None and not until() and time.monotonic() < deadline:
            time.sleep(0.05)
        options = f'-h "" -k {info.socket_dir}'
        self._pg_ctl("-w", "-o", options, "-l", str(self.server.log), "start")


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    """One server for the module (started once: a start is slow on a busy machine)."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs an embedded server of its own to restart")
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("own-pg"), cleanup_mode="delete")
    try:
        yield OwnServer(server)
    finally:
        # a restarted postmaster is not the process pgserver started: stop it here
        with contextlib.suppress(subprocess.CalledProcessError):
            OwnServer(server)._pg_ctl("-w", "-m", "fast", "stop")
        server.cleanup()


@pytest.fixture
def own_pg(own_server: OwnServer) -> Iterator[OwnServer]:
    """A migrated database of the test's own on the module's server."""
    from crawler.db.migrate import migrate
    from crawler.db.scratch import scratch_database

    with scratch_database(own_server.server.get_uri(), "restarts") as url:
        migrate(url)
        yield OwnServer(own_server.server, url)


def _source(tmp_path: Path, site: GeneratedSite) -> tuple[Source, Path]:
    entry = {
        "name": "restarts",
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


def _when(url: str, statement: str, at_least: int, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` in a thread as soon as ``statement`` counts ``at_least`` rows."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if query_rows(url, statement)[0][0] >= at_least:
                action()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _settled(url: str) -> None:
    """After a run: no row is left running (nor crawled, waiting for a load that will not come)."""
    rows = query_rows(url, "SELECT run_id, status, message FROM crawl_runs")
    assert all(status in ("succeeded", "failed") for _, status, _ in rows), rows


def test_restart_during_a_crawl_loses_nothing_after_one_more_run(
    own_pg: OwnServer, tmp_path: Path
) -> None:
    articles = 150
    with GeneratedSite(articles, delay=0.1) as site:  # ~10 s: pages before, during and after
        source, path = _source(tmp_path, site)

        def fetched() -> int:
            return sum(1 for p in site.paths() if p.startswith("/news/"))

        def down_for_a_write() -> None:
            # down until more pages were fetched than the largest batch: a write must fail
            at_stop = fetched()
            own_pg.restart(until=lambda: fetched() >= min(at_stop + FLUSH_EVERY + 5, articles))

        restarter = _when(own_pg.url, "SELECT count(*) FROM raw_pages", 10, down_for_a_write)
        try:  # the CLI's way: the load follows the crawl
            crawl_and_load_step(source, sources_path=path, database_url=own_pg.url, run_id="r1")
        except NewsflowError:
            pass  # the load lost its connection: the run is recorded as failed
        finally:
            restarter.join()
        _settled(own_pg.url)
        ((errors, by_class),) = query_rows(
            own_pg.url, "SELECT errors, errors_by_class FROM crawl_runs WHERE run_id = 'r1'"
        )
        # pages fetched while the database was away were lost to this run, and it says so …
        assert errors > 0 and set(by_class) == {"store_error"}, by_class
        # … and kept the sitemap's validators unsaved, so that the next run asks for it in full
        assert query_rows(own_pg.url, "SELECT count(*) FROM discovery_state") == [(0,)]
        first = query_rows(own_pg.url, "SELECT count(*) FROM articles")[0][0]

        crawl_and_load_step(source, sources_path=path, database_url=own_pg.url, run_id="r2")
    _settled(own_pg.url)
    stored = query_rows(own_pg.url, "SELECT count(*), count(DISTINCT url) FROM articles")
    assert stored == [(articles, articles)], f"{stored} stored, {first} after the first run"
    assert query_rows(own_pg.url, "SELECT count(*) FROM raw_pages WHERE state <> 'article'") == [
        (0,)
    ]
    assert query_rows(own_pg.url, "SELECT count(*) FROM fetch_errors") == [(0,)]


def test_restart_during_a_load_loses_nothing_after_one_more_run(
    own_pg: OwnServer, tmp_path: Path
) -> None:
    articles = 300
    with GeneratedSite(articles) as site:
        source, path = _source(tmp_path, site)
        run_id = new_run_id()
        crawl_step(source, sources_path=path, database_url=own_pg.url, run_id=run_id)
        # after the first write (of 100): the rest is being extracted or written
        restarter = _when(own_pg.url, "SELECT count(*) FROM articles", 1, own_pg.restart)
        try:
            with pytest.raises(NewsflowError):
                load_step(source, database_url=own_pg.url, run_id=run_id)
        finally:
            restarter.join()
        _settled(own_pg.url)
        ((status, message),) = query_rows(own_pg.url, "SELECT status, message FROM crawl_runs")
        assert status == "failed" and message, message

        run_id = new_run_id()
        crawl_step(source, sources_path=path, database_url=own_pg.url, run_id=run_id)
        load_step(source, database_url=own_pg.url, run_id=run_id)
    _settled(own_pg.url)
    assert query_rows(own_pg.url, "SELECT count(*) FROM articles") == [(articles,)]
    assert query_rows(own_pg.url, "SELECT count(*) FROM raw_pages WHERE state <> 'article'") == [
        (0,)
    ]
