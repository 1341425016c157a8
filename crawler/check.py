"""Data-quality checks: each ``sql/checks/*.sql`` is a SELECT of failing rows; zero rows = pass."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2.extensions

from crawler.db import sql_dir

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
    results = []
    with conn.cursor() as cur:
        for path in check_files():
            cur.execute(path.read_text(encoding="utf-8"), {"source": source, "run_id": run_id})
            rows = cur.fetchall()
            results.append(
                CheckResult(path.stem, len(rows), tuple(tuple(r) for r in rows[:_SAMPLE]))
            )
    conn.rollback()  # checks only read
    return results
