"""End-to-end crawl benchmark: newsflow side by side with a plain Scrapy + trafilatura + psycopg2
pipeline, on one generated news site on 127.0.0.1, in one run.

For a site of N articles (2,000 by default; ``--articles 10000`` for the large one), ``--repeat``
times (3 by default), each time on fresh databases and in alternating order (newsflow first in
odd rounds, the baseline first in even ones: the machine's speed drifts by up to ±25 % within
minutes, and neither should always get the quieter half):

- ``newsflow run`` from scratch (crawl, extraction overlapping it on all cores, load),
- ``benchmarks/baseline_pipeline.py``: a ``SitemapSpider``, ``trafilatura.extract`` with its
  defaults in an item pipeline, psycopg2 ``execute_values`` with a commit per batch,

and prints for both: wall seconds, pages/s, peak RSS, CPU seconds of the pipeline's own processes
and of PostgreSQL and the site server over the run; then the medians side by side and the median
ratio of the rounds' pages/s (newsflow / baseline). Also the seconds of newsflow's second,
no-change run of the site, its CPU per page by role (crawl child, extraction workers, loader,
PostgreSQL, site), and, for information only, pages/s of ``crawler.extract.extract`` alone over
``--extract-sample`` pages of the site on all cores (0 skips it).

Peak RSS is summed over the pipeline's process and all its children, sampled every 50 ms; the
site server and PostgreSQL are not counted. The list of children is refreshed every 0.5 s, not at
every sample: finding them scans all of /proc (~2 ms), which every 50 ms took ~4 % of a core from
the run measured.

The site runs in its own process (``python -m tools.generated_site``), the database is an
embedded PostgreSQL in a temporary directory unless ``DATABASE_URL`` is set (then fresh
databases are created on that server, and dropped). Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import psutil
import psycopg2
import yaml

from benchmarks.pg import postgres_server

ROOT = Path(__file__).resolve().parents[1]
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
_SAMPLE_EVERY = 0.05  # seconds between RSS and CPU samples of the run's processes
_SCAN_EVERY = 0.5  # seconds between looks for new child processes (a scan of /proc)


def _extract_one(job: tuple[bytes, str]) -> bool:
    from crawler.extract import extract
    from crawler.models import Article

    return isinstance(extract(job[0], job[1]), Article)


def _time_extraction(
    pool: ProcessPoolExecutor, pages: list[tuple[bytes, str]]
) -> tuple[float, int]:
    """Seconds to extract ``pages`` in ``pool``, and how many were articles."""
    start = time.perf_counter()
    ok = sum(pool.map(_extract_one, pages, chunksize=4))
    return time.perf_counter() - start, ok


def _role(p: psutil.Process) -> str:
    """Which part of a pipeline a process of the ``newsflow run`` tree (or the baseline) is."""
    cmdline = " ".join(p.cmdline())
    if "baseline_pipeline" in cmdline:
        return "baseline"
    if "crawler.fetch.process" in cmdline:
        return "crawl child"
    if "multiprocessing" in cmdline:
        return "extraction workers"
    return "newsflow (load)"


def _cpu(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system


def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, dict[str, float]]:
    """Wall seconds, peak tree RSS (bytes), stdout and CPU seconds by role of one command."""
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    proc = psutil.Process(child.pid)
    peak = 0
    cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds at the last sample)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        tree: list[psutil.Process] = []
        scanned = 0.0
        while not done.is_set():
            if time.monotonic() - scanned >= _SCAN_EVERY:
                try:
                    tree = [proc, *proc.children(recursive=True)]
                except psutil.NoSuchProcess:
                    return
                scanned = time.monotonic()
            rss = 0
            for p in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                    rss += p.memory_info().rss
                    role = cpu[p.pid][0] if p.pid in cpu else _role(p)
                    cpu[p.pid] = (role, _cpu(p))
            peak = max(peak, rss)
            done.wait(_SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"{cmd} failed ({child.returncode}):\n{out}\n{err[-3000:]}")
    by_role: dict[str, float] = {}
    for role, seconds in cpu.values():  # up to the last sample: at most 50 ms short per process
        by_role[role] = by_role.get(role, 0.0) + seconds
    return elapsed, peak, out, by_role


def _postgres_cpu(pgdata: Path | None) -> float:
    """CPU seconds of the embedded PostgreSQL so far: the postmaster, its live children and the
    children it has reaped (ended backends)."""
    if pgdata is None:
        return 0.0
    for p in psutil.process_iter(["name", "cmdline"]):
        cmdline = p.info["cmdline"] or []
        if p.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline):
            with contextlib.suppress(psutil.NoSuchProcess):
                if p.parent() is not None and p.parent().name() == "postgres":
                    continue
                t = p.cpu_times()
                live = sum(_cpu(c) for c in p.children())
                return t.user + t.system + t.children_user + t.children_system + live
    return 0.0


def _sources_file(path: Path, base_url: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": "bench",
                        "language": "en",
                        "allowed_domains": ["127.0.0.1"],
                        "sitemaps": [f"{base_url}/sitemap.xml"],
                        "article_url_pattern": r"/news/\d+\.html$",
                        "download_delay": 0,  # our own server: no politeness needed
                        "concurrency": 16,
                        "allow_private_networks": True,
                    }
                ]
            }
        )
    )
    return path


BASELINE = str(ROOT / "benchmarks" / "baseline_pipeline.py")
_PIPELINES = ("newsflow", "baseline")
_COUNT = {
    "newsflow": "SELECT count(*) FROM articles",
    "baseline": "SELECT count(*) FROM baseline_articles",
}


@dataclass
class Run:
    """One from-scratch run of one pipeline."""

    wall: float  # seconds
    rss: int  # peak bytes of its process tree
    cpu: dict[str, float]  # CPU seconds by role, with "postgres" and "site server"
    stored: int  # rows it stored

    def own_cpu(self) -> float:
        return sum(v for k, v in self.cpu.items() if k not in ("postgres", "site server"))


def _count(url: str, pipeline: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(_COUNT[pipeline])
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def _extraction_alone(base_url: str, articles: int, sample: int) -> str:
    """Informative: pages/s of ``extract()`` alone over ``sample`` pages of the site, all cores."""
    pages = [
        (urllib.request.urlopen(f"{base_url}/news/{i}.html").read(), f"{base_url}/news/{i}.html")
        # spread evenly over the whole site: the same mix of pages as the crawl
        for i in sorted({k * articles // sample for k in range(sample)})
    ]
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_extract_one, pages[:workers]))  # import trafilatura in every worker
        seconds, ok = _time_extraction(pool, pages)
    return (
        f"extraction alone (information, not a target): {len(pages) / seconds:.1f} pages/s over "
        f"{len(pages)} pages ({ok} articles) in {workers} processes, before the runs"
    )


def bench(articles: int, extract_sample: int, repeat: int) -> None:
    from crawler.db.scratch import create_database, drop_database

    with (
        tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp_name,
        postgres_server() as (server_url, pgdata),
    ):
        tmp = Path(tmp_name)
        site = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tools.generated_site",
                "--articles",
                str(articles),
                "--prerender",  # the site's own CPU is not ours: render before timing
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        runs: dict[str, list[Run]] = {name: [] for name in _PIPELINES}
        try:
            assert site.stdout is not None
            base_url = site.stdout.readline().strip()
            sources = _sources_file(tmp / "sources.yaml", base_url)
            commands = {
                "newsflow": [NEWSFLOW, "run", "--sources", str(sources)],
                "baseline": [
                    sys.executable,
                    BASELINE,
                    "--sitemap",
                    f"{base_url}/sitemap.xml",
                    "--concurrency",
                    "16",  # as the newsflow source's `concurrency`
                ],
            }
            load = os.getloadavg()
            server = psutil.Process(site.pid)
            alone = _extraction_alone(base_url, articles, extract_sample) if extract_sample else ""
            for n in range(repeat):
                for pipeline in _PIPELINES if n % 2 == 0 else _PIPELINES[::-1]:
                    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
                    url = create_database(server_url, name)
                    env = {**os.environ, "DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp / "home")}
                    cmd = commands[pipeline]
                    if pipeline == "newsflow":
                        subprocess.run(
                            [NEWSFLOW, "db", "migrate"], env=env, check=True, capture_output=True
                        )
                    else:
                        cmd = [*cmd, "--database-url", url]
                    before = (_cpu(server), _postgres_cpu(pgdata))
                    wall, rss, out, cpu = _run_measured(cmd, env)
                    time.sleep(0.5)  # ended backends are reaped by the postmaster
                    cpu["site server"] = _cpu(server) - before[0]
                    if pgdata is not None:
                        cpu["postgres"] = _postgres_cpu(pgdata) - before[1]
                    runs[pipeline].append(Run(wall, rss, cpu, _count(url, pipeline)))
                    if pipeline == "newsflow" and n == 0:
                        rerun_s, rerun_rss, rerun_out, rerun_cpu = _run_measured(cmd, env)
                        newsflow_out = out + rerun_out
                    drop_database(server_url, name)
        finally:
            if site.stdin:
                site.stdin.close()
            site.wait(timeout=10)
    _report(articles, repeat, load, runs, (rerun_s, rerun_rss, sum(rerun_cpu.values())), alone)
    for line in newsflow_out.splitlines():
        if line.startswith("bench"):
            print("  newsflow:", line)


def _report(
    articles: int,
    repeat: int,
    load: tuple[float, float, float],
    runs: dict[str, list[Run]],
    rerun: tuple[float, int, float],
    alone: str,
) -> None:
    cores = os.cpu_count() or 1
    print(
        f"site: {articles} articles; {cores} cores; load average before: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {repeat} round(s), order alternating"
    )
    for n in range(repeat):
        for pipeline in _PIPELINES if n % 2 == 0 else _PIPELINES[::-1]:
            r = runs[pipeline][n]
            print(
                f"round {n + 1} {pipeline:8}: {r.wall:6.1f} s {articles / r.wall:6.1f} pages/s  "
                f"peak RSS {r.rss / 2**20:4.0f} MB  CPU {r.own_cpu():5.1f} s own + "
                f"{r.cpu.get('postgres', 0.0):4.1f} s PostgreSQL  stored {r.stored}"
            )

    def median(pipeline: str, figure: Callable[[Run], float]) -> float:
        return statistics.median(figure(r) for r in runs[pipeline])

    rows: list[tuple[str, Callable[[Run], float], str]] = [
        ("pages/s", lambda r: articles / r.wall, "{:10.1f}"),
        ("wall time, s", lambda r: r.wall, "{:10.1f}"),
        ("peak RSS, MB", lambda r: r.rss / 2**20, "{:10.0f}"),
        ("CPU s, own processes", Run.own_cpu, "{:10.1f}"),
        ("CPU s, PostgreSQL", lambda r: r.cpu.get("postgres", 0.0), "{:10.1f}"),
        ("CPU s, site server", lambda r: r.cpu["site server"], "{:10.1f}"),
        ("CPU ms per page, all", lambda r: sum(r.cpu.values()) * 1000 / articles, "{:10.1f}"),
        ("rows stored", lambda r: r.stored, "{:10.0f}"),
    ]
    print(f"median of {repeat} run(s) each       newsflow   baseline")
    for label, figure, fmt in rows:
        print(
            f"  {label:30}"
            + "".join(fmt.format(median(pipeline, figure)) for pipeline in _PIPELINES)
        )
    # pages/s of newsflow over the baseline's, round by round: the inverse ratio of their walls
    ratios = [b.wall / a.wall for a, b in zip(runs["newsflow"], runs["baseline"], strict=True)]
    print(
        f"newsflow / baseline pages/s: median {statistics.median(ratios):.2f}x of {len(ratios)} "
        f"round(s) (" + ", ".join(f"{x:.2f}" for x in ratios) + ")"
    )
    print(
        f"newsflow no-change rerun: {rerun[0]:.1f} s, peak RSS {rerun[1] / 2**20:.0f} MB, "
        f"CPU {rerun[2]:.1f} s own (a source's fixed cost: startup, sitemap, checks)"
    )
    first = runs["newsflow"][0]
    print(
        "newsflow round 1, CPU ms per page: "
        + ", ".join(
            f"{role} {seconds * 1000 / articles:.1f}"
            for role, seconds in sorted(first.cpu.items(), key=lambda kv: -kv[1])
        )
    )
    if alone:
        print(alone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--articles",
        type=int,
        nargs="*",
        default=[2000],
        help="site sizes to run (default 2000; e.g. --articles 2000 10000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds per size, each a from-scratch run of both pipelines (default 3)",
    )
    parser.add_argument(
        "--extract-sample",
        type=int,
        default=500,
        help="pages for the informative extraction-alone figure (default 500; 0 skips it)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for n in args.articles:
        bench(n, args.extract_sample, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
