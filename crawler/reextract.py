"""Re-extraction: run extraction again on stored raw HTML (no network), through the load step.

After a change to :mod:`crawler.extract` or :mod:`crawler.extract.rules`, ``newsflow reextract`` (or the
``news_reextract`` DAG) queues a source's stored pages (optionally only those fetched since a
date) as pending and runs :func:`crawler.pipeline.load_step` on them: changed articles get a
revision, unchanged ones write nothing, exactly as when a revisit finds an edit. Each source's
pass is a ``crawl_runs`` row with run id ``reextract__…``. Pages lose the lines that the
source's template statistics name (:mod:`crawler.load.templates`); they are not counted in them
again, unless the source has none yet (pages loaded before the statistics existed): then this
pass counts them, and the pages it reads after its first writes already use them.

Pages whose stored HTML ``news_maintenance`` pruned (older than ``NEWSFLOW_RAW_HTML_RETENTION_DAYS``,
see :mod:`crawler.maintenance`) cannot be re-extracted: they are skipped and stay as they are
(their article, rejection and link to the article are kept), and the count is reported in the log,
the ``crawl_runs`` message, the command's output and the DAG task's return value.

Then the source's runs (of days from ``since``) whose checks raised an alarm that re-extraction
can repair (leaks, short bodies, missing metadata: :mod:`crawler.quality.check`) are checked
again, and their new outcome recorded: the Sources page stops listing the days repaired.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.db import query, transaction
from crawler.fetch.store import sync_sources
from crawler.models import RunCounts
from crawler.pipeline import load_step
from crawler.quality.check import recheck_repaired
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reextraction:
    """One source's re-extraction: the load step's counts, the pages queued for it, the pages
    skipped because their HTML was pruned, and the runs checked again with the checks that still
    fail in them."""

    counts: RunCounts
    queued: int
    skipped_pruned: int
    rechecked: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def reextract(
    database_url: str,
    sources: Sequence[Source],
    *,
    since: datetime | None = None,
    workers: int = 1,
    run_id: str | None = None,
) -> list[Reextraction]:
    """Re-extract the stored pages of each source (fetched at or after ``since``, if given)."""
    now = datetime.now(UTC)
    run_id = run_id or f"reextract__{now:%Y%m%dT%H%M%S}__{uuid.uuid4().hex[:6]}"
    results = []
    for source in sources:
        with transaction(database_url) as conn, conn.cursor() as cur:
            sync_sources(conn, [source])
            cur.execute(query("requeue_pages"), {"source": source.name, "since": since})
            ((queued, pruned),) = cur.fetchall()  # counts: always one row
            cur.execute(
                query("start_reextract_run"),
                {
                    "source": source.name,
                    "run_id": run_id,
                    "started_at": now,
                    "message": f"re-extraction of pages fetched since {since or 'ever'}: "
                    f"{queued} queued, {pruned} skipped (stored HTML pruned)",
                },
            )
        LOGGER.info(
            "source=%s re-extracting %d stored page(s); skipped %d whose HTML was pruned",
            source.name,
            queued,
            pruned,
        )
        # The pages were counted in the template statistics when they were loaded.
        counts = load_step(
            source,
            database_url=database_url,
            run_id=run_id,
            workers=workers,
            learn_templates=False,
        )
        rechecked = {
            checked_run: [r.name for r in failed]
            for checked_run, failed in recheck_repaired(
                database_url, source.name, since.date() if since else None, source.drift
            )
        }
        for checked_run, still in rechecked.items():
            LOGGER.info(
                "source=%s checked run %s again: %s",
                source.name,
                checked_run,
                "still failing: " + ", ".join(still) if still else "passes",
            )
        results.append(Reextraction(counts, queued, pruned, rechecked))
    return results


def reextract_task(source_name: str | None, since: str | None, run_id: str) -> list[dict[str, Any]]:
    """Body of the ``news_reextract`` DAG's task: the named source (or every enabled one)."""
    from crawler.config import load_config
    from crawler.sources import load_sources, select_sources
    from crawler.tasks.connections import news_database_url, sources_path

    sources = select_sources(load_sources(sources_path()), [source_name] if source_name else None)
    when = None
    if since:
        when = datetime.fromisoformat(since)
        when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    done = reextract(
        news_database_url(),
        sources,
        since=when,
        workers=load_config().extract_workers,
        run_id=f"reextract__{run_id}",
    )
    return [
        {
            **dataclasses.asdict(r.counts),
            "queued": r.queued,
            "skipped_pruned": r.skipped_pruned,
            "rechecked": r.rechecked,
        }
        for r in done
    ]
