"""A `newsflow run` and the DAG's crawl task of one site exclude each other (crawler.pipeline)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import local_sources_file
from tests.test_cli import NEWSFLOW
from tools.generated_site import GeneratedSite


def test_a_cli_crawl_and_a_dag_crawl_of_one_domain_run_one_after_the_other(
    news_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sources on one domain (127.0.0.1, two ports): the DAG's crawl task takes the first,
    a CLI run the second while the first is still being fetched. The CLI's crawl says it waits,
    and its first request comes after the DAG crawl's last."""
    from crawler.tasks import ingest

    with (
        GeneratedSite(16, delay=1.0, name="Slow Daily") as dag_site,
        GeneratedSite(4, name="Quick Wire") as cli_site,
    ):
        path = local_sources_file(
            tmp_path / "sources.yaml",
            {"name": "dag-side", "sitemaps": [f"{dag_site.base_url}/sitemap.xml"]},
            {"name": "cli-side", "sitemaps": [f"{cli_site.base_url}/sitemap.xml"]},
        )
        monkeypatch.setenv("NEWSFLOW_SOURCES", str(path))
        failure: list[BaseException] = []

        def dag_crawl() -> None:
            try:
                ingest.crawl("dag-side", "scheduled__2026-12-07T00:00:00+00:00")
            except BaseException as exc:  # reported below
                failure.append(exc)

        thread = threading.Thread(target=dag_crawl)
        thread.start()
        deadline = time.monotonic() + 60
        while not any(p.startswith("/news/") for p in dag_site.paths()):
            assert time.monotonic() < deadline, "the DAG crawl fetched no article in 60 s"
            time.sleep(0.05)
        cli = subprocess.run(
            [NEWSFLOW, "run", "--sources", str(path), "--source", "cli-side"],
            env={**os.environ, "DATABASE_URL": news_db, "NEWSFLOW_HOME": str(tmp_path / "home")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        thread.join(timeout=300)
        assert not failure, failure
        assert cli.returncode == 0, cli.stderr
        dag_times = [t for t, _, _ in dag_site.requests]
        cli_times = [t for t, _, _ in cli_site.requests]
    assert sum(p.startswith("/news/") for p in dag_site.paths()) == 16
    assert cli_times, "the CLI crawl fetched nothing"
    assert max(dag_times) < min(cli_times), (
        "the CLI crawl requested pages of 127.0.0.1 while the DAG crawl of it was still running"
    )
    assert (
        "waiting: domain '127.0.0.1' still being crawled by newsflow crawl dag-side" in cli.stderr
    )
