"""Source health for operators: the rows of the Sources page, as JSON and as an HTML page.

The rows are ``news.source_health`` (one per source, sql/README.md), read as ``newsflow_reader``:
the page sees what a consumer may see and nothing more. :func:`render_page` draws them as one
self-contained HTML table (inline CSS and SVG, no script): the Airflow plugin
(:mod:`crawler.tasks.plugin`) serves it inside Airflow's UI, and it needs Airflow for nothing else.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import psycopg2

from crawler.db import query, transaction
from crawler.errors import NewsflowError

LOGGER = logging.getLogger(__name__)

READER_ROLE = "newsflow_reader"
# The task of news_ingest's `source` group (dags/news_ingest.py) a run's status points at: where a
# run failed or stopped, or its checks for a run that loaded.
TASK_BY_STATUS = {
    "running": "source.crawl",
    "failed": "source.crawl",
    "crawled": "source.load",
    "succeeded": "source.check",
}


class HealthReadError(NewsflowError):
    """The news database cannot be read as ``newsflow_reader`` (connection or role missing)."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One row of ``news.source_health`` (the same names, in the same order)."""

    source: str
    enabled: bool
    last_run_id: str | None
    last_run_status: str | None
    last_run_started_at: datetime | None
    last_run_finished_at: datetime | None
    last_run_message: str | None
    last_run_errors: int | None
    last_run_errors_by_class: Mapping[str, int] | None
    last_run_labels: Mapping[str, int] | None
    last_run_dag_id: str | None
    last_run_map_index: int | None
    last_success_at: datetime | None
    articles_per_day: Sequence[int]
    checked_run_id: str | None
    checked_at: datetime | None
    failing_checks: Sequence[Mapping[str, Any]]
    repairable_alarm_days: Sequence[date]

    @property
    def task_path(self) -> str | None:
        """The Airflow UI path (relative to its base URL) of the last run's task instance."""
        task = TASK_BY_STATUS.get(self.last_run_status or "")
        if (
            not (self.last_run_dag_id and self.last_run_id and task)
            or self.last_run_map_index is None
        ):
            return None  # a run of the command line
        return (
            f"dags/{quote(self.last_run_dag_id, safe='')}/runs/{quote(self.last_run_id, safe='')}"
            f"/tasks/{task}/mapped/{self.last_run_map_index}"
        )

    @property
    def reextract_command(self) -> str | None:
        """The command that repairs the days listed in ``repairable_alarm_days``."""
        if not self.repairable_alarm_days:
            return None
        return (
            f"newsflow reextract --source {self.source} --since {min(self.repairable_alarm_days)}"
        )

    @property
    def state(self) -> str:
        """``never run``, ``running``, ``failed`` (the last run), ``alarm`` (checks fail) or ``ok``."""
        if self.last_run_status is None:
            return "never run"
        if self.last_run_status == "failed":
            return "failed"
        if self.failing_checks:
            return "alarm"
        return "running" if self.last_run_status in ("running", "crawled") else "ok"

    def to_json(self, today: date) -> dict[str, Any]:
        """The row for the JSON endpoint: dates as ISO 8601, the chart's days named."""
        first = today - timedelta(days=len(self.articles_per_day) - 1)
        return {
            "source": self.source,
            "enabled": self.enabled,
            "state": self.state,
            "last_run": None
            if self.last_run_id is None
            else {
                "run_id": self.last_run_id,
                "status": self.last_run_status,
                "started_at": _iso(self.last_run_started_at),
                "finished_at": _iso(self.last_run_finished_at),
                "message": self.last_run_message,
                "errors": self.last_run_errors,
                "errors_by_class": dict(self.last_run_errors_by_class or {}),
                "labels": dict(self.last_run_labels or {}),
                "task_path": self.task_path,
            },
            "last_success_at": _iso(self.last_success_at),
            "articles_per_day": [
                {"day": (first + timedelta(days=n)).isoformat(), "articles": count}
                for n, count in enumerate(self.articles_per_day)
            ],
            "checks": {
                "run_id": self.checked_run_id,
                "checked_at": _iso(self.checked_at),
                "failing": list(self.failing_checks),
            },
            "reextract": None
            if self.reextract_command is None
            else {
                "days": [d.isoformat() for d in self.repairable_alarm_days],
                "command": self.reextract_command,
            },
        }


_COLUMNS = tuple(f.name for f in fields(SourceHealth))


def read_source_health(database_url: str) -> tuple[date, list[SourceHealth]]:
    """Today's UTC date (the database's) and every source's row, read as ``newsflow_reader``.

    The connection's own role may be the reader itself or one that may ``SET ROLE`` to it (the
    database owner of a local setup); any other fails with :class:`HealthReadError`.
    """
    try:
        with transaction(database_url) as conn, conn.cursor() as cur:
            cur.execute(query("read_as_reader"))
            cur.execute(query("source_health"))
            names = tuple(c.name for c in cur.description or ())
            rows = cur.fetchall()
    except psycopg2.Error as exc:
        raise HealthReadError(
            f"cannot read news.source_health as {READER_ROLE}: {str(exc).strip()}"
        ) from exc
    if names[1:] != _COLUMNS:
        raise HealthReadError(f"news.source_health has columns {names[1:]}, expected {_COLUMNS}")
    today = rows[0][0] if rows else datetime.now(UTC).date()
    return today, [SourceHealth(*row[1:]) for row in rows]


def health_json(today: date, rows: Sequence[SourceHealth]) -> dict[str, Any]:
    """The JSON endpoint's document."""
    return {"today": today.isoformat(), "sources": [r.to_json(today) for r in rows]}


