"""Consumer query speed: news.search (Japanese, Chinese, English) and daily counts on 100k articles.

Creates a throwaway database — on a throwaway embedded PostgreSQL, or on the server of
``DATABASE_URL`` when it is set (needs CREATEDB there) — migrates it, bulk-loads 100,000
generated articles (``generate_synthetic_articles`` in sql/queries/synthetic.sql), runs each
query repeatedly and prints median and p95 latency with the machine's conditions. It measures;
it asserts nothing on time. Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_sql.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2

from benchmarks.machine import describe_machine
from benchmarks.pg import postgres_server
from crawler.config import load_config
from crawler.db import query
from crawler.db.migrate import migrate
from crawler.db.scratch import scratch_database
from tools.synthetic import load_synthetic_articles

ROWS = 100_000
RUNS = 15  # timed runs per query, after one warm-up run
NOW = datetime.now(UTC)

# (label, query, lang): a rare and a common query per language; cost grows with the matches.
SEARCHES = [
    ("search ja rare", "量子暗号", None),
    ("search zh rare", "量子加密", None),
    ("search en rare", "quantum link", None),
    ("search ja common", "米中貿易交渉", None),
    ("search ja common, lang=ja", "米中貿易交渉", "ja"),
    ("search zh common", "贸易谈判", None),
    ("search en common", "interest rates", None),
    ("search ja 2 chars (no trigram: scan)", "米中", None),
]


def _time(cur: Any, statement: str, params: dict[str, Any]) -> tuple[list[float], int]:
    """Latencies (ms) of RUNS executions after a warm-up, and the row count returned."""
    cur.execute(statement, params)
    rows = len(cur.fetchall())
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        cur.execute(statement, params)
        cur.fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, rows


def _matches(cur: Any, text: str, lang: str | None) -> int:
    """How many articles the query matches (news.search ranks them all, then returns 20)."""
    cur.execute(
        query("search_articles"), {"query": text, "lang": lang, "since": None, "lim": 10**6}
    )
    return len(cur.fetchall())


def _pad(text: str, width: int) -> str:
    """Left-align text in width terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def main() -> int:
    with (
        postgres_server() as (server_url, _),
        scratch_database(server_url, "newsflow_bench") as url,
    ):
        server_kind = (
            "DATABASE_URL's server" if load_config().database_url else "embedded, throwaway"
        )
        migrate(url)
        start = time.perf_counter()
        load_synthetic_articles(url, ROWS, NOW)
        load_s = time.perf_counter() - start
        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW server_version")
                (version,) = cur.fetchone()  # type: ignore[misc]
                cur.execute("SELECT pg_size_pretty(pg_total_relation_size('articles'))")
                (size,) = cur.fetchone()  # type: ignore[misc]
                print(describe_machine())
                print(f"PostgreSQL {version} ({server_kind}), psycopg2 {psycopg2.__version__}")
                print(
                    f"data: {ROWS:,} generated articles (ja/zh/en, ~100 characters of body), "
                    f"articles + indexes {size}; loaded in {load_s:.1f} s"
                )
                print(f"{RUNS} timed runs per query after one warm-up; latency in ms")
                print(
                    f"{'query':38} {'text':14} {'matches':>7} {'rows':>5} {'median':>8} {'p95':>8}"
                )
                cases: list[tuple[str, str, str, dict[str, Any]]] = []
                for label, text, lang in SEARCHES:
                    params = {"query": text, "lang": lang, "since": None, "lim": 20}
                    cases.append((label, text, query("search_articles"), params))
                end = NOW.date()
                days = {"start": end - timedelta(days=30), "end": end}
                cases.append(("daily counts, 30 days", "", query("daily_counts_between"), days))
                cases.append(("recent articles (7 days)", "", query("recent_articles"), {}))
                for label, text, statement, params in cases:
                    matches = _matches(cur, text, params.get("lang")) if text else ""
                    samples, rows = _time(cur, statement, params)
                    print(
                        f"{label:38} {_pad(text, 14)} {matches:>7} {rows:5d} "
                        f"{statistics.median(samples):8.1f} {_p95(samples):8.1f}"
                    )
        finally:
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
