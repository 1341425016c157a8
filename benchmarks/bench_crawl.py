"""End-to-end crawl benchmark: a generated news site on 127.0.0.1, crawled, extracted, loaded.

Prints, for a site of N articles (2,000 by default; ``--articles 10000`` for the large one):

- pages/s of ``newsflow run`` from scratch (crawl, extraction overlapping it, load), ``--repeat``
  times (5 by default: one run's ratio moves by ±10 points with the machine), each time on a
  fresh database,
- seconds of the second, no-change run of the same site (after the first run),
- peak RSS of each run, summed over the ``newsflow`` process and all its children (the crawl
  child, the extraction workers), sampled every 50 ms; the site server and PostgreSQL are not
  counted. The list of children is refreshed every 0.5 s, not at every sample: finding them
  scans all of /proc (~2 ms), which every 50 ms took ~4 % of a core from the run measured,
- pages/s of extraction alone (``crawler.extract.extract``) over the same pages on all cores,
  timed before the first run and after every run: each run is compared with the mean of the two
  timings around it, and the median ratio is the figure (the machine's speed drifts).

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
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import psutil
import yaml

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


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def _role(p: psutil.Process) -> str:
    """Which part of the pipeline a process of the ``newsflow run`` tree is."""
    cmdline = " ".join(p.cmdline())
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


def _server(tmp: Path) -> tuple[str, object]:
    """URL of the PostgreSQL server to use (``DATABASE_URL``'s, else an embedded one in ``tmp``)."""
    server_url = os.environ.get("DATABASE_URL")
    handle: object = None
    if not server_url:
        import logging

        import pgserver

        logging.getLogger("pgserver").setLevel(logging.WARNING)
        os.environ["XDG_RUNTIME_DIR"] = str(tmp / "xdg")
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
        handle = pgserver.get_server(tmp / "pgdata", cleanup_mode="stop")
        server_url = handle.get_uri()  # type: ignore[attr-defined]
    return server_url, handle


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


def bench(articles: int, extract_sample: int, repeat: int) -> None:
    from crawler.db.scratch import create_database, drop_database

    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp_name:
        os.chmod(tmp_name, 0o755)  # pgserver runs postgres as its own user
        tmp = Path(tmp_name)
        server_url, _handle = _server(tmp)
        pgdata = None if os.environ.get("DATABASE_URL") else tmp / "pgdata"
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
        runs: list[tuple[float, int, float, float]] = []  # wall s, peak RSS, alone before/after
        try:
            assert site.stdout is not None
            base_url = site.stdout.readline().strip()
            sources = _sources_file(tmp / "sources.yaml", base_url)
            cmd = [NEWSFLOW, "run", "--sources", str(sources)]
            pages = [
                (
                    urllib.request.urlopen(f"{base_url}/news/{i}.html").read(),
                    f"{base_url}/news/{i}.html",
                )
                # spread evenly over the whole site: the same mix of pages as the crawl
                for i in sorted({k * articles // extract_sample for k in range(extract_sample)})
            ]
            workers = os.cpu_count() or 1
            load = os.getloadavg()
            server = psutil.Process(site.pid)
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                list(pool.map(_extract_one, pages[:workers]))  # import trafilatura in every worker
                # The machine's speed drifts by up to ±25 % within minutes: each from-scratch run
                # (on a fresh database) sits between two timings of extraction alone and is
                # compared with their mean; the median of the runs' ratios is the figure.
                alone, ok = _time_extraction(pool, pages)
                for n in range(repeat):
                    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
                    url = create_database(server_url, name)
                    env = {**os.environ, "DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp / "home")}
                    subprocess.run(
                        [NEWSFLOW, "db", "migrate"], env=env, check=True, capture_output=True
                    )
                    before = (_cpu(server), _postgres_cpu(pgdata))
                    first_s, first_rss, first_out, cpu = _run_measured(cmd, env)
                    time.sleep(0.5)  # ended backends are reaped by the postmaster
                    cpu["site server"] = _cpu(server) - before[0]
                    if pgdata is not None:
                        cpu["postgres"] = _postgres_cpu(pgdata) - before[1]
                    after, _ = _time_extraction(pool, pages)
                    runs.append((first_s, first_rss, alone, after))
                    if n == 0:
                        first_cpu, first_wall = cpu, first_s
                        second_s, second_rss, second_out, _ = _run_measured(cmd, env)
                        out = first_out + second_out
                    drop_database(server_url, name)
                    alone = after
        finally:
            if site.stdin:
                site.stdin.close()
            site.wait(timeout=10)
    size = sum(len(p) for p, _ in pages) / len(pages) / 1024
    print(
        f"site: {articles} articles, ~{size:.0f} KB each; {os.cpu_count()} cores; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"extraction alone over {len(pages)} of its pages ({ok} articles) in {workers} processes"
    )
    ratios = []
    for n, (wall, rss, before_s, after_s) in enumerate(runs, start=1):
        e2e = articles / wall
        alone_rate = len(pages) / ((before_s + after_s) / 2)
        ratios.append(e2e / alone_rate)
        print(
            f"run {n} from scratch (crawl+extract+load): {wall:6.1f} s {e2e:6.1f} pages/s  peak RSS "
            f"{rss / 2**20:4.0f} MB | extraction alone {len(pages) / before_s:6.1f} before, "
            f"{len(pages) / after_s:6.1f} after | ratio {e2e / alone_rate:.0%}"
        )
    print(
        f"no-change rerun:                {second_s:6.1f} s                peak RSS "
        f"{second_rss / 2**20:4.0f} MB"
    )
    print(
        f"end-to-end / extraction alone: median {statistics.median(ratios):.0%} of {len(ratios)} "
        f"run(s) (lowest {min(ratios):.0%}, highest {max(ratios):.0%})"
    )
    total = sum(first_cpu.values())
    print(
        f"CPU of run 1: {total:.1f} s over {first_wall:.1f} s wall "
        f"({total / first_wall / (os.cpu_count() or 1):.0%} of all cores); ms per page: "
        + ", ".join(
            f"{role} {seconds * 1000 / articles:.1f}"
            for role, seconds in sorted(first_cpu.items(), key=lambda kv: -kv[1])
        )
    )
    for line in out.splitlines():
        if line.startswith("bench"):
            print("  newsflow:", line)


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
        default=5,
        help="from-scratch runs per size, each between two timings of extraction alone (default 5)",
    )
    parser.add_argument(
        "--extract-sample",
        type=int,
        default=2000,
        help="pages for the extraction-alone figure, spread over the site (default 2000)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for n in args.articles:
        bench(n, args.extract_sample, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
