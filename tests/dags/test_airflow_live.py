"""Airflow for real: api-server, scheduler, dag-processor and triggerer on 127.0.0.1.

The components run as separate processes (``crawler.airflow_local``, as ``make airflow`` starts
them) with their metadata in a fresh database of the test PostgreSQL and the news database of the
test session. Unpausing ``news_ingest`` lets the scheduler create its daily run, which crawls the
demo site; the test follows it through the REST API only, as an operator's UI would, then checks
that the `articles` asset triggered ``news_consumer_refresh``. About 60 s on 2 cores.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from psycopg2 import sql

from crawler import airflow_local
from crawler.airflow_support import CRAWL_POOL
from crawler.config import load_config

DEMO_SOURCE = "demo-daily"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


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


@pytest.fixture
def live_airflow(
    pg_server_url: str, news_db: str, demo_sources: Path, tmp_path: Path
) -> Iterator[Live]:
    metadata_db = f"newsflow_airflow_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(metadata_db)))
    config = dataclasses.replace(load_config(), database_url=news_db, home=tmp_path / "home")
    files = airflow_local.Layout(tmp_path / "airflow")
    port = _free_port()
    extra = {
        "AIRFLOW_VAR_NEWSFLOW_SOURCES": str(demo_sources),
        "NEWSFLOW_EXTRACT_WORKERS": "1",  # the demo site is small: no process pool
        "AIRFLOW__CORE__PARALLELISM": "2",  # default 32; this shares 2 cores with the suite
    }
    try:
        airflow_local.start(
            config,
            port=port,
            files=files,
            metadata_url=_with_database(pg_server_url, metadata_db),
            extra_env=extra,
        )
        yield Live(port, files, airflow_local.api_token(files, port))
    finally:
        airflow_local.stop(config, files=files)
        leftovers = _processes_of(f"AIRFLOW_HOME={files.home}")
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(metadata_db)
                )
            )
        admin.close()
        assert leftovers == [], f"processes left running after stop: {leftovers}"


def _log_tail(live: Live) -> str:
    return "\n".join(
        f"--- {c}\n{airflow_local._tail(live.files.log_file(c), 15)}"
        for c in airflow_local.COMPONENTS
    )


def test_scheduled_run_through_the_api(live_airflow: Live, news_db: str) -> None:
    port, token = live_airflow.port, live_airflow.token
    pools = airflow_local.api(port, token, "GET", "/pools")
    assert CRAWL_POOL in {p["name"] for p in pools["pools"]}, f"pool {CRAWL_POOL} not created"

    started = time.monotonic()
    airflow_local.unpause(port, token, "news_consumer_refresh")
    airflow_local.unpause(port, token)  # the scheduler creates the latest daily run
    run_id = airflow_local.first_dag_run(port, token)
    assert run_id.startswith("scheduled__"), f"expected the scheduler's run, got {run_id}"
    state = airflow_local.wait_dag_run(port, token, run_id, timeout=240)
    tis = airflow_local.task_instances(port, token, run_id)
    summary = [(t["task_id"], t["map_index"], t["rendered_map_index"], t["state"]) for t in tis]
    assert state == "success", (
        f"news_ingest {run_id} ended {state}: {summary}\n{_log_tail(live_airflow)}"
    )
    print(f"news_ingest run {run_id}: success in {time.monotonic() - started:.0f} s")

    mapped = {t["task_id"]: t["rendered_map_index"] for t in tis if t["map_index"] >= 0}
    assert mapped == dict.fromkeys(("source.crawl", "source.load", "source.check"), DEMO_SOURCE), (
        f"mapped task instances are not named after their source: {summary}"
    )
    crawl = next(t for t in tis if t["task_id"] == "source.crawl")
    assert crawl["pool"] == CRAWL_POOL, f"crawl ran in pool {crawl['pool']!r}, not {CRAWL_POOL}"

    with psycopg2.connect(news_db) as conn, conn.cursor() as cur:
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
