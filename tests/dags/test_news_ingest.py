"""End to end: ``news_ingest`` run twice with ``dag.test()`` against the demo site and PostgreSQL.

The first run stores the demo site's articles and one ``crawl_runs`` row per source; the second
run of the same DAG adds nothing. Both runs happen in this one process: the first ``dag.test()``
builds Airflow's in-process execution API (slow), later ones reuse it.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
import pytest

import crawler.load.articles

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "news_ingest.py"
DEMO_SOURCE = "demo-daily"


def _news_ingest_dag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}, bag.import_errors
    dag = bag.dags["news_ingest"]
    for t in dag.tasks:
        # dag.test() waits out retry delays; fail at once so a broken step fails the test quickly.
        t.retries = 0
    return dag


def _run(dag: Any, day: int) -> Any:
    dag_run = dag.test(logical_date=datetime(2025, 6, day, tzinfo=UTC))
    states = {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}
    assert dag_run.state == "success", (
        f"news_ingest run {dag_run.run_id} ended {dag_run.state}: {states}"
    )
    return dag_run


def _crawl_run(url: str, run_id: str) -> dict[str, Any]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT source, status, pages_fetched, articles_new, articles_updated,"
            " articles_unchanged, rejected, errors FROM crawl_runs WHERE run_id = %s",
            (run_id,),
        )
        assert cur.description is not None
        names = [d.name for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    conn.close()
    assert [r["source"] for r in rows] == [DEMO_SOURCE], f"crawl_runs rows of {run_id}: {rows}"
    return rows[0]


def _scalar(url: str, sql: str, *params: object) -> Any:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    conn.close()
    assert row is not None
    return row[0]


def test_news_ingest_twice(
    airflow_db: None, news_db: str, demo_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_NEWSFLOW_SOURCES", str(demo_sources))
    # the load task extracts in its process pool (forked from a fork server), as on a real site
    monkeypatch.setenv("NEWSFLOW_EXTRACT_WORKERS", "2")
    pools: list[int] = []
    start_pool = crawler.load.articles.start_pool
    monkeypatch.setattr(
        "crawler.load.articles.start_pool", lambda n, **kw: pools.append(n) or start_pool(n, **kw)
    )
    dag = _news_ingest_dag()

    first = _run(dag, 1)
    articles = _scalar(news_db, "SELECT count(*) FROM articles WHERE source = %s", DEMO_SOURCE)
    assert articles > 0, "first run stored no article from the demo site"
    assert pools == [2], f"the load task did not extract in a pool of 2 workers: {pools}"
    run = _crawl_run(news_db, first.run_id)
    assert run["status"] == "succeeded", f"first run's crawl_runs row: {run}"
    assert run["articles_new"] == articles, (
        f"first run: articles_new {run} != {articles} stored articles"
    )
    assert run["pages_fetched"] >= articles, f"first run fetched fewer pages than it stored: {run}"
    assert (
        _scalar(news_db, "SELECT count(*) FROM articles WHERE run_id = %s", first.run_id)
        == articles
    )

    # the task instance is recorded with the run (the Sources page links to it), and the
    # outcome of the checks with it
    assert _scalar(
        news_db, "SELECT dag_id || ':' || map_index FROM crawl_runs WHERE run_id = %s", first.run_id
    ) == ("news_ingest:0")
    assert _scalar(
        news_db, "SELECT failed::text FROM check_runs WHERE run_id = %s", first.run_id
    ) == ("[]")

    labels = {
        ti.task_id: ti.rendered_map_index for ti in first.get_task_instances() if ti.map_index >= 0
    }
    assert labels == dict.fromkeys(("source.crawl", "source.load", "source.check"), DEMO_SOURCE), (
        f"mapped tasks are not labelled with the source name: {labels}"
    )

    second = _run(dag, 2)
    assert second.run_id != first.run_id
    assert _scalar(news_db, "SELECT count(*) FROM articles") == articles, (
        "second run changed articles"
    )
    run = _crawl_run(news_db, second.run_id)
    assert run["status"] == "succeeded", f"second run's crawl_runs row: {run}"
    assert run["articles_new"] == 0, f"second run found new articles on an unchanged site: {run}"
    assert run["articles_updated"] == 0, f"second run updated articles of an unchanged site: {run}"


def test_check_fails_task_with_the_failed_checks(
    airflow_db: None, news_db: str, demo_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from crawler.tasks.ingest import check

    monkeypatch.setenv("AIRFLOW_VAR_NEWSFLOW_SOURCES", str(demo_sources))
    run_id = "manual__check_failure"
    with psycopg2.connect(news_db) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sources (name, language, allowed_domains, config)"
            " VALUES (%s, 'en', '{127.0.0.1}', '{}')",
            (DEMO_SOURCE,),
        )
        cur.execute(
            "INSERT INTO articles (url, source, title, body, content_hash, fetched_url, fetched_at,"
            " run_id) VALUES ('http://127.0.0.1/news/x', %s, 'Short', 'too short', 'h',"
            " 'http://127.0.0.1/news/x', now(), %s)",
            (DEMO_SOURCE, run_id),
        )
    conn.close()

    with pytest.raises(AirflowFailException, match="articles_without_body: 1 failing row"):
        check(DEMO_SOURCE, run_id)


def test_a_drifting_source_fails_its_own_check_task_only(
    airflow_db: None, news_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month of history for two sources, then a day whose bodies are a fifth of their usual
    length for one of them: its check task fails naming the source, the measure, today's value
    and the baseline; the other source's check task passes."""
    from airflow.sdk.exceptions import AirflowFailException

    from crawler.tasks.ingest import check
    from tests.quality.test_drift import TODAY, add_baseline, add_day

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        + "".join(
            f"  - {{name: {name}, language: en, allowed_domains: [example.org],"
            f" feeds: ['https://example.org/rss']}}\n"
            for name in ("drifty", "steady")
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("AIRFLOW_VAR_NEWSFLOW_SOURCES", str(sources))
    for name in ("drifty", "steady"):
        add_baseline(news_db, name)
    drifty = add_day(news_db, "drifty", TODAY, body_repeats=12)
    steady = add_day(news_db, "steady", TODAY)

    with pytest.raises(AirflowFailException) as failure:
        check("drifty", drifty)
    message = str(failure.value)
    assert message.startswith("source 'drifty': 1 check(s) failed: drift_body_length"), message
    assert "median_body_length" in message and f"source drifty on {TODAY}: median body" in message
    check("steady", steady)  # no exception: the other source's task passes


def test_run_fails_first_on_a_database_missing_a_migration(
    airflow_db: None, news_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code deployed without `newsflow db migrate`: the run's first task fails (naming the
    migration, see tests/db/test_db.py), and no source is crawled on the older schema."""
    from crawler import db

    copy = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), copy)
    (copy / "migrations" / "9999_next.sql").write_text("SELECT 1;\n", encoding="utf-8")
    monkeypatch.setattr(db, "SQL_DIR", copy)
    dag_run = _news_ingest_dag().test(logical_date=datetime(2025, 6, 20, tzinfo=UTC))
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert dag_run.state == "failed" and states["list_sources"] == "failed", states
    assert _scalar(news_db, "SELECT count(*) FROM crawl_runs") == 0
