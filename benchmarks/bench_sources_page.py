"""The Sources page's speed: 200 sources with a year of daily runs (73,000 runs and checks).

Creates a throwaway database — on a throwaway embedded PostgreSQL, or on the server of
``DATABASE_URL`` when it is set (needs CREATEDB there) — migrates it, generates the history
(``generate_health_history`` in sql/queries/synthetic.sql) and times what one request of the page
does, as the Airflow plugin does it: connect, read ``news.source_health`` as newsflow_reader,
build the JSON document or the HTML page. Prints median and p95 over repeated runs with the
machine's conditions; it asserts nothing on time. Run: ``make bench`` or
``PYTHONPATH=. .venv/bin/python benchmarks/bench_sources_page.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg2

from benchmarks.bench_sql import _p95
from benchmarks.machine import describe_machine
from benchmarks.pg import postgres_server
from crawler.db import query
from crawler.db.migrate import migrate
from crawler.db.scratch import scratch_database
from crawler.quality.health import health_json, read_source_health, render_page
from tools.synthetic import load_health_history

SOURCES = 200
DAYS = 365
RUNS = 20  # timed runs per case, after one warm-up


def _time(action: Callable[[], object]) -> list[float]:
    action()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    with (
        postgres_server() as (server_url, _),
        scratch_database(server_url, "newsflow_bench_sources") as url,
    ):
        migrate(url)
        start = time.perf_counter()
        load_health_history(url, SOURCES, DAYS, datetime.now(UTC))
        load_s = time.perf_counter() - start
        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW server_version")
                (version,) = cur.fetchone()  # type: ignore[misc]
                cur.execute("SELECT count(*) FROM crawl_runs")
                (runs,) = cur.fetchone()  # type: ignore[misc]
                print(describe_machine())
                print(f"PostgreSQL {version}, psycopg2 {psycopg2.__version__}")
                print(
                    f"data: {SOURCES} sources x {DAYS} days = {runs:,} runs and their checks; "
                    f"generated in {load_s:.1f} s"
                )

                def sql_only() -> None:
                    cur.execute(query("read_as_reader"))
                    cur.execute(query("source_health"))
                    cur.fetchall()
                    cur.execute("RESET ROLE")

                today, rows = read_source_health(url)
                document = json.dumps(health_json(today, rows))
                page = render_page(today, rows)
                cases = [
                    ("SQL only (news.source_health, open connection)", sql_only),
                    (
                        "request: connect + read + JSON",
                        lambda: json.dumps(health_json(*read_source_health(url))),
                    ),
                    (
                        "request: connect + read + HTML page",
                        lambda: render_page(*read_source_health(url)),
                    ),
                ]
                print(
                    f"{RUNS} timed runs per case after one warm-up; latency in ms; "
                    f"JSON {len(document) / 1024:.0f} KiB, HTML {len(page) / 1024:.0f} KiB"
                )
                print(f"{'case':50} {'median':>8} {'p95':>8}")
                for label, action in cases:
                    samples = _time(action)
                    print(f"{label:50} {statistics.median(samples):8.1f} {_p95(samples):8.1f}")
        finally:
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
