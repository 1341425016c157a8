"""CPU time of extract() per page over real pages: the slowest ones, against the per-page budget.

Every ``*.html`` under each directory given (default: tests/corpus) is extracted once. Its URL
comes from the sibling ``.json`` (``url``: our corpora and the shared one), or from an
``evaldata.json`` next to the pages' folder (trafilatura's evaluation set: ``{url: {"file":
…}}``), else none. The five slowest pages are extracted three more times and their least CPU
time kept, which steadies figures on a shared machine. Prints pages, mean, p99 and max ms of CPU
per page, the five slowest, and the load's budget (``crawler.load.pool.PAGE_CPU_SECONDS``). It
measures; it asserts nothing. Run:
``PYTHONPATH=. .venv/bin/python benchmarks/bench_extract_cpu.py tests/corpus DIR…``
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from crawler.extract import extract
from crawler.load.pool import PAGE_CPU_SECONDS

SLOWEST = 5
REPEAT = 3


def _pages(root: Path) -> list[tuple[Path, str]]:
    urls: dict[str, str] = {}
    for evaldata in (root / "evaldata.json", root.parent / "evaldata.json"):
        if evaldata.is_file():
            entries = json.loads(evaldata.read_text(encoding="utf-8"))
            urls.update({entry["file"]: url for url, entry in entries.items()})
    pages = []
    for path in sorted(root.rglob("*.html")):
        gold = path.with_suffix(".json")
        url = urls.get(path.name, "")
        if gold.is_file():
            url = json.loads(gold.read_text(encoding="utf-8")).get("url") or url
        pages.append((path, url))
    return pages


def _cpu_ms(path: Path, url: str) -> float:
    html = path.read_bytes()
    start = time.process_time()
    extract(html, url)
    return 1000 * (time.process_time() - start)


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)  # hostile pages log their parse errors
    roots = [Path(arg) for arg in argv] or [Path("tests/corpus")]
    pages = [page for root in roots for page in _pages(root)]
    if not pages:
        raise SystemExit(f"no *.html under {', '.join(map(str, roots))}")
    _cpu_ms(*pages[0])  # warm-up: first-call imports and caches
    times = {path: _cpu_ms(path, url) for path, url in pages}
    urls = dict(pages)
    slowest = sorted(times, key=times.__getitem__, reverse=True)[:SLOWEST]
    for path in slowest:
        times[path] = min(times[path], *(_cpu_ms(path, urls[path]) for _ in range(REPEAT)))
    values = sorted(times.values())
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"corpora: {', '.join(map(str, roots))}")
    print(
        f"pages {len(values)}: mean {statistics.fmean(values):.1f} ms CPU,"
        f" p99 {values[int(0.99 * (len(values) - 1))]:.1f} ms, max {values[-1]:.1f} ms;"
        f" budget {PAGE_CPU_SECONDS * 1000:.0f} ms"
    )
    for path in sorted(slowest, key=times.__getitem__, reverse=True):
        print(f"{times[path]:8.1f} ms  {path} ({path.stat().st_size / 1000:.0f} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
