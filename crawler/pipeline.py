"""One source's run, step by step: crawl → load → check, each recorded in ``crawl_runs``.

The CLI, the Airflow DAGs and ``newsflow reextract`` call the same steps; steps exchange data only
through PostgreSQL, so each may run on a different worker. The steps take their own locks
(:mod:`crawler.db.locks`): the crawl holds its domains' crawl locks and the load its source's load
lock, so runs started any way, anywhere, never crawl one site or load one source at once.

A step that fails as a whole finishes its ``crawl_runs`` row as ``failed`` with the reason (waiting
a while for a database that is restarting) and raises a :class:`~crawler.errors.NewsflowError`:
no row is left ``running``, and the next run picks up what this one could not finish.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extras import Json

from crawler.db import describe_error, is_connection_error, query, transaction
from crawler.db.locks import OnWait, domain_locks, source_load_lock
from crawler.errors import CrawlError, LoadError, NewsflowError
from crawler.fetch.process import CAP_REASONS, CrawlResult, crawl_source
from crawler.fetch.store import sync_sources
from crawler.load.articles import LoadCounts, load_pending
from crawler.models import RunCounts
from crawler.quality.check import CheckResult, record_checks, run_checks
from crawler.sources import Source

LOGGER = logging.getLogger(__name__)

RECORD_WAIT = 60.0  # seconds a step's record waits for the database (a restart takes seconds)
_RECORD_POLL = 1.0


def new_run_id(now: datetime | None = None) -> str:
    """A run id for runs started outside Airflow: ``manual__<UTC time>__<random>``."""
    now = now or datetime.now(UTC)
    return f"manual__{now:%Y%m%dT%H%M%S}__{uuid.uuid4().hex[:6]}"


def crawl_step(
    source: Source,
    *,
    sources_path: Path,
    database_url: str,
    run_id: str,
    log_file: Path | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    on_wait: OnWait | None = None,
    dag_id: str | None = None,
    map_index: int | None = None,
    stop: threading.Event | None = None,
) -> CrawlResult:
    """Fetch the source's new pages into ``raw_pages``; fails if the source yielded nothing at all.

    ``since``/``until`` (timezone-aware) restrict a backfill to candidates whose feed or sitemap
    date lies in ``[since, until)``; undated candidates are fetched anyway. Holds the crawl lock
    of each of the source's domains meanwhile; ``on_wait`` hears of a wait for one. ``dag_id`` and
    ``map_index`` name the Airflow task instance running it (the Sources page links to it). Once
    ``stop`` is set (Ctrl-C in ``newsflow run``), a crawl not yet begun fails instead of beginning,
    and a crawl running is stopped gracefully (:func:`~crawler.fetch.process.crawl_source`).
    """
    try:
        with transaction(database_url) as conn, conn.cursor() as cur:
            sync_sources(conn, [source])
            cur.execute(
                query("start_crawl_run"),
                {
                    "source": source.name,
                    "run_id": run_id,
                    "started_at": datetime.now(UTC),
                    "dag_id": dag_id,
                    "map_index": map_index,
                },
            )
    except psycopg2.Error as exc:  # no row yet: nothing to finish
        raise CrawlError(
            f"source {source.name!r}: cannot start the run: {describe_error(exc)}"
        ) from exc
    try:
        with domain_locks(
            database_url,
            source.allowed_domains,
            owner=f"newsflow crawl {source.name} {run_id}",
            on_wait=on_wait,
            stop=stop,
        ):
            if stop is not None and stop.is_set():
                raise CrawlError(f"source {source.name!r}: stopped before the crawl began")
            result = crawl_source(
                source,
                sources_path=sources_path,
                database_url=database_url,
                run_id=run_id,
                log_file=log_file,
                on_progress=on_progress,
                since=since,
                until=until,
                stop=stop,
            )
    except Exception as exc:
        error = _as_step_error(exc, f"source {source.name!r}: crawl failed", CrawlError)
        _recorded_or_logged(
            lambda: _finish_crawl(
                database_url, source, run_id, CrawlResult(), "failed", _message(error)
            )
        )
        if error is exc:
            raise
        raise error from exc
    try:
        if result.discovery_responses == 0 and result.pages_fetched == 0 and result.errors > 0:
            message = (
                f"source {source.name!r}: no feed, sitemap or listing answered, nothing fetched, "
                f"{result.errors} error(s): "
                + ", ".join(f"{k}={v}" for k, v in sorted(result.errors_by_class.items()))
            )
            _finish_crawl(database_url, source, run_id, result, "failed", message)
            raise CrawlError(message)
        cut_short = _cut_short_message(result)
        if cut_short is not None:
            LOGGER.warning("source=%s %s", source.name, cut_short)
        _finish_crawl(database_url, source, run_id, result, "crawled", cut_short)
    except psycopg2.Error as exc:  # out of reach for longer than RECORD_WAIT
        raise CrawlError(
            f"source {source.name!r}: crawled, but the run could not be recorded: {describe_error(exc)}"
        ) from exc
    LOGGER.info(
        "source=%s crawled: discovered=%d fetched=%d known_skipped=%d errors=%d %s",
        source.name,
        result.discovered,
        result.pages_fetched,
        result.known_skipped,
        result.errors,
        dict(result.errors_by_class),
    )
    return result


def _cut_short_message(result: CrawlResult) -> str | None:
    """What ``crawl_runs.message`` says of a crawl stopped before the end (by a cap), or None."""
    reason = result.cut_short
    if reason is None:
        return None
    cause = f"the source's {reason} reached" if reason in CAP_REASONS.values() else reason
    return (
        f"crawl cut short ({cause}): feed and sitemap validators not saved, "
        "the next run continues with what this one left"
    )


def _finish_crawl(
    database_url: str,
    source: Source,
    run_id: str,
    result: CrawlResult,
    status: str,
    message: str | None,
) -> None:
    params = {
        "source": source.name,
        "run_id": run_id,
        "status": status,
        "crawled_at": datetime.now(UTC),
        "pages_fetched": result.pages_fetched,
        "errors": result.errors,
        "errors_by_class": Json(result.errors_by_class),
        "labels": Json(result.labels),
        "crawl_stats": Json(result.stats, dumps=lambda o: _json_dumps(o)),
        "message": message,
        "articles_unchanged": result.known_articles_skipped + result.unchanged_articles,
    }
    _record(database_url, lambda cur: cur.execute(query("finish_crawl"), params))


def _fail_load(database_url: str, source: Source, run_id: str, message: str) -> None:
    params = {
        "source": source.name,
        "run_id": run_id,
        "finished_at": datetime.now(UTC),
        "message": message,
    }
    _record(database_url, lambda cur: cur.execute(query("fail_load"), params))


def _record(database_url: str, write: Callable[[Any], None]) -> None:
    """Run ``write(cursor)`` in a transaction of its own, waiting up to :data:`RECORD_WAIT` for
    a database out of reach: a step's outcome unrecorded would leave its run ``running``."""
    deadline = time.monotonic() + RECORD_WAIT
    while True:
        try:
            with transaction(database_url) as conn, conn.cursor() as cur:
                write(cur)
            return
        except psycopg2.Error as exc:
            if not is_connection_error(exc) or time.monotonic() >= deadline:
                raise
            LOGGER.warning("database out of reach, trying again: %s", describe_error(exc))
            time.sleep(_RECORD_POLL)


