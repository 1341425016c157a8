"""What the DAG files share: default_args, the failure callback, the crawl pool, the asset, names.

The DAG files import this module at top level, so it imports the standard library only: the DAG
processor parses every file often, and must not load YAML, psycopg2, Scrapy or
:mod:`crawler.config` to do it (tests/tasks/test_defaults.py, tests/dags/test_dag_integrity.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

OWNER = "newsflow"
TAG = "newsflow"  # every newsflow DAG carries it, next to its own tags (the UI filters on it)
START_DATE = datetime(2025, 1, 1, tzinfo=UTC)  # before any run; catchup=False creates no old runs

NEWS_DB_CONN_ID = "news_db"  # set it with AIRFLOW_CONN_NEWS_DB
# The Sources page reads as newsflow_reader: this connection if set (AIRFLOW_CONN_NEWS_READER),
# else news_db, whose role must then be allowed to SET ROLE newsflow_reader.
NEWS_READER_CONN_ID = "news_reader"
SOURCES_VARIABLE = "newsflow_sources"  # optional path of the sources file, else NEWSFLOW_SOURCES

# The crawl task's pool: bounds the crawls running at once, across all runs (backfills included).
CRAWL_POOL = "newsflow_crawl"
CRAWL_POOL_SLOTS = 4  # created with this many slots if missing; operators may change it in the UI

# The `articles` table as an Airflow asset (``sdk.Asset(**ARTICLES_ASSET)``): each load of
# news_ingest updates it, news_consumer_refresh is scheduled on it. The URI is the asset's
# identity in Airflow's database: renaming it starts a new asset.
ARTICLES_ASSET: Mapping[str, str] = MappingProxyType(
    {"name": "articles", "uri": "x-newsflow://news_db/articles", "group": "newsflow"}
)


def on_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of every DAG and task: :func:`crawler.tasks.alerts.alert_failure`.

    Imported on failure, not when the DAG file is parsed (the alert reads :mod:`crawler.config`).
    """
    from crawler.tasks.alerts import alert_failure

    alert_failure(context)


def default_args(
    *,
    execution_timeout: timedelta,
    retries: int = 2,
    retry_delay: timedelta = timedelta(minutes=5),
    max_retry_delay: timedelta | None = timedelta(hours=1),
) -> dict[str, Any]:
    """The ``default_args`` of a newsflow DAG: owner, retries backing off, the failure alert.

    ``execution_timeout`` has no default: each DAG sizes it to its longest task (a stuck task is
    killed, then retried). Retries wait ``retry_delay``, doubled at each try up to
    ``max_retry_delay`` (5 min, then 10 min by default); ``max_retry_delay=None`` waits
    ``retry_delay`` every time.
    """
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": retry_delay,
        "execution_timeout": execution_timeout,
        "on_failure_callback": on_failure,
    }
    if max_retry_delay is not None:
        args["retry_exponential_backoff"] = 2.0
        args["max_retry_delay"] = max_retry_delay
    return args
