"""The benchmark's plain baseline (benchmarks/baseline_pipeline.py) still crawls, extracts and
stores: run as a child process against a generated site, as bench_crawl.py runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.db.scratch import scratch_database
from tests.helpers import query_rows
from tools.generated_site import GeneratedSite, article_text

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "baseline_pipeline.py"


def test_baseline_stores_every_article(pg_server_url: str) -> None:
    with GeneratedSite(12) as site, scratch_database(pg_server_url, "baseline") as url:
        done = subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--sitemap",
                f"{site.base_url}/sitemap.xml",
                "--database-url",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "baseline: 12 pages stored" in done.stdout, done.stderr[-3000:]
        rows = dict(query_rows(url, "SELECT url, text FROM baseline_articles"))
    assert sorted(rows) == sorted(site.article_url(i) for i in range(12))
    for i in range(12):
        _, paragraphs = article_text(i)
        assert paragraphs[0][:60] in rows[site.article_url(i)]
