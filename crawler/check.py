"""Data-quality checks: each ``sql/checks/*.sql`` is a SELECT of failing rows; zero rows = pass."""

from __future__ import annotations

import logging
import queue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2.extensions

from crawler.db import connect, sql_dir

LOGGER = logging.getLogger(__name__)
_SAMPLE = 5  # failing rows shown per check


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: its name, how many rows failed, and a few of them."""

    name: str
    failing: int
    sample: tuple[tuple[Any, ...], ...]

    @property
    def passed(self) -> bool:
        return self.failing == 0

    def describe(self) -> str:
        rows = "; ".join(str(r) for r in self.sample)
        return f"{self.name}: {self.failing} failing row(s){': ' + rows if rows else ''}"


def check_files() -> list[Path]:
    """Every check, in name order."""
    return sorted((sql_dir() / "checks").glob("*.sql"))


def run_checks(conn: psycopg2.extensions.connection, source: str, run_id: str) -> list[CheckResult]:
    """Run every check for one source's run."""
    params = {"source": source, "run_id": run_id}
    with conn.cursor() as cur:
        results = [_run_check(cur, path, params) for path in check_files()]
    conn.rollback()  # checks only read
    return results


def run_checks_concurrently(
    database_url: str, source: str, run_id: str, *, connections: int = 2
) -> list[CheckResult]:
    """:func:`run_checks` on ``connections`` connections at once: each check is one query, and
    the text-scanning ones take most of the time, so two halve the wait at the end of a run."""
    params = {"source": source, "run_id": run_id}
    idle: queue.SimpleQueue[psycopg2.extensions.connection] = queue.SimpleQueue()
    opened = []
    try:
        for _ in range(connections):
            opened.append(connect(database_url))
            idle.put(opened[-1])

        def run_one(path: Path) -> CheckResult:
            conn = idle.get()
            try:
                with conn.cursor() as cur:
                    return _run_check(cur, path, params)
            finally:
                conn.rollback()  # checks only read
                idle.put(conn)

        with ThreadPoolExecutor(connections, thread_name_prefix="check") as pool:
            return list(pool.map(run_one, check_files()))
    finally:
        for conn in opened:
            conn.close()


def _run_check(cur: Any, path: Path, params: dict[str, str]) -> CheckResult:
    cur.execute(path.read_text(encoding="utf-8"), params)
    rows = cur.fetchall()
    return CheckResult(path.stem, len(rows), tuple(tuple(r) for r in rows[:_SAMPLE]))
