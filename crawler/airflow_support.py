"""The ``news_ingest`` DAG's task bodies, kept out of the DAG file so that it stays wiring only.

The task functions here resolve the sources file and the news database from Airflow (the
``newsflow_sources`` Variable and the ``news_db`` connection), then call the same steps as the CLI
(:mod:`crawler.run`). The URL helpers are pure and shared with :mod:`crawler.airflow_local`.

Airflow is imported inside functions only: the URL helpers work (and are tested) without it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from crawler.config import load_config
from crawler.sources import Source, load_sources, select_sources

LOGGER = logging.getLogger(__name__)

NEWS_DB_CONN_ID = "news_db"  # set it with AIRFLOW_CONN_NEWS_DB
SOURCES_VARIABLE = "newsflow_sources"  # optional path of the sources file, else NEWSFLOW_SOURCES

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


# --- task bodies ------------------------------------------------------------------------------


def list_source_names() -> list[str]:
    """Names of the enabled sources in the sources file."""
    path = sources_path()
    names = [s.name for s in select_sources(load_sources(path), None)]
    LOGGER.info("%d enabled source(s) in %s: %s", len(names), path, ", ".join(names))
    return names


def crawl(source_name: str, run_id: str) -> dict[str, Any]:
    """Crawl one source into ``raw_pages``; returns the crawl's counts (for XCom)."""
    from crawler.run import crawl_step

    source, path = _source(source_name)
    result = crawl_step(source, sources_path=path, database_url=news_database_url(), run_id=run_id)
    return {
        "discovered": result.discovered,
        "pages_fetched": result.pages_fetched,
        "known_skipped": result.known_skipped,
        "errors": result.errors,
        "errors_by_class": dict(result.errors_by_class),
    }


def load(source_name: str, run_id: str) -> dict[str, Any]:
    """Extract and upsert one source's pending pages; returns the run's counts (for XCom)."""
    from crawler.run import load_step

    source, _ = _source(source_name)
    counts = load_step(
        source,
        database_url=news_database_url(),
        run_id=run_id,
        workers=load_config().extract_workers,
    )
    return dataclasses.asdict(counts)


def check(source_name: str, run_id: str) -> None:
    """Run the data-quality checks of one source's run; fail the task (no retry) if any fails."""
    from airflow.sdk.exceptions import AirflowFailException

    from crawler.run import check_step

    source, _ = _source(source_name)
    failed = check_step(source, database_url=news_database_url(), run_id=run_id)
    if failed:
        details = "; ".join(result.describe() for result in failed)
        raise AirflowFailException(
            f"source {source_name!r}: {len(failed)} check(s) failed: {details}"
        )
