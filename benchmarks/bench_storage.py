"""Bytes in PostgreSQL per stored page and per article, on real news pages, and the WAL written.

Serves every ``*.html`` under the directories given (default: tests/corpus) from 127.0.0.1,
``--copies`` times each under other URLs (so the tables reach a size where per-row figures hold:
a small table is mostly empty index pages), runs ``newsflow run`` on that site into a fresh
database, then prints per table: rows, heap, TOAST, indexes and total bytes
(``pg_total_relation_size``) as left by the run and after ``VACUUM FULL``, each per row; the
compressed HTML per stored page (``raw_pages.html_compressed``: zstd, what the retention prunes)
against the page's own size; and the WAL the run wrote (``pg_current_wal_lsn`` before and after),
per page. Copies of a page are stored as separate rows: the page's canonical link names its
publisher's domain, outside the source's, so each copy keeps its own URL.

The database is a scratch one on ``DATABASE_URL``'s server if set, else on a throwaway embedded one.
Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_storage.py tests/corpus ../shared/corpus``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg2
import yaml

from benchmarks.pg import postgres_server
from crawler.db.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
TABLES = ("raw_pages", "articles", "url_discoveries")  # the ones that grow with pages

_SIZES = """
SELECT c.relname, c.reltuples::bigint,
       pg_relation_size(c.oid), pg_table_size(c.oid) - pg_relation_size(c.oid),
       pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
FROM pg_class AS c
WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
ORDER BY pg_total_relation_size(c.oid) DESC
"""
_HTML = """
SELECT count(*), sum(pg_column_size(html_compressed)),
       sum(length(html_compressed)) FILTER (WHERE length(html_compressed) > 0)
FROM raw_pages
"""


def _site(pages: list[bytes], copies: int) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 of ``pages`` as /c<copy>/<i>.html, a sitemap and robots.txt."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/sitemap.xml":
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    + "".join(
                        f"<url><loc>{base}/c{k}/{i}.html</loc></url>\n"
                        for k in range(copies)
                        for i in range(len(pages))
                    )
                    + "</urlset>\n"
                ).encode()
                self._send(200, body, "application/xml")
            elif self.path == "/robots.txt":
                self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            else:
                try:
                    _, _, number = self.path.rpartition("/")
                    self._send(200, pages[int(number.removesuffix(".html"))], "text/html")
                except (ValueError, IndexError):
                    self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)  # no charset: the page declares it
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _rows(url: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url)
    conn.autocommit = True  # VACUUM cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _print_sizes(url: str, label: str) -> None:
    print(f"{label}:")
    print(
        f"  {'table':18}{'rows':>8}{'heap B/row':>12}{'TOAST B/row':>13}{'index B/row':>13}"
        f"{'total B/row':>13}{'total MB':>10}"
    )
    for name, rows, heap, toast, index, total in _rows(url, _SIZES, (list(TABLES),)):
        n = max(rows, 1)
        print(
            f"  {name:18}{rows:8d}{heap / n:12.0f}{toast / n:13.0f}{index / n:13.0f}"
            f"{total / n:13.0f}{total / 2**20:10.1f}"
        )


def bench(dirs: list[Path], copies: int) -> None:
    pages = [p.read_bytes() for d in dirs for p in sorted(d.rglob("*.html"))]
    if not pages:
        raise SystemExit(f"no *.html under {', '.join(map(str, dirs))}")
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-storage-") as tmp_name,
        postgres_server() as (server_url, _),
        scratch_database(server_url, "newsflow_storage") as url,
    ):
        tmp = Path(tmp_name)
        server = _site(pages, copies)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        sources = tmp / "sources.yaml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "name": "storage",
                            "language": "en",  # a default only: each page's own is detected
                            "allowed_domains": ["127.0.0.1"],
                            "sitemaps": [f"{base}/sitemap.xml"],
                            "article_url_pattern": r"/c\d+/\d+\.html$",
                            "download_delay": 0,  # our own server: no politeness needed
                            "concurrency": 16,
                            "allow_private_networks": True,
                            "max_articles": len(pages) * copies,
                        }
                    ]
                }
            )
        )
        env = {**os.environ, "DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp / "home")}
        subprocess.run([NEWSFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
        (wal_before,) = _rows(url, "SELECT pg_current_wal_lsn()")[0]
        # not check=True: copies make the duplicate-rate check fail the run, as it should
        run = subprocess.run(
            [NEWSFLOW, "run", "--sources", str(sources)], env=env, capture_output=True, text=True
        )
        if run.returncode not in (0, 1):
            raise SystemExit(f"newsflow run failed ({run.returncode}):\n{run.stderr[-3000:]}")
        (wal,) = _rows(url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal_before,))[0]
        server.shutdown()
        raw_size = sum(len(p) for p in pages) / len(pages)
        stored, column, kept = _rows(url, _HTML)[0]
        (articles,) = _rows(url, "SELECT count(*) FROM articles")[0]
        print(
            f"{len(pages)} real pages from {', '.join(map(str, dirs))}, {copies} copies each: "
            f"{stored} pages stored, {articles} articles"
        )
        print(
            f"page as fetched: {raw_size / 1024:.1f} KiB mean; stored zstd HTML "
            f"(raw_pages.html_compressed): {column / stored / 1024:.1f} KiB per page "
            f"({kept / stored / raw_size:.0%} of the page)"
        )
        print(
            f"WAL written by the run: {wal / 2**20:.1f} MiB, {wal / stored / 1024:.1f} KiB per page"
        )
        _rows(url, "ANALYZE")
        _print_sizes(url, "as the run left them")
        _rows(url, "VACUUM FULL ANALYZE")
        _print_sizes(url, "after VACUUM FULL")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "dirs", nargs="*", type=Path, default=[ROOT / "tests" / "corpus"], help="page directories"
    )
    parser.add_argument(
        "--copies", type=int, default=10, help="times each page is served, under other URLs"
    )
    args = parser.parse_args()
    bench(args.dirs, args.copies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
