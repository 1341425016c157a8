"""How long one source takes at the default politeness: the crawl's pace per site, not its CPU.

Serves a generated site of ``--articles`` pages (default 120) on 127.0.0.1 that answers each
article after ``--latency`` seconds (default 0.2, a real server's time to first byte), and runs
``newsflow run`` on it with the source's ``download_delay`` and ``concurrency`` left unset, i.e.
at ``crawler/fetch/settings.py``'s defaults (AutoThrottle, 0.25 s minimum delay, 4 requests per
site). Prints the wall time of the run and of its crawl (``crawl_runs``), and pages/s per site.
The database is a scratch one on ``DATABASE_URL``'s server if set, else on a throwaway embedded one.
Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_politeness.py``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import yaml

from benchmarks.pg import postgres_server
from crawler.db.scratch import scratch_database
from tools.generated_site import GeneratedSite

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
_CRAWL_SECONDS = "SELECT extract(epoch FROM crawled_at - started_at), pages_fetched FROM crawl_runs"


def bench(articles: int, latency: float) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-politeness-") as tmp_name,
        postgres_server() as (server_url, _),
        scratch_database(server_url, "newsflow_politeness") as url,
        GeneratedSite(articles, delay=latency) as site,
    ):
        tmp = Path(tmp_name)
        sources = tmp / "sources.yaml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "name": "polite",
                            "language": "en",
                            "allowed_domains": ["127.0.0.1"],
                            "sitemaps": [f"{site.base_url}/sitemap.xml"],
                            "article_url_pattern": r"/news/\d+\.html$",
                            "allow_private_networks": True,
                        }
                    ]
                }
            )
        )
        env = {**os.environ, "DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp / "home")}
        subprocess.run([NEWSFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
        start = time.perf_counter()
        run = subprocess.run(
            [NEWSFLOW, "run", "--sources", str(sources)], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        if run.returncode != 0:
            raise SystemExit(f"newsflow run failed ({run.returncode}):\n{run.stderr[-3000:]}")
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(_CRAWL_SECONDS)
                crawl_s, fetched = cur.fetchone()
        finally:
            conn.close()
    print(
        f"{articles} articles, {latency:.2f} s latency, default politeness: run {wall:.1f} s, "
        f"crawl {float(crawl_s):.1f} s for {fetched} pages = {fetched / float(crawl_s):.2f} "
        f"pages/s per site ({float(crawl_s) / fetched:.2f} s per page)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per article response")
    args = parser.parse_args()
    bench(args.articles, args.latency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
