"""Data-quality checks: each ``sql/checks/*.sql`` is a SELECT of failing rows; zero rows = pass."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.db import sql_dir, transaction

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


def run_checks(
    database_url: str, source: str, run_id: str, *, connections: int = 2
) -> list[CheckResult]:
    """Run every check for one source's run, in name order; ``connections`` checks at a time
    (each check is one query, and the text-scanning ones take most of the time)."""
    params = {"source": source, "run_id": run_id}

    def run_one(path: Path) -> CheckResult:
        with transaction(database_url) as conn, conn.cursor() as cur:
            cur.execute(path.read_text(encoding="utf-8"), params)
            rows = cur.fetchall()
        return CheckResult(path.stem, len(rows), tuple(tuple(r) for r in rows[:_SAMPLE]))

    with ThreadPoolExecutor(connections, thread_name_prefix="check") as pool:
        return list(pool.map(run_one, check_files()))