def _recorded_or_logged(record: Callable[[], None]) -> None:
    """Record a failure; if even that fails, log it and let the step's own error be raised."""
    try:
        record()
    except psycopg2.Error as exc:
        LOGGER.error("the failed run could not be recorded: %s", describe_error(exc))


def _as_step_error(exc: Exception, what: str, kind: type[NewsflowError]) -> Exception:
    """The error a failed step raises: ours as they are, a database error as ``kind`` (the CLI
    and the DAGs report those), anything else (a bug) as it is."""
    if isinstance(exc, psycopg2.Error):
        return kind(f"{what}: {describe_error(exc)}")
    return exc


def _message(error: BaseException) -> str:
    """The message recorded in ``crawl_runs`` for a failed step."""
    return str(error) if isinstance(error, NewsflowError) else describe_error(error)


def _json_dumps(obj: Any) -> str:
    import json

    return json.dumps(obj, default=str)


def load_step(
    source: Source,
    *,
    database_url: str,
    run_id: str,
    workers: int = 1,
    follow: threading.Event | None = None,
    on_wait: OnWait | None = None,
    cpu_lock: threading.Lock | None = None,
    learn_templates: bool = True,
    stop: threading.Event | None = None,
) -> RunCounts:
    """Extract the source's pending pages, upsert articles, and record the counts.

    With ``follow``, extraction keeps up with a crawl still running until the event is set
    (see :func:`crawl_and_load_step`). Holds the source's load lock meanwhile, so no other load
    extracts the same pages; ``on_wait`` hears of a wait for it. ``cpu_lock``, taken after the
    load lock (a source waiting for another run must not keep this run's other sources from
    extracting), serialises extraction between the sources of one process. ``learn_templates``: whether
    the pages count in the source's template statistics (not when they were counted before).
    ``stop`` ends a wait for the load lock (as in :func:`crawl_step`).
    """
    try:
        with (
            source_load_lock(
                database_url,
                source.name,
                owner=f"newsflow load {source.name} {run_id}",
                on_wait=on_wait,
                stop=stop,
            ),
            cpu_lock if cpu_lock is not None else contextlib.nullcontext(),
            transaction(database_url) as conn,
        ):
            counts = load_pending(
                conn,
                source,
                run_id,
                workers=workers,
                follow=follow,
                learn_templates=learn_templates,
            )
        _record(database_url, lambda cur: _finish_load(cur, source, run_id, counts))
        run = get_run_counts(database_url, source.name, run_id)
    except Exception as exc:
        error = _as_step_error(exc, f"source {source.name!r}: load failed", LoadError)
        _recorded_or_logged(lambda: _fail_load(database_url, source, run_id, _message(error)))
        if error is exc:
            raise
        raise error from exc
    LOGGER.info(
        "source=%s loaded: new=%d updated=%d unchanged=%d rejected=%d %s",
        source.name,
        run.articles_new,
        run.articles_updated,
        run.articles_unchanged,
        run.rejected,
        run.rejected_by_reason,
    )
    return run