# HTML ---------------------------------------------------------------------------------------------

_CHART_BAR = 4  # px per day
_CHART_HEIGHT = 28
_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #1a202c; }
h1 { font-size: 20px; margin: 0 0 4px; } p.summary { color: #4a5568; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }
th { font-weight: 600; background: #f7fafc; position: sticky; top: 0; }
td.state { font-weight: 600; white-space: nowrap; }
tr[data-state="ok"] td.state { color: #2f855a; }
tr[data-state="failed"] td.state, tr[data-state="alarm"] td.state { color: #c53030; }
tr[data-state="running"] td.state { color: #2b6cb0; }
tr[data-state="never run"] td.state { color: #718096; }
small, .muted { color: #718096; } code { font-size: 12px; background: #edf2f7; padding: 1px 4px; }
ul { margin: 0; padding-left: 16px; } svg { display: block; }
"""


def render_page(today: date, rows: Sequence[SourceHealth]) -> str:
    """The Sources page: one table row per source."""
    failing = sum(r.state in ("failed", "alarm") for r in rows)
    body = "\n".join(_row(today, r) for r in rows) or (
        '<tr><td colspan="9" class="muted">No source has run yet.</td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sources · newsflow</title>
<style>{_STYLE}</style></head><body>
<h1>Sources</h1>
<p class="summary">{len(rows)} source(s), {failing} failing · {today.isoformat()} (UTC) ·
<a href="sources.json">JSON</a></p>
<table id="sources">
<thead><tr><th>Source</th><th>State</th><th>Last run</th><th>Last success</th>
<th>Articles per day (30 days)</th><th>Errors (last run)</th><th>Labels (last run)</th>
<th>Failing checks</th><th>Re-extract</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


def _row(today: date, r: SourceHealth) -> str:
    e = html.escape
    if r.last_run_id is None:
        last_run = '<span class="muted">never</span>'
    else:
        when = _when(r.last_run_started_at)
        link = (
            f' <a href="../{e(r.task_path)}" target="_top">task&nbsp;↗</a>' if r.task_path else ""
        )
        message = f"<br><small>{e(r.last_run_message)}</small>" if r.last_run_message else ""
        last_run = f"{e(r.last_run_status or '')} · {when}{link}<br><small>{e(r.last_run_id)}</small>{message}"
    errors = _counts(r.last_run_errors_by_class)
    labels = _counts(r.last_run_labels)
    checks = (
        "<ul>" + "".join(f"<li>{_check(c)}</li>" for c in r.failing_checks) + "</ul>"
        if r.failing_checks
        else '<span class="muted">none</span>'
    )
    reextract = (
        f"{', '.join(d.isoformat() for d in r.repairable_alarm_days)}"
        f"<br><code>{e(r.reextract_command)}</code>"
        if r.reextract_command
        else '<span class="muted">—</span>'
    )
    disabled = " <small>(disabled)</small>" if not r.enabled else ""
    return (
        f'<tr data-source="{e(r.source)}" data-state="{e(r.state)}">'
        f"<td><strong>{e(r.source)}</strong>{disabled}</td>"
        f'<td class="state">{e(r.state)}</td>'
        f"<td>{last_run}</td>"
        f"<td>{_when(r.last_success_at)}</td>"
        f"<td>{_chart(today, r)}</td>"
        f"<td>{errors}</td><td>{labels}</td><td>{checks}</td><td>{reextract}</td></tr>"
    )


def _check(check: Mapping[str, Any]) -> str:
    """A failing check: its name, its first row's message (the drift checks have one), and
    whether re-extraction may repair it."""
    sample = check.get("sample") or []
    first = sample[0] if sample else {}
    detail = first.get("message") if isinstance(first, Mapping) else None
    text = html.escape(str(check.get("check")))
    repair = " <small>(re-extract)</small>" if check.get("repairable") else ""
    rows = f" · {int(check.get('failing') or 0)} row(s)"
    return f"{text}{repair}{rows}" + (
        f"<br><small>{html.escape(str(detail))}</small>" if detail else ""
    )


def _chart(today: date, r: SourceHealth) -> str:
    """An inline SVG bar chart of the articles per day, the alarm days in red."""
    counts = list(r.articles_per_day)
    top = max(counts, default=0) or 1
    first = today - timedelta(days=len(counts) - 1)
    alarms = set(r.repairable_alarm_days)
    bars = []
    for n, count in enumerate(counts):
        day = first + timedelta(days=n)
        height = max(1, round(count / top * (_CHART_HEIGHT - 2))) if count else 1
        colour = "#c53030" if day in alarms else ("#4a5568" if count else "#cbd5e0")
        bars.append(
            f'<rect x="{n * _CHART_BAR}" y="{_CHART_HEIGHT - height}" width="{_CHART_BAR - 1}"'
            f' height="{height}" fill="{colour}"><title>{day.isoformat()}: {count}</title></rect>'
        )
    width = _CHART_BAR * len(counts)
    total = sum(counts)
    return (
        f'<svg width="{width}" height="{_CHART_HEIGHT}" viewBox="0 0 {width} {_CHART_HEIGHT}"'
        f' role="img" aria-label="{total} articles in {len(counts)} days">{"".join(bars)}</svg>'
        f"<small>{total} in {len(counts)} days, {counts[-1] if counts else 0} today</small>"
    )


def _counts(counts: Mapping[str, int] | None) -> str:
    if not counts:
        return '<span class="muted">—</span>'
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "<br>".join(f"{html.escape(k)}&nbsp;{int(v)}" for k, v in ordered)


def _when(value: datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
