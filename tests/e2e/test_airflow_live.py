"""Airflow for real: api-server, scheduler, dag-processor and triggerer on 127.0.0.1 (slow).

The components run under honcho (``tools.airflow_local``, as ``make airflow`` starts them) with
their metadata and news data in two fresh databases of the test PostgreSQL. Unpausing
``news_ingest`` lets the scheduler create its daily run, which crawls the demo site. One Airflow
(about 60 s on 2 cores) serves the module's tests:

- through the REST API: the run succeeds, each mapped task instance is named after its source, a
  backfill run succeeds, the ``articles`` asset triggers ``news_consumer_refresh``;
- in the browser: headless Chromium (``tools.ui_screenshot.dump_dom``) renders the run's page
  and it lists the mapped tasks under the source's name; it renders the *Sources* page of the
  newsflow plugin (``crawler/tasks/plugin.py``) with the demo source's row, and the UI shows that
  page under its navigation entry. Skipped only when Chromium is missing;
- on disk: nothing the instance wrote is readable by other users.

Login is off for this instance (``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True``, bound to
127.0.0.1, as ``make ui-screenshot`` runs it): a browser started from the command line cannot log
in. The API token then comes from ``GET /auth/token`` (``airflow_local.api_token``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.html
import psycopg2
import pytest

from crawler.config import load_config
from crawler.db.scratch import scratch_database
from crawler.demo.sources import DEMO_SOURCE_NAME, write_demo_sources
from crawler.tasks.defaults import CRAWL_POOL
from tests.helpers import free_port, query_rows
from tools import airflow_local
from tools.ui_screenshot import dump_dom, find_chromium

DEMO_SOURCE = DEMO_SOURCE_NAME  # "demo-daily"
MAPPED_TASKS = ("source.crawl", "source.load", "source.check")

pytestmark = pytest.mark.slow


def _processes_of(marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``marker`` (our AIRFLOW_HOME)."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


@dataclasses.dataclass
class Live:
    port: int
    files: airflow_local.Layout
    token: str
    news_url: str


@pytest.fixture(scope="module")
def live_airflow(
    pg_server_url: str, demo_site: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """One Airflow for the module, with its own metadata and news databases (dropped after)."""
    databases = contextlib.ExitStack()
    metadata_url = databases.enter_context(scratch_database(pg_server_url, "newsflow_airflow"))
    # migrated by airflow_local.start
    news_url = databases.enter_context(scratch_database(pg_server_url, "newsflow_live"))
    tmp_path = tmp_path_factory.mktemp("airflow-live")
    sources = write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml")
    config = dataclasses.replace(load_config(), database_url=news_url, home=tmp_path / "home")
    files = airflow_local.Layout(tmp_path / "airflow")
    port = free_port()
    extra = {
        "AIRFLOW_VAR_NEWSFLOW_SOURCES": str(sources),
        "NEWSFLOW_EXTRACT_WORKERS": "1",  # the demo site is small: no process pool
        "AIRFLOW__CORE__PARALLELISM": "2",  # default 32; this shares 2 cores with the suite
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # no login: the browser test
    }
    try:
        airflow_local.start(
            config,
            port=port,
            files=files,
            metadata_url=metadata_url,
            extra_env=extra,
        )
        yield Live(port, files, airflow_local.api_token(files, port), news_url)
    finally:
        airflow_local.stop(config, files=files)
        leftovers = _processes_of(f"AIRFLOW_HOME={files.home}")
        databases.close()
        assert leftovers == [], f"processes left running after stop: {leftovers}"


@dataclasses.dataclass
class ScheduledRun:
    run_id: str
    state: str
    task_instances: list[dict[str, Any]]


@pytest.fixture(scope="module")
def scheduled_run(live_airflow: Live) -> ScheduledRun:
    """The scheduler's daily ``news_ingest`` run after unpausing, waited for until it ends."""
    port, token = live_airflow.port, live_airflow.token
    started = time.monotonic()
    airflow_local.unpause(port, token, "news_consumer_refresh")
    airflow_local.unpause(port, token)  # the scheduler creates the latest daily run
    run_id = airflow_local.first_dag_run(port, token)
    state = airflow_local.wait_dag_run(port, token, run_id, timeout=240)
    print(f"news_ingest run {run_id}: {state} in {time.monotonic() - started:.0f} s")
    return ScheduledRun(run_id, state, airflow_local.task_instances(port, token, run_id))


def _log_tail(live: Live) -> str:
    return f"--- {live.files.log_file}\n{airflow_local.log_tail(live.files, 60)}"


def _summary(run: ScheduledRun) -> list[tuple[Any, ...]]:
    return [
        (t["task_id"], t["map_index"], t["rendered_map_index"], t["state"])
        for t in run.task_instances
    ]


