"""Task bodies of news_ingest: list the due sources, then crawl, load and check each one.

Each body resolves the sources file and the news database through Airflow
(:mod:`crawler.tasks.connections`) and calls the same step as the CLI (:mod:`crawler.pipeline`).
One crawl per site and one load per source at a time is kept by the steps themselves (advisory
locks taken in :mod:`crawler.pipeline`), so it holds against CLI runs too; the ``newsflow_crawl``
pool (:mod:`crawler.tasks.defaults`) only bounds how many crawls run at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.config import load_config
from crawler.sources import Source, load_sources, select_sources
from crawler.tasks.connections import news_database_url, sources_path
from crawler.tasks.schedules import crawl_window, due

LOGGER = logging.getLogger(__name__)


def _source(name: str) -> tuple[Source, Path]:
    path = sources_path()
    (source,) = select_sources(load_sources(path), [name])
    return source, path


def list_source_names(
    data_interval_start: datetime | None = None, data_interval_end: datetime | None = None
) -> list[str]:
    """Names of the enabled sources due in the run over the given data interval (see :func:`due`).

    Fails first if the news database lacks a migration of the deployed code (no source is
    crawled on an older schema)."""
    from crawler.db.migrate import require_current_schema

    require_current_schema(news_database_url())
    path = sources_path()
    enabled = select_sources(load_sources(path), None)
    names = [s.name for s in enabled if due(s, data_interval_start, data_interval_end)]
    skipped = [s.name for s in enabled if s.name not in names]
    LOGGER.info("%d enabled source(s) due in %s: %s", len(names), path, ", ".join(names))
    if skipped:
        LOGGER.info("not due in this run (own schedule): %s", ", ".join(skipped))
    return names


def crawl(
    source_name: str,
    run_id: str,
    *,
    data_interval_start: datetime | None = None,
    data_interval_end: datetime | None = None,
    backfill: bool = False,
    dag_id: str | None = None,
    map_index: int | None = None,
) -> dict[str, Any]:
    """Crawl one source into ``raw_pages``; returns the crawl's counts (for XCom). ``dag_id`` and
    ``map_index`` name the task instance, recorded with the run for the Sources page's link.

    A backfill run crawls its data interval only (:func:`crawl_window`: candidates dated outside
    it are not fetched). Other runs crawl everything not yet stored, whatever its date: a run
    after an outage then catches up by itself, where an interval-bound run would leave a gap.
    """
    from crawler.pipeline import crawl_step

    source, path = _source(source_name)
    database_url = news_database_url()
    since, until = (
        crawl_window(source, data_interval_start, data_interval_end) if backfill else (None, None)
    )
    LOGGER.info("source=%s run_id=%s window since=%s until=%s", source_name, run_id, since, until)
    result = crawl_step(
        source,
        sources_path=path,
        database_url=database_url,
        run_id=run_id,
        since=since,
        until=until,
        dag_id=dag_id,
        map_index=map_index,
    )
    return {
        "discovered": result.discovered,
        "pages_fetched": result.pages_fetched,
        "known_skipped": result.known_skipped,
        "errors": result.errors,
        "errors_by_class": dict(result.errors_by_class),
    }


def stats_line(counts: Mapping[str, Any]) -> str:
    """One line of a source's run counts (a ``crawl_runs`` row as a dict), for the task log."""

    def by(key: str) -> str:
        detail = counts.get(key) or {}
        return f" ({', '.join(f'{k}={v}' for k, v in sorted(detail.items()))})" if detail else ""

    return (
        f"newsflow stats source={counts['source']} run_id={counts['run_id']}"
        f" fetched={counts['pages_fetched']} new={counts['articles_new']}"
        f" updated={counts['articles_updated']} unchanged={counts['articles_unchanged']}"
        f" rejected={counts['rejected']}{by('rejected_by_reason')}"
        f" errors={counts['errors']}{by('errors_by_class')}"
    )


def load(source_name: str, run_id: str) -> dict[str, Any]:
    """Extract and upsert one source's pending pages; logs and returns the run's counts."""
    from crawler.pipeline import load_step

    source, _ = _source(source_name)
    counts = load_step(
        source,
        database_url=news_database_url(),
        run_id=run_id,
        workers=load_config().extract_workers,
    )
    result = dataclasses.asdict(counts)
    LOGGER.info("%s", stats_line(result))
    return result


def check(source_name: str, run_id: str) -> None:
    """Run the data-quality checks of one source's run; fail the task (no retry) if any fails."""
    from airflow.sdk.exceptions import AirflowFailException

    from crawler.pipeline import check_step

    source, _ = _source(source_name)
    failed = check_step(source, database_url=news_database_url(), run_id=run_id)
    if failed:
        details = "; ".join(result.describe() for result in failed)
        raise AirflowFailException(
            f"source {source_name!r}: {len(failed)} check(s) failed: {details}"
        )
