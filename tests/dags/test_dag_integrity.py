"""Every DAG in dags/ imports cleanly, follows our DAG policy and does no I/O at import time."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))


@pytest.fixture(scope="module")
def dag_bag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dag_bag: Any) -> None:
    assert dag_bag.import_errors == {}, f"DAG import errors: {dag_bag.import_errors}"
    assert dag_bag.dags, f"no DAG found in {DAGS_DIR}"


def test_news_ingest_is_registered(dag_bag: Any) -> None:
    dag = dag_bag.dags["news_ingest"]
    assert dag.max_active_runs == 1, "news_ingest must not overlap runs (max_active_runs == 1)"
    assert dag.catchup is False, "news_ingest must not backfill (catchup=False)"


def test_news_ingest_crawls_in_the_crawl_pool(dag_bag: Any) -> None:
    from crawler.tasks import CRAWL_POOL

    crawl = dag_bag.dags["news_ingest"].get_task("source.crawl")
    assert crawl.pool == CRAWL_POOL, f"source.crawl: pool {crawl.pool!r}, expected {CRAWL_POOL!r}"


def test_consumer_refresh_is_scheduled_on_the_asset_news_ingest_updates(dag_bag: Any) -> None:
    load = dag_bag.dags["news_ingest"].get_task("source.load")
    (outlet,) = load.outlets
    refresh = dag_bag.dags["news_consumer_refresh"]
    assert outlet.name == "articles", f"source.load updates {outlet!r}, not the articles asset"
    condition = refresh.timetable.asset_condition
    assert list(condition.objects) == [outlet], (
        f"news_consumer_refresh is scheduled on {condition!r}, not on {outlet!r} alone"
    )


def _dags(dag_bag: Any) -> list[Any]:
    return list(dag_bag.dags.values())


def test_dag_policy(dag_bag: Any) -> None:
    for dag in _dags(dag_bag):
        assert dag.tags, f"{dag.dag_id}: has no tags"
        assert dag.on_failure_callback, f"{dag.dag_id}: has no on_failure_callback"
        assert dag.doc_md and dag.doc_md.strip(), (
            f"{dag.dag_id}: has no doc_md (Markdown docstring)"
        )
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", (
                f"{dag.dag_id}.{t.task_id}: has no owner of its own"
            )
            assert t.retries >= 1, f"{dag.dag_id}.{t.task_id}: retries >= 1, got {t.retries}"
            assert t.execution_timeout is not None, (
                f"{dag.dag_id}.{t.task_id}: has no execution_timeout"
            )
            assert t.on_failure_callback, f"{dag.dag_id}.{t.task_id}: has no on_failure_callback"


class _TopLevelIO(AssertionError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise _TopLevelIO(f"I/O at DAG import time: {args!r}")


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_import_does_no_io(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import airflow.sdk  # noqa: F401  (airflow's own import is not the DAG file's doing)
    import psycopg2

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(psycopg2, "connect", _refuse)
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location(f"_dag_import_check_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    heavy = sorted(
        m
        for m in set(sys.modules) - before
        if m.split(".")[0] in {"crawler", "scrapy", "trafilatura", "psycopg2", "yaml", "twisted"}
    )
    assert heavy == [], f"{path.name}: imports {heavy} at top level; import them inside task bodies"
