"""``news_reextract`` with ``dag.test()``: re-extracts the demo site's stored pages, no network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import query_rows

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "news_reextract.py"


def test_news_reextract(
    airflow_db: None,
    news_db: str,
    demo_site: Any,
    demo_sources: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from crawler.pipeline import crawl_step, load_step
    from crawler.sources import load_sources

    monkeypatch.setenv("AIRFLOW_VAR_NEWSFLOW_SOURCES", str(demo_sources))
    monkeypatch.setenv("NEWSFLOW_EXTRACT_WORKERS", "1")
    (source,) = load_sources(demo_sources)
    crawl_step(source, sources_path=demo_sources, database_url=news_db, run_id="ingest")
    load_step(source, database_url=news_db, run_id="ingest")
    before = query_rows(news_db, "SELECT url, content_hash, updated_at FROM articles ORDER BY url")
    assert before, "the demo crawl stored no article"
    demo_site.clear_requests()

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}, bag.import_errors
    dag = bag.dags["news_reextract"]
    dag_run = dag.test(
        logical_date=datetime(2025, 6, 1, tzinfo=UTC),
        run_conf={"source": source.name, "since": "2000-01-01"},
    )
    assert dag_run.state == "success", dag_run.state
    assert demo_site.requests == [], "re-extraction must not touch the network"
    runs = query_rows(
        news_db,
        "SELECT run_id, status, articles_new, articles_updated, articles_unchanged FROM crawl_runs"
        " WHERE run_id LIKE 'reextract__%'",
    )
    assert len(runs) == 1 and runs[0][1:] == ("succeeded", 0, 0, len(before)), runs
    after = query_rows(news_db, "SELECT url, content_hash, updated_at FROM articles ORDER BY url")
    assert after == before, "unchanged extraction rewrote articles"
