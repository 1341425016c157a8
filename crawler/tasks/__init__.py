"""The DAGs' task bodies, kept out of the DAG files so that those stay wiring only.

The task functions here resolve the sources file and the news database from Airflow (the
``newsflow_sources`` Variable and the ``news_db`` connection), then call the same steps as the CLI
(:mod:`crawler.pipeline`) or the housekeeping of :mod:`crawler.maintenance`. The URL helpers and the
schedule helpers are pure and shared with :mod:`tools.airflow_local`.

The ``crawl`` task's pool, ``newsflow_crawl``, bounds how many crawls run at once across all
runs (backfill runs included). One crawl per site and one load per source at a time is not the
pool's job but the steps' own (:mod:`crawler.db.locks`, taken in :mod:`crawler.pipeline`), so it
holds against CLI runs too.

Airflow is imported inside functions only: the pure helpers work (and are tested) without it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from crawler.config import load_config
from crawler.sources import Source, load_sources, select_sources

LOGGER = logging.getLogger(__name__)

NEWS_DB_CONN_ID = "news_db"  # set it with AIRFLOW_CONN_NEWS_DB
SOURCES_VARIABLE = "newsflow_sources"  # optional path of the sources file, else NEWSFLOW_SOURCES
CRAWL_POOL = "newsflow_crawl"  # the crawl task's pool (dags/news_ingest.py names it too)
CRAWL_POOL_SLOTS = 4  # created with this many slots if missing; operators may change it in the UI

_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg")
# libpq's URI query keywords we pass through; Airflow-only extras (``cursor``, ``iam``…) are dropped
# because libpq refuses unknown keywords.
_LIBPQ_PARAMS = frozenset(
    {
        "host",
        "hostaddr",
        "port",
        "connect_timeout",
        "application_name",
        "options",
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "sslpassword",
        "sslnegotiation",
        "gssencmode",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "channel_binding",
        "passfile",
    }
)


# --- URL conversions (pure) -----------------------------------------------------------------


def libpq_url(airflow_uri: str) -> str:
    """Turn an Airflow connection URI into a libpq URL that psycopg2 accepts.

    Airflow writes a unix-socket directory as a URL-encoded host
    (``postgres://user@%2Ftmp%2Fsock/db``); libpq wants it as a ``host`` query parameter
    (``postgresql://user@/db?host=/tmp/sock``). TCP hosts, ports, passwords and libpq extras
    (``sslmode``…) are kept; Airflow-only extras are dropped.
    """
    parts = urlsplit(airflow_uri)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"not a PostgreSQL connection URI (scheme {parts.scheme!r})")
    # Read the host from netloc, not .hostname: that one is lowercased, and socket paths are not.
    auth, _, hostport = parts.netloc.rpartition("@")
    host, port = hostport, ""
    if ":" in hostport and not hostport.endswith("]"):
        host, _, port = hostport.rpartition(":")
    params = _query_params(parts.query)
    if unquote(host).startswith("/"):
        params["host"] = unquote(host)
        host = ""
    netloc = (f"{auth}@" if auth else "") + host + (f":{port}" if port else "")
    url = f"postgresql://{netloc}{parts.path or '/'}"
    return url + ("?" + urlencode(params, safe="/", quote_via=quote) if params else "")


def airflow_conn_uri(url: str) -> str:
    """The inverse of :func:`libpq_url`: a libpq URL as an ``AIRFLOW_CONN_*`` value.

    A ``?host=/socket/dir`` parameter becomes the URL-encoded host, the only socket form that
    every Airflow consumer (including ``get_sqlalchemy_engine()``) understands.
    """
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
    params = _query_params(parts.query)
    auth, _, host = parts.netloc.rpartition("@")
    socket_dir = params.pop("host", None)
    if socket_dir:
        host = quote(socket_dir, safe="")
    netloc = f"{auth}@{host}" if auth else host
    uri = f"postgresql://{netloc}{parts.path}"
    return uri + ("?" + urlencode(params, quote_via=quote) if params else "")


def sqlalchemy_url(url: str) -> str:
    """A libpq URL as a SQLAlchemy URL for psycopg2 (``postgresql+psycopg2://…?host=/socket/dir``)."""
    return "postgresql+psycopg2" + libpq_url(url).removeprefix("postgresql")


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "__extra__":  # Airflow's form for extras that are not flat strings
            extra = json.loads(value)
            params.update({k: str(v) for k, v in extra.items() if k in _LIBPQ_PARAMS})
        elif key in _LIBPQ_PARAMS:
            params[key] = value
        else:
            LOGGER.debug("dropping connection extra %r: not a libpq parameter", key)
    return params


# --- Airflow lookups --------------------------------------------------------------------------


def news_database_url() -> str:
    """The libpq URL of the ``news_db`` Airflow connection."""
    from airflow.sdk import BaseHook

    return libpq_url(BaseHook.get_connection(NEWS_DB_CONN_ID).get_uri())


def sources_path() -> Path:
    """The sources file: the ``newsflow_sources`` Variable if set, else the configured default."""
    from airflow.sdk import Variable

    override = Variable.get(SOURCES_VARIABLE, default=None)
    return Path(override) if override else load_config().sources_path


def _source(name: str) -> tuple[Source, Path]:
    path = sources_path()
    (source,) = select_sources(load_sources(path), [name])
    return source, path


# --- schedules -------------------------------------------------------------------------------


def due(source: Source, start: datetime | None, end: datetime | None) -> bool:
    """Whether a run over the data interval [start, end) crawls ``source``.

    A source without ``schedule`` is due in every run, and every source is due in a run without
    a data interval (a manual trigger). Otherwise it is due if one of its cron times (UTC) falls
    in the interval.
    """
    if source.schedule is None or start is None or end is None:
        return True
    from croniter import croniter

    fire = croniter(source.schedule, start.astimezone(UTC) - timedelta(microseconds=1))
    return bool(fire.get_next(datetime) < end.astimezone(UTC))


def crawl_window(
    source: Source, start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The ``(since, until)`` a run over [start, end) crawls ``source`` for.

    The run's data interval, widened for a source with its own ``schedule`` back to the cron time
    before the one in the interval, so that a weekly source crawls the whole week.
    """
    if source.schedule is None or start is None or end is None:
        return start, end
    from croniter import croniter

    fire = croniter(source.schedule, start.astimezone(UTC) - timedelta(microseconds=1))
    current = fire.get_next(datetime)
    previous = croniter(source.schedule, current).get_prev(datetime)
    return min(start, previous), end


# --- task bodies ------------------------------------------------------------------------------


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
) -> dict[str, Any]:
    """Crawl one source into ``raw_pages``; returns the crawl's counts (for XCom).

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


# --- housekeeping (news_maintenance, news_consumer_refresh) -----------------------------------


def prune(as_of: datetime) -> dict[str, int]:
    """Apply the retention periods relative to ``as_of`` (the run's data interval end)."""
    from crawler.db import transaction
    from crawler.maintenance import prune_fetch_errors, prune_raw_html

    config = load_config()
    html_before = as_of - timedelta(days=config.raw_html_retention_days)
    errors_before = as_of - timedelta(days=config.fetch_errors_retention_days)
    with transaction(news_database_url()) as conn:
        pruned = {
            "raw_html_pruned": prune_raw_html(conn, html_before),
            "fetch_errors_deleted": prune_fetch_errors(conn, errors_before),
        }
    LOGGER.info(
        "pruned: HTML of %d processed page(s) fetched before %s (%d days);"
        " %d fetch error(s) last tried before %s (%d days)",
        pruned["raw_html_pruned"],
        html_before.isoformat(),
        config.raw_html_retention_days,
        pruned["fetch_errors_deleted"],
        errors_before.isoformat(),
        config.fetch_errors_retention_days,
    )
    return pruned


def analyze_tables() -> list[str]:
    """ANALYZE the pipeline's tables."""
    from crawler.db import transaction
    from crawler.maintenance import analyze

    with transaction(news_database_url()) as conn:
        tables = list(analyze(conn))
    LOGGER.info("analyzed: %s", ", ".join(tables))
    return tables


def refresh_consumer_views() -> list[str]:
    """Refresh the materialized views of the ``news`` schema; returns ``name (how)`` per view."""
    from crawler.db import connect
    from crawler.maintenance import refresh_materialized_views

    conn = connect(news_database_url())
    try:
        conn.autocommit = True
        refreshed = refresh_materialized_views(conn)
    finally:
        conn.close()
    return [f"{r.name} ({r.how})" for r in refreshed]


# --- failure alerts ---------------------------------------------------------------------------


def alert_failure(context: Mapping[str, Any]) -> str:
    """``on_failure_callback`` of every newsflow DAG: log one line, POST it to the webhook if set.

    Works with a task's context (``ti``, ``exception``) and a DAG run's (``dag_run``, ``reason``).
    The webhook (``NEWSFLOW_ALERT_WEBHOOK``) receives JSON: ``text`` (the line, so that Slack and
    Mattermost incoming webhooks show it as is) plus the fields one by one. A webhook that fails
    is logged, never raised: the alert must not hide the failure it reports. Returns the line.
    """
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    fields: dict[str, Any] = {
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "source": getattr(ti, "rendered_map_index", None),
        "run_id": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": _error_text(context.get("exception")) or context.get("reason"),
        "log_url": _log_url(ti),
    }
    line = "newsflow FAILED " + " ".join(
        f"{k}={v}" for k, v in fields.items() if v not in (None, "")
    )
    LOGGER.error("%s", line)
    webhook = load_config().alert_webhook
    if webhook:
        post_webhook(webhook, {"text": line, **{k: v for k, v in fields.items() if v is not None}})
    return line


def post_webhook(url: str, payload: Mapping[str, Any], *, timeout: float = 10.0) -> bool:
    """POST ``payload`` as JSON to ``url``; True on a 2xx answer. Failures are logged only."""
    body = json.dumps(payload, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "newsflow-alert/0.1"},
        method="POST",
    )
    host = urlsplit(url).hostname  # the URL may hold a token: log its host only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        LOGGER.warning("alert webhook on %s failed: %s", host, exc)
        return False
    if not ok:
        LOGGER.warning("alert webhook on %s answered %s", host, response.status)
    return ok


def _error_text(exc: object) -> str | None:
    if exc is None:
        return None
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
    return " ".join(text.split())[:500]  # one line, bounded


def _log_url(ti: object) -> str | None:
    try:
        url = getattr(ti, "log_url", None)
    except Exception:  # a property that needs configuration we may lack
        return None
    return url if isinstance(url, str) else None
