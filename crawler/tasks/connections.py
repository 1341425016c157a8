"""The news database and the sources file, as the DAGs' tasks find them through Airflow.

Airflow keeps the database as the ``news_db`` connection, whose URI form libpq does not take for a
unix socket; the URL conversions here are pure and shared with :mod:`tools.airflow_local`. The
sources file is the ``newsflow_sources`` Variable if set, else the configured default.
Airflow is imported inside the lookups only: the conversions work (and are tested) without it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from crawler.config import load_config
from crawler.tasks.defaults import NEWS_DB_CONN_ID, NEWS_READER_CONN_ID, SOURCES_VARIABLE

LOGGER = logging.getLogger(__name__)

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


# --- URL conversions (pure) -------------------------------------------------------------------


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


def news_reader_url() -> str:
    """The libpq URL the Sources page reads with: the ``news_reader`` connection if defined, else
    ``news_db``. Looked up in the API server (Airflow's core, not a task's SDK)."""
    from airflow.models.connection import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = Connection.get_connection_from_secrets(NEWS_READER_CONN_ID)
    except AirflowNotFoundException:
        connection = Connection.get_connection_from_secrets(NEWS_DB_CONN_ID)
    return libpq_url(connection.get_uri())


def sources_path() -> Path:
    """The sources file: the ``newsflow_sources`` Variable if set, else the configured default."""
    from airflow.sdk import Variable

    override = Variable.get(SOURCES_VARIABLE, default=None)
    return Path(override) if override else load_config().sources_path