def test_api_token_from_the_generated_password(live_airflow: Live) -> None:
    """`make airflow` runs with login on: `api_token` then POSTs the admin's generated password
    (read from Airflow's password file) to /auth/token. This instance has login off, which takes
    any password, so what is checked is the request itself (a body the server parses: a
    malformed one is refused with 4xx) and that the token it gets back works on the API."""
    files = live_airflow.files
    assert not files.password_file.exists()  # login off: Airflow generated no passwords
    files.password_file.write_text(json.dumps({"admin": "generated-password"}), encoding="utf-8")
    try:
        token = airflow_local.api_token(files, live_airflow.port)
    finally:
        files.password_file.unlink()
    dag = airflow_local.api(live_airflow.port, token, "GET", f"/dags/{airflow_local.DAG_ID}")
    assert dag["dag_id"] == airflow_local.DAG_ID


def test_scheduled_run_through_the_api(live_airflow: Live, scheduled_run: ScheduledRun) -> None:
    port, token = live_airflow.port, live_airflow.token
    pools = airflow_local.api(port, token, "GET", "/pools")
    assert CRAWL_POOL in {p["name"] for p in pools["pools"]}, f"pool {CRAWL_POOL} not created"

    run_id, tis, summary = (
        scheduled_run.run_id,
        scheduled_run.task_instances,
        _summary(scheduled_run),
    )
    assert run_id.startswith("scheduled__"), f"expected the scheduler's run, got {run_id}"
    assert scheduled_run.state == "success", (
        f"news_ingest {run_id} ended {scheduled_run.state}: {summary}\n{_log_tail(live_airflow)}"
    )

    mapped = {t["task_id"]: t["rendered_map_index"] for t in tis if t["map_index"] >= 0}
    assert mapped == dict.fromkeys(MAPPED_TASKS, DEMO_SOURCE), (
        f"mapped task instances are not named after their source: {summary}"
    )
    crawl = next(t for t in tis if t["task_id"] == "source.crawl")
    assert crawl["pool"] == CRAWL_POOL, f"crawl ran in pool {crawl['pool']!r}, not {CRAWL_POOL}"

    with psycopg2.connect(live_airflow.news_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, articles_new FROM crawl_runs WHERE run_id = %s", (run_id,))
        rows = cur.fetchall()
    conn.close()
    assert len(rows) == 1 and rows[0][0] == "succeeded" and rows[0][1] > 0, (
        f"crawl_runs of {run_id}: {rows}"
    )

    # `airflow backfill create` through the REST API: one past day, beside the daily run.
    day = (datetime.now(UTC) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    backfill = {"dag_id": "news_ingest", "from_date": day.isoformat(), "to_date": day.isoformat()}
    airflow_local.api(port, token, "POST", "/backfills", {**backfill, "max_active_runs": 1})
    found: Any = airflow_local.api(
        port, token, "GET", "/dags/news_ingest/dagRuns?run_type=backfill&limit=10"
    )
    backfill_runs = [r["dag_run_id"] for r in found["dag_runs"]]
    assert len(backfill_runs) == 1, f"backfill of {day:%Y-%m-%d} created runs {backfill_runs}"
    run = found["dag_runs"][0]
    assert run["data_interval_start"].startswith(f"{day:%Y-%m-%d}T00:00:00"), run
    state = airflow_local.wait_dag_run(port, token, backfill_runs[0], timeout=180)
    assert state == "success", f"backfill run {backfill_runs[0]} ended {state}"

    events: Any = airflow_local.api(port, token, "GET", "/assets/events?limit=10")
    sources = {e["extra"].get("source") for e in events["asset_events"]}
    assert sources == {DEMO_SOURCE}, f"articles asset events: {events['asset_events']}"
    refresh = airflow_local.first_dag_run(port, token, "news_consumer_refresh")
    refresh_state = airflow_local.wait_dag_run(port, token, refresh, "news_consumer_refresh")
    assert refresh_state == "success", f"news_consumer_refresh {refresh} ended {refresh_state}"


def _table_rows(dom: str) -> list[dict[str, str]]:
    """The rows of each table in ``dom`` as {column header: cell text}."""
    rows = []
    for table in lxml.html.fromstring(dom).iter("table"):
        header: list[str] = []
        for tr in table.iter("tr"):
            cells = [" ".join(c.text_content().split()) for c in tr if c.tag in ("td", "th")]
            if not header:
                header = cells
            else:
                rows.append(dict(zip(header, cells, strict=False)))
    return rows


# Decided at collection: without Chromium, running this test alone starts no Airflow.
@pytest.mark.skipif(
    find_chromium() is None, reason="chromium not installed: apt-get install -y chromium"
)
def test_run_page_in_chromium(live_airflow: Live, scheduled_run: ScheduledRun) -> None:
    """The run's page in the UI, rendered by headless Chromium, names each mapped task's source."""
    assert scheduled_run.state == "success", (
        f"news_ingest {scheduled_run.run_id} ended {scheduled_run.state}: {_summary(scheduled_run)}"
    )
    url = f"http://127.0.0.1:{live_airflow.port}/dags/news_ingest/runs/{scheduled_run.run_id}"
    dom = dump_dom(url)
    shown = {r["Task ID"]: r.get("Map Index") for r in _table_rows(dom) if "Task ID" in r}
    expected = dict.fromkeys(MAPPED_TASKS, DEMO_SOURCE)
    assert {task: shown.get(task) for task in MAPPED_TASKS} == expected, (
        f"{url}: the task instances table does not show {DEMO_SOURCE!r} as the map index of "
        f"{', '.join(MAPPED_TASKS)}; rows shown (task: map index): {shown}"
    )


def test_instance_files_are_private(live_airflow: Live, scheduled_run: ScheduledRun) -> None:
    """The Airflow home holds secrets (JWT secret, Fernet key, the generated admin password) and
    logs: after a run (task logs written), nothing in it is open to group or others."""
    home = live_airflow.files.home
    paths = [home, *home.rglob("*")]
    assert live_airflow.files.log_file in paths, f"honcho's log missing: {sorted(paths)}"
    assert any(p.name.startswith("attempt=") for p in paths), f"no task log under {home}"
    shared = {
        str(p.relative_to(home)): oct(p.lstat().st_mode & 0o777)
        for p in paths
        if not p.is_symlink() and p.lstat().st_mode & 0o077
    }
    assert shared == {}, f"files under {home} readable or writable by group or others: {shared}"


@pytest.mark.skipif(
    find_chromium() is None, reason="chromium not installed: apt-get install -y chromium"
)
def test_sources_page_in_chromium(live_airflow: Live, scheduled_run: ScheduledRun) -> None:
    """The plugin's Sources page, served by the API server and rendered by headless Chromium: one
    row for the demo source, its last run succeeded, today's new articles in its chart, the label
    mix of its fetched pages, a link to its task instance; and the UI shows the page (an iframe)
    at its navigation entry."""
    assert scheduled_run.state == "success", _summary(scheduled_run)
    base = f"http://127.0.0.1:{live_airflow.port}"
    page = lxml.html.fromstring(dump_dom(f"{base}/newsflow/sources"))
    rows = page.xpath("//table[@id='sources']/tbody/tr")
    assert [r.get("data-source") for r in rows] == [DEMO_SOURCE], [r.text_content() for r in rows]
    (row,) = rows
    cells = dict(zip([th.text_content() for th in page.xpath("//thead//th")], row, strict=True))
    assert row.get("data-state") == "ok", row.text_content()
    assert cells["Last run"].text_content().startswith("succeeded · "), cells["Last run"]
    bars = cells["Articles per day (30 days)"].xpath(".//*[local-name()='rect']")
    assert len(bars) == 30
    today_count = int(bars[-1].findtext("{*}title").rsplit(": ", 1)[1])
    assert today_count > 0, "the demo crawl's new articles are today's bar"
    shown = {
        label: int(pages)
        for label, pages in (
            t.split("\xa0") for t in cells["Labels (last run)"].xpath(".//text()") if "\xa0" in t
        )
    }
    # the last ingest run (the daily run, or a later backfill that only retried the 404)
    ((last_labels,),) = query_rows(
        live_airflow.news_url,
        "SELECT labels FROM crawl_runs WHERE source = %s AND kind = 'ingest'"
        " ORDER BY started_at DESC LIMIT 1",
        (DEMO_SOURCE,),
    )
    assert shown and shown == last_labels, f"the last run's label mix: {shown} != {last_labels}"
    (link,) = cells["Last run"].xpath(".//a")
    run_ids = {
        r["dag_run_id"]
        for r in airflow_local.api(
            live_airflow.port, live_airflow.token, "GET", "/dags/news_ingest/dagRuns?limit=10"
        )["dag_runs"]
    }
    target = link.get("href").removeprefix("../")
    assert any(
        target == f"dags/news_ingest/runs/{quote(r, safe='')}/tasks/source.check/mapped/0"
        for r in run_ids
    ), f"the task link {target} names none of the DAG's runs {run_ids}"

    shell = lxml.html.fromstring(dump_dom(f"{base}/plugin/sources"))
    frames = [f.get("src", "") for f in shell.iter("iframe")]
    assert any(src.endswith("newsflow/sources") for src in frames), (
        f"the UI's /plugin/sources shows no iframe of the page: {frames}"
    )
    assert "Sources" in [a.text_content().strip() for a in shell.iter("a", "button")], (
        "no Sources entry in the UI's navigation"
    )
