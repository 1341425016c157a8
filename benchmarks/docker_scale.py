"""Scale-out: one day's sources on 1, then 2 Celery workers, one core each (``make bench-scale``).

The Docker deployment of ``make docker-test`` (:mod:`tools.docker_test`: same images, same compose
files, as root), plus ``docker/compose.bench.yaml``, which limits each worker container to one
CPU. The day's sources are compose.demo.yaml's four generated news sites
(``tools/generated_site.py``, ~130 KB pages, different stories on each), ``--articles`` each
(default 2,000: enough work that Airflow's fixed cost per run, ~40 s here, does not dominate). For each worker count a fresh deployment runs
news_ingest once; the figures are the run's wall time (start to end, as Airflow records it) and
the pages fetched per second of it. Not in ``make bench`` (it needs root and Docker, 5-10 min):
run it by itself. It measures; it asserts nothing on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import psycopg2

from tools import docker_test
from tools.docker_test import GENERATED_SITES, Deployment, docker_daemon, say


def write_site_sources(path: Path) -> list[str]:
    return docker_test.write_sources(
        path, [docker_test.generated_source(*site) for site in GENERATED_SITES]
    )


def measure(docker: docker_test.Docker, workers: int, articles: int) -> dict[str, float]:
    with docker_test.deployment(
        docker,
        workers=workers,
        extra_files=("compose.bench.yaml",),
        write_sources=write_site_sources,
        generated_articles=articles,
    ) as deployed:
        token, run_id, _ = docker_test.ingest(deployed)
        run = docker_test.airflow_local.api(
            deployed.ui_port, token, "GET", f"/dags/news_ingest/dagRuns/{run_id}"
        )
        wall = (_time(run["end_date"]) - _time(run["start_date"])).total_seconds()
        pages, articles = _counts(deployed, run_id)
        say(
            f"{workers} worker(s): {run['state']}, {pages} pages, {articles} articles, {wall:.0f} s"
        )
        return {"wall": wall, "pages": pages, "articles": articles}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _counts(deployed: Deployment, run_id: str) -> tuple[int, int]:
    with (
        psycopg2.connect(deployed.database_url("newsflow", "news")) as conn,
        conn.cursor() as cur,
    ):
        cur.execute(
            "SELECT sum(pages_fetched), sum(articles_new) FROM crawl_runs WHERE run_id = %s",
            (run_id,),
        )
        pages, articles = cur.fetchone() or (0, 0)
    return int(pages or 0), int(articles or 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=2000, help="per site (default 2000)")
    args = parser.parse_args(argv)
    docker_test.ensure_packages()
    results = {}
    with docker_daemon() as docker:
        docker_test.build_images(docker)
        for workers in (1, 2):
            results[workers] = measure(docker, workers, args.articles)
    print(
        f"\n== scale-out: {len(GENERATED_SITES)} sources x {args.articles} articles, 1 CPU per worker"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'workers':>8} {'wall s':>8} {'pages':>7} {'pages/s':>8} {'articles':>9}")
    for workers, r in results.items():
        rate = r["pages"] / r["wall"] if r["wall"] else 0.0
        print(
            f"{workers:>8} {r['wall']:>8.1f} {r['pages']:>7.0f} {rate:>8.1f} {r['articles']:>9.0f}"
        )
    one, two = results[1]["wall"], results[2]["wall"]
    print(f"speed-up with 2 workers: {one / two:.2f}x" if two else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
