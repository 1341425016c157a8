"""Re-extraction: run extraction again on stored raw HTML (no network), through the load step.

After a change to :mod:`crawler.extract` or :mod:`crawler.rules`, ``newsflow reextract`` (or the
``news_reextract`` DAG) queues a source's stored pages (optionally only those fetched since a
date) as pending and runs :func:`crawler.run.load_step` on them: changed articles get a
revision, unchanged ones write nothing, exactly as when a revisit finds an edit. Each source's
pass is a ``crawl_runs`` row with run id ``reextract__…``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crawler.db import query, transaction
from crawler.load import sync_sources
from crawler.models import RunCounts
from crawler.run import load_step
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)


def reextract(
    database_url: str,
    sources: Sequence[Source],
    *,
    since: datetime | None = None,
    workers: int = 1,
    run_id: str | None = None,
) -> list[RunCounts]:
    """Re-extract the stored pages of each source (fetched at or after ``since``, if given)."""
    now = datetime.now(UTC)
    run_id = run_id or f"reextract__{now:%Y%m%dT%H%M%S}__{uuid.uuid4().hex[:6]}"
    results = []
    for source in sources:
        with transaction(database_url) as conn, conn.cursor() as cur:
            sync_sources(conn, [source])
            cur.execute(
                query("start_reextract_run"),
                {
                    "source": source.name,
                    "run_id": run_id,
                    "started_at": now,
                    "message": f"re-extraction of pages fetched since {since or 'ever'}",
                },
            )
            cur.execute(query("requeue_pages"), {"source": source.name, "since": since})
            LOGGER.info("source=%s re-extracting %d stored page(s)", source.name, cur.rowcount)
        results.append(load_step(source, database_url=database_url, run_id=run_id, workers=workers))
    return results


def reextract_task(source_name: str | None, since: str | None, run_id: str) -> list[dict[str, Any]]:
    """Body of the ``news_reextract`` DAG's task: the named source (or every enabled one)."""
    import dataclasses

    from crawler.airflow_support import news_database_url, sources_path
    from crawler.config import load_config
    from crawler.sources import load_sources, select_sources

    sources = select_sources(load_sources(sources_path()), [source_name] if source_name else None)
    when = None
    if since:
        when = datetime.fromisoformat(since)
        when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    counts = reextract(
        news_database_url(),
        sources,
        since=when,
        workers=load_config().extract_workers,
        run_id=f"reextract__{run_id}",
    )
    return [dataclasses.asdict(c) for c in counts]
