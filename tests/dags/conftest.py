"""Airflow for the DAG tests: configured through the environment before anything imports airflow.

Airflow reads its configuration when first imported, so this module sets ``AIRFLOW_HOME``, the
DAGs folder and a SQLite metadata database in a temporary directory at import time (pytest
imports conftest files before test modules). The news database is the session ``pg_url``
(``tests/conftest.py``), handed to the DAG as the ``news_db`` connection.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"

if "airflow" in sys.modules:  # pragma: no cover - a plugin imported airflow before us
    raise RuntimeError("airflow was imported before tests/dags/conftest.py could configure it")

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="newsflow-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # SQLite: the metadata database only has to outlive one pytest process.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_AIRFLOW_HOME / "logs"),
    }
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A fresh Airflow metadata database (SQLite in the temporary AIRFLOW_HOME)."""
    from airflow.utils.db import resetdb

    resetdb()


@pytest.fixture
def news_db(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The emptied news database as the ``news_db`` connection; yields its URL."""
    from crawler.tasks.connections import airflow_conn_uri

    monkeypatch.setenv("AIRFLOW_CONN_NEWS_DB", airflow_conn_uri(db))
    yield db
