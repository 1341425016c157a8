"""Every DAG file in dags/ imports cleanly, follows our DAG policy and is light to parse: no I/O
and no heavy import at top level (the DAG processor parses every file again and again)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.tasks.defaults import CRAWL_POOL, OWNER, START_DATE, TAG, on_failure

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))
DAG_IDS = [p.name for p in DAG_FILES]

# What a DAG file may bring in at top level, besides airflow and the standard library: the
# shared constants, not the task bodies (crawler.config, crawler.sources, the stages).
ALLOWED_CRAWLER_MODULES = {"crawler", "crawler.tasks", "crawler.tasks.defaults"}
# Not imported by airflow.sdk itself, so a DAG file that imports them shows up. (yaml and twisted
# are, so they cannot be told apart here: crawler.config and crawler.sources, which would bring
# yaml, are refused above, and tests/tasks/test_defaults.py holds defaults to the stdlib.)
HEAVY_ROOTS = {"psycopg2", "psycopg", "scrapy", "trafilatura", "lxml"}

# Run in a child process per DAG file, with the Airflow environment of conftest.py: a fresh
# sys.modules, so that what the test session already imported hides nothing.
_PROBE = """
import importlib.util, json, socket, sys

import airflow.sdk  # airflow's own imports are not the DAG file's doing

def refuse(*args, **kwargs):
    raise AssertionError(f"I/O at DAG import time: {args!r}")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = refuse
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("dag_import_probe", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.fixture(scope="module")
def dag_bag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


@pytest.fixture(scope="module")
def imported_by() -> dict[str, subprocess.CompletedProcess[str]]:
    """The modules each DAG file imports at top level (its probe's output), all run at once."""
    children = {
        path.name: subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for path in DAG_FILES
    }
    results = {}
    for name, child in children.items():
        out, err = child.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(child.args, child.returncode, out, err)
    return results


def _dags_of(dag_bag: Any, path: Path) -> list[Any]:
    return [dag for dag in dag_bag.dags.values() if Path(dag.fileloc) == path]


def _default_args_call(path: Path) -> ast.expr | None:
    """The ``default_args=`` value of the file's ``@sdk.dag(...)`` decorator."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "default_args":
                    return keyword.value
    return None


def test_dags_folder_has_dags(dag_bag: Any) -> None:
    assert dag_bag.import_errors == {}, f"DAG import errors: {dag_bag.import_errors}"
    assert DAG_FILES and dag_bag.dags, f"no DAG found in {DAGS_DIR}"


@pytest.mark.parametrize("path", DAG_FILES, ids=DAG_IDS)
def test_dag_policy(dag_bag: Any, path: Path) -> None:
    assert str(path) not in dag_bag.import_errors, (
        f"{path.name}: import error {dag_bag.import_errors[str(path)]}"
    )
    dags = _dags_of(dag_bag, path)
    assert dags, f"{path.name}: defines no DAG"
    call = _default_args_call(path)
    func = call.func if isinstance(call, ast.Call) else None
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    assert name == "default_args", (
        f"{path.name}: default_args is not crawler.tasks.defaults.default_args(...)"
    )
    for dag in dags:
        assert TAG in dag.tags, f"{dag.dag_id}: tags {sorted(dag.tags)} lack {TAG!r}"
        assert dag.doc_md and dag.doc_md.strip(), (
            f"{dag.dag_id}: has no doc_md (Markdown docstring)"
        )
        assert dag.start_date == START_DATE, f"{dag.dag_id}: start_date is not START_DATE"
        assert dag.on_failure_callback is on_failure, (
            f"{dag.dag_id}: on_failure_callback is not crawler.tasks.defaults.on_failure"
        )
        for t in dag.tasks:
            subject = f"{dag.dag_id}.{t.task_id}"
            assert t.owner == OWNER, f"{subject}: owner {t.owner!r}, not {OWNER!r}"
            assert t.retries >= 1, f"{subject}: retries >= 1, got {t.retries}"
            assert t.execution_timeout is not None, f"{subject}: has no execution_timeout"
            assert list(t.on_failure_callback or []) == [on_failure], (
                f"{subject}: on_failure_callback is not crawler.tasks.defaults.on_failure"
            )


@pytest.mark.parametrize("path", DAG_FILES, ids=DAG_IDS)
def test_dag_file_import_is_light(
    path: Path, imported_by: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    probe = imported_by[path.name]
    assert probe.returncode == 0, f"{path.name}: importing it failed:\n{probe.stderr[-3000:]}"
    modules = json.loads(probe.stdout.splitlines()[-1])
    crawler_modules = sorted(
        m for m in modules if m.split(".")[0] == "crawler" and m not in ALLOWED_CRAWLER_MODULES
    )
    assert crawler_modules == [], (
        f"{path.name}: imports {crawler_modules} at top level; import them inside task bodies"
    )
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY_ROOTS)
    assert heavy == [], f"{path.name}: imports {heavy} at top level; import them inside task bodies"


def test_news_ingest_is_registered(dag_bag: Any) -> None:
    dag = dag_bag.dags["news_ingest"]
    assert dag.max_active_runs == 1, "news_ingest must not overlap runs (max_active_runs == 1)"
    assert dag.catchup is False, "news_ingest must not backfill (catchup=False)"


def test_news_ingest_crawls_in_the_crawl_pool(dag_bag: Any) -> None:
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
