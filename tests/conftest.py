"""Session fixtures: a real PostgreSQL (embedded pgserver, or TEST_DATABASE_URL) and the demo site."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

logging.getLogger("pgserver").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database: TEST_DATABASE_URL, or an embedded server."""
    override = os.environ.get("TEST_DATABASE_URL")
    if override:
        yield override
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg")))
    os.chmod(os.environ["XDG_RUNTIME_DIR"], 0o700)
    import pgserver

    # /tmp, not the repo: pgserver opens up parent directories' permissions when run as root.
    pgdata = tmp_path_factory.mktemp("pgdata")
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database, migrated, for the whole session (dropped at the end)."""
    from crawler.db.migrate import migrate
    from crawler.db.scratch import scratch_database

    with scratch_database(pg_server_url, "newsflow_test") as url:
        migrate(url)
        yield url


@pytest.fixture
def db(pg_url: str) -> Iterator[str]:
    """The session database emptied before the test; yields its URL."""
    from tests.helpers import empty_database  # imports the crawler: not at collection

    empty_database(pg_url)
    yield pg_url


@pytest.fixture(scope="session")
def demo_site() -> Iterator[object]:
    """The bundled demo news site served on 127.0.0.1 (random port), recording every request."""
    from crawler.demo.server import DemoSite, site_dir

    with DemoSite(site_dir()) as site:
        yield site


@pytest.fixture
def demo_sources(demo_site: object, tmp_path: Path) -> Path:
    """A sources file pointing at the running demo site."""
    from crawler.demo.sources import write_demo_sources

    return write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml")  # type: ignore[attr-defined]