def _finish_load(cur: Any, source: Source, run_id: str, counts: LoadCounts) -> None:
    """Add the load's counts to the run's row and finish it."""
    cur.execute(query("lock_crawl_run"), {"source": source.name, "run_id": run_id})
    row = cur.fetchone()
    if row is None:
        raise CrawlError(
            f"source {source.name!r}: no crawl_runs row for run {run_id!r}; run the crawl step first"
        )
    new, updated, unchanged, _rejected, by_reason, by_label = row
    reasons = Counter(by_reason) + counts.rejected_by_reason
    labels = Counter(by_label) + counts.labels
    cur.execute(
        query("finish_load"),
        {
            "source": source.name,
            "run_id": run_id,
            "finished_at": datetime.now(UTC),
            "articles_new": new + counts.new,
            "articles_updated": updated + counts.updated,
            "articles_unchanged": unchanged + counts.unchanged,
            "rejected": sum(reasons.values()),
            "rejected_by_reason": Json(dict(reasons)),
            "labels": Json(dict(labels)),
        },
    )


def crawl_and_load_step(
    source: Source,
    *,
    sources_path: Path,
    database_url: str,
    run_id: str,
    workers: int = 1,
    log_file: Path | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cpu_lock: threading.Lock | None = None,
    on_wait: OnWait | None = None,
    stop: threading.Event | None = None,
) -> RunCounts:
    """Crawl and load with extraction overlapping the crawl (the CLI's way; the DAG runs the
    two steps as separate tasks). The crawl runs in a thread (its work is in the child process);
    this thread extracts pages as the crawl stores them. ``cpu_lock`` serialises extraction
    between sources run in parallel; ``stop``: see :func:`crawl_step`. Raises the crawl's
    :class:`CrawlError` after loading whatever it stored."""
    crawl_done = threading.Event()
    failure: list[BaseException] = []

    def crawl() -> None:
        try:
            crawl_step(
                source,
                sources_path=sources_path,
                database_url=database_url,
                run_id=run_id,
                log_file=log_file,
                on_progress=on_progress,
                since=since,
                until=until,
                on_wait=on_wait,
                stop=stop,
            )
        except BaseException as exc:  # re-raised in the calling thread below
            failure.append(exc)
        finally:
            crawl_done.set()

    thread = threading.Thread(target=crawl, name=f"crawl-{source.name}", daemon=True)
    thread.start()
    try:
        counts = load_step(
            source,
            database_url=database_url,
            run_id=run_id,
            workers=workers,
            follow=crawl_done,
            on_wait=on_wait,
            cpu_lock=cpu_lock,
            stop=stop,
        )
    except Exception as exc:
        thread.join()
        # The crawl may have ended after the load failed, recording the run as crawled: it
        # failed, and the crawl's error (if any) explains the load's.
        cause = failure[0] if failure else exc
        _recorded_or_logged(lambda: _fail_load(database_url, source, run_id, _message(cause)))
        if failure and isinstance(exc, NewsflowError):
            raise failure[0] from None
        raise
    thread.join()
    if failure:
        raise failure[0]
    return counts


def check_step(source: Source, *, database_url: str, run_id: str) -> list[CheckResult]:
    """Run the data-quality checks for the source's run (with its drift thresholds) and record
    their outcome in ``check_runs``; returns the failed ones (logged)."""
    results = run_checks(database_url, source.name, run_id, drift=source.drift)
    record_checks(database_url, source.name, run_id, results)
    failed = [r for r in results if not r.passed]
    for r in failed:
        LOGGER.warning("source=%s check failed: %s", source.name, r.describe())
    if not failed:
        LOGGER.info("source=%s checks passed: %s", source.name, ", ".join(r.name for r in results))
    return failed


def get_run_counts(database_url: str, source: str, run_id: str) -> RunCounts:
    """The ``crawl_runs`` row of one source's run."""
    with transaction(database_url) as conn, conn.cursor() as cur:
        cur.execute(query("get_crawl_run"), {"source": source, "run_id": run_id})
        row = cur.fetchone()
    if row is None:
        raise CrawlError(f"source {source!r}: no crawl_runs row for run {run_id!r}")
    (
        _,
        _,
        _status,
        fetched,
        new,
        updated,
        unchanged,
        rejected,
        errors,
        by_reason,
        by_class,
        _msg,
        by_label,
    ) = row
    return RunCounts(
        source=source,
        run_id=run_id,
        pages_fetched=fetched,
        articles_new=new,
        articles_updated=updated,
        articles_unchanged=unchanged,
        rejected=rejected,
        errors=errors,
        rejected_by_reason=dict(by_reason),
        errors_by_class=dict(by_class),
        labels=dict(by_label),
    )
