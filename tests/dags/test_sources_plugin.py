"""The Sources plugin inside Airflow: found through its entry point, mounted in Airflow's own API
app (built in this process, served by Starlette's test client), behind Airflow's authentication.

The browser test on a live Airflow is tests/e2e/test_airflow_live.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.quality.health import TASK_BY_STATUS
from tests.quality.test_drift import TODAY, add_baseline, add_day

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "news_ingest.py"


def test_the_entry_point_registers_the_page_and_its_navigation_entry(airflow_db: None) -> None:
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    assert errors == {}, errors
    (plugin,) = [p for p in plugins if p.name == "newsflow"]
    assert "newsflow" in str(plugin.source), "loaded from the package's entry point"
    (info,) = [i for i in plugins_manager.get_plugin_info() if i["name"] == "newsflow"]
    assert [a["url_prefix"] for a in info["fastapi_apps"]] == ["/newsflow"]
    (view,) = info["external_views"]
    assert (view["name"], view["href"], view["url_route"], view["destination"]) == (
        "Sources",
        "newsflow/sources",
        "sources",
        "nav",
    )


def test_importing_the_plugin_builds_no_web_app() -> None:
    """Every Airflow process (tasks too) imports its plugins: FastAPI waits for the API server."""
    probe = (
        "import sys, crawler.tasks.plugin as p; "
        "print('fastapi' in sys.modules, p.sources_app.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["False", "0"], out


def test_the_page_links_to_tasks_the_dag_has(airflow_db: None) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAG_FILE)).dags["news_ingest"]
    assert set(TASK_BY_STATUS.values()) <= set(dag.task_ids), dag.task_ids


@pytest.fixture
def api(airflow_db: None, news_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Airflow's API app with its plugins, as the API server builds it; login off."""
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    from crawler.tasks.connections import airflow_conn_uri

    monkeypatch.setenv("AIRFLOW_CONN_NEWS_READER", airflow_conn_uri(news_db))
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "test-secret-" + "x" * 64)
    purge_cached_app()
    with TestClient(create_app()) as client:
        yield client
    purge_cached_app()


def test_the_api_server_serves_the_page_and_its_json(api: Any, news_db: str) -> None:
    add_baseline(news_db, "steady", days=3)
    add_day(news_db, "steady", TODAY)
    document = api.get("/newsflow/sources.json")
    assert document.status_code == 200, document.text
    (row,) = document.json()["sources"]
    assert (row["source"], row["last_run"]["status"]) == ("steady", "succeeded")
    assert [d["articles"] for d in row["articles_per_day"][-4:]] == [40, 40, 40, 40]
    page = api.get("/newsflow/sources")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<tr data-source="steady" data-state="ok">' in page.text


def test_the_page_needs_a_login(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    purge_cached_app()
    with TestClient(create_app()) as client:
        for path in ("/newsflow/sources", "/newsflow/sources.json"):
            assert client.get(path).status_code == 401, path


def test_an_unreadable_database_is_a_503_that_says_why(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_NEWS_READER", "postgresql://newsflow_reader@%2Fnonexistent%2Fdir/news"
    )
    response = api.get("/newsflow/sources.json")
    assert response.status_code == 503
    assert "cannot read news.source_health as newsflow_reader" in response.json()["detail"]
