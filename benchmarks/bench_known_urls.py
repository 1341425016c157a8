"""Peak memory of a crawl against the number of URLs its source has already stored.

The crawl child skips candidates already stored (``known_urls``). It asks the database a batch of
candidates at a time, so its memory should not grow with the source's history. For each size of
that history (0 and 1,000,000 stored URLs of the source by default, generated with
``generate_series``: ``generate_synthetic_raw_pages`` in sql/queries/synthetic.sql), on a fresh
database, this crawls a generated site of ``--articles`` pages (tools/generated_site.py) whose
first half is already stored, and prints the crawl child's own peak RSS and wall time.

Embedded, throwaway PostgreSQL unless ``DATABASE_URL`` is set (then scratch databases on that
server, dropped after). It measures; it asserts nothing. Run:
``.venv/bin/python benchmarks/bench_known_urls.py [--stored 0 1000000] [--articles 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks.machine import describe_machine
from benchmarks.pg import postgres_server
from crawler.db import query, transaction
from crawler.db.migrate import migrate
from crawler.db.scratch import scratch_database
from crawler.fetch.store import sync_sources
from crawler.sources import load_sources
from tools.generated_site import GeneratedSite

ROOT = Path(__file__).resolve().parents[1]


def _store(url: str, n: int, prefix: str, suffix: str = "", first: int = 0) -> float:
    """Store ``n`` generated pages of source ``bench``; seconds taken."""
    start = time.perf_counter()
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            query("generate_synthetic_raw_pages"),
            {
                "n": n,
                "source": "bench",
                "prefix": prefix,
                "suffix": suffix,
                "first": first,
                "now": datetime.now(UTC),
            },
        )
    return time.perf_counter() - start


def _peak_rss(pid: int) -> int | None:
    """VmHWM of a running process (bytes): its peak RSS since its ``exec``. Not ``wait4``'s
    ``ru_maxrss``, which Linux carries over ``exec`` from the parent (this process)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _crawl(url: str, sources: Path, tmp: Path) -> tuple[float, int, dict[str, Any]]:
    """Run the crawl child; its wall seconds, peak RSS (sampled every 20 ms) and Scrapy stats."""
    start = time.perf_counter()
    out = tmp / "child.out"
    with out.open("w", encoding="utf-8") as stdout:
        child = subprocess.Popen(
            [
                *(sys.executable, "-m", "crawler.fetch.process"),
                *("--sources", str(sources), "--source", "bench", "--run-id", "bench"),
            ],
            env={**os.environ, "DATABASE_URL": url},
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        peak = 0
        while child.poll() is None:
            peak = max(peak, _peak_rss(child.pid) or 0)
            time.sleep(0.02)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"crawl child exited with {child.returncode}")
    events = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (stats,) = [e["stats"] for e in events if e.get("event") == "done"]
    return wall, peak, stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[0, 1_000_000])
    parser.add_argument("--articles", type=int, default=2_000)
    args = parser.parse_args()
    print(describe_machine())
    print(
        f"site: {args.articles:,} generated pages, the first {args.articles // 2:,} already stored;"
        " the crawl fetches the others"
    )
    print(
        f"{'stored URLs':>12} {'fill s':>7} {'known':>6} {'fetched':>8} {'crawl s':>8} {'peak RSS':>9}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp,
        GeneratedSite(args.articles) as site,
        postgres_server() as (server_url, _),
    ):
        sources = Path(tmp) / "sources.yaml"
        entry = {
            "name": "bench",
            "language": "en",
            "allowed_domains": ["127.0.0.1"],
            "sitemaps": [f"{site.base_url}/sitemap.xml"],
            "article_url_pattern": r"/news/\d+\.html$",
            "download_delay": 0,  # our own server: no politeness needed
            "concurrency": 16,
            "max_articles": args.articles,
            "allow_private_networks": True,
        }
        sources.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
        (source,) = load_sources(sources)
        for stored in args.stored:
            with scratch_database(server_url, "newsflow_bench") as url:
                migrate(url)
                with transaction(url) as conn:
                    sync_sources(conn, [source])
                fill = _store(url, args.articles // 2, f"{site.base_url}/news/", ".html")
                fill += _store(url, stored, f"{site.base_url}/archive/")  # same source, same host
                wall, peak, stats = _crawl(url, sources, Path(tmp))
                print(
                    f"{stored:>12,} {fill:>7.1f} {stats.get('newsflow/known_skipped', 0):>6} "
                    f"{stats.get('newsflow/pages_fetched', 0):>8} {wall:>8.1f} "
                    f"{peak / 2**20:>6.0f} MiB"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
