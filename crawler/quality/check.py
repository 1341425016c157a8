"""Data-quality checks: each ``sql/checks/*.sql`` is a SELECT of failing rows; zero rows = pass.

Every check gets the same parameters (:func:`check_params`): the source and run, the source's
drift thresholds (``drift_*``, from the sources file); whether a body leaks a headline list is
the database's one definition, ``newsflow_leak_reason`` (migration 0012). The
outcome of a run's checks is recorded in ``check_runs`` (:func:`record_checks`), which the Sources
page reads; :func:`recheck_repaired` checks runs again after ``newsflow reextract``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from crawler.db import query, sql_dir, transaction
from crawler.sources import DriftThresholds

LOGGER = logging.getLogger(__name__)
_SAMPLE = 5  # failing rows shown per check

# Checks whose failure extraction causes, so that re-extracting the stored pages after a fix of
# the extraction rules can repair it (`newsflow reextract`, docs/operations.md).
REPAIRABLE_BY_REEXTRACTION = frozenset(
    {
        "articles_boilerplate_leak",
        "articles_without_body",
        "drift_body_length",
        "drift_leak_rate",
        "drift_metadata",
    }
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: its name, how many rows failed, and a few of them."""

    name: str
    failing: int
    sample: tuple[tuple[Any, ...], ...]
    columns: tuple[str, ...] = ()  # of the sample's rows

    @property
    def passed(self) -> bool:
        return self.failing == 0

    @property
    def repairable(self) -> bool:
        """Whether re-extraction may repair it (:data:`REPAIRABLE_BY_REEXTRACTION`)."""
        return self.name in REPAIRABLE_BY_REEXTRACTION

    def describe(self) -> str:
        """``name: N failing row(s): row; row`` with each row's values as an operator reads them
        (times in ISO 8601, text unquoted), not as Python's reprs."""
        rows = "; ".join(", ".join(map(_text, r)) for r in self.sample)
        return f"{self.name}: {self.failing} failing row(s){': ' + rows if rows else ''}"


def check_files() -> list[Path]:
    """Every check, in name order."""
    return sorted((sql_dir() / "checks").glob("*.sql"))


def check_params(source: str, run_id: str, drift: DriftThresholds | None = None) -> dict[str, Any]:
    """The parameters of every check for one source's run (default thresholds if none given)."""
    thresholds = dataclasses.asdict(drift or DriftThresholds())
    return {
        "source": source,
        "run_id": run_id,
        **{f"drift_{key}": value for key, value in thresholds.items()},
    }


def run_checks(
    database_url: str,
    source: str,
    run_id: str,
    *,
    drift: DriftThresholds | None = None,
    connections: int = 2,
) -> list[CheckResult]:
    """Run every check for one source's run, in name order; ``connections`` checks at a time
    (each check is one query, and the text-scanning ones take most of the time)."""
    params = check_params(source, run_id, drift)

    def run_one(path: Path) -> CheckResult:
        with transaction(database_url) as conn, conn.cursor() as cur:
            cur.execute(path.read_text(encoding="utf-8"), params)
            rows = cur.fetchall()
            columns = tuple(c.name for c in cur.description or ())
        return CheckResult(path.stem, len(rows), tuple(tuple(r) for r in rows[:_SAMPLE]), columns)

    with ThreadPoolExecutor(connections, thread_name_prefix="check") as pool:
        return list(pool.map(run_one, check_files()))


def record_checks(
    database_url: str, source: str, run_id: str, results: Sequence[CheckResult]
) -> None:
    """Store the outcome of a run's checks in ``check_runs`` (replacing an earlier one)."""
    failed = [
        {
            "check": r.name,
            "failing": r.failing,
            "repairable": r.repairable,
            "sample": [dict(zip(r.columns, row, strict=False)) for row in r.sample],
        }
        for r in results
        if not r.passed
    ]
    with transaction(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            query("record_check_run"),
            {
                "source": source,
                "run_id": run_id,
                "checked_at": datetime.now(UTC),
                "checks": len(results),
                "failed": json.dumps(failed, default=_json_value, ensure_ascii=False),
                "repairable": any(r.repairable for r in results if not r.passed),
            },
        )


def _text(value: Any) -> str:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return "-" if value is None else str(value)


def _json_value(value: Any) -> Any:
    """A failing row's value as JSON: numbers stay numbers, times ISO 8601, the rest text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


def recheck_repaired(
    database_url: str, source: str, since: date | None, drift: DriftThresholds | None = None
) -> list[tuple[str, list[CheckResult]]]:
    """Check again the source's runs (of days from ``since``) whose checks found an alarm that
    re-extraction can repair, and record the new outcome; returns each run's failed checks."""
    with transaction(database_url) as conn, conn.cursor() as cur:
        cur.execute(query("repairable_check_runs"), {"source": source, "since": since})
        run_ids = [row[0] for row in cur.fetchall()]
    out = []
    for run_id in run_ids:
        results = run_checks(database_url, source, run_id, drift=drift)
        record_checks(database_url, source, run_id, results)
        out.append((run_id, [r for r in results if not r.passed]))
    return out
