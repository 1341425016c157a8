"""URL conversions between Airflow connections, libpq and SQLAlchemy (no Airflow needed)."""

from __future__ import annotations

import psycopg2
import pytest

from crawler.tasks.connections import airflow_conn_uri, libpq_url, sqlalchemy_url

CASES = [
    # (Airflow connection URI, libpq URL)
    ("postgresql://user@%2Ftmp%2Fsock/db", "postgresql://user@/db?host=/tmp/sock"),
    ("postgres://user@%2Ftmp%2FSock%20Dir/db", "postgresql://user@/db?host=/tmp/Sock%20Dir"),
    ("postgres://%2Frun%2Fpg/news", "postgresql:///news?host=/run/pg"),
    ("postgres://u:p%40ss@db.example:5433/news", "postgresql://u:p%40ss@db.example:5433/news"),
    ("postgres://u@[::1]:5432/d", "postgresql://u@[::1]:5432/d"),
]


@pytest.mark.parametrize(("airflow", "libpq"), CASES, ids=[c[0] for c in CASES])
def test_libpq_url(airflow: str, libpq: str) -> None:
    assert libpq_url(airflow) == libpq


def test_libpq_url_keeps_libpq_extras_only() -> None:
    url = libpq_url("postgres://u@h/db?sslmode=require&cursor=realdictcursor&connect_timeout=5")
    assert url == "postgresql://u@h/db?sslmode=require&connect_timeout=5"


def test_libpq_url_reads_json_extras() -> None:
    url = libpq_url('postgres://u@h/db?__extra__={"sslmode": "verify-full", "iam": true}')
    assert url == "postgresql://u@h/db?sslmode=verify-full"


def test_libpq_url_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="mysql"):
        libpq_url("mysql://u@h/db")


@pytest.mark.parametrize(("airflow", "libpq"), CASES[:1] + CASES[3:], ids=["socket", "tcp", "ipv6"])
def test_airflow_conn_uri_inverts_libpq_url(airflow: str, libpq: str) -> None:
    assert libpq_url(airflow_conn_uri(libpq)) == libpq


def test_sqlalchemy_url() -> None:
    assert (
        sqlalchemy_url("postgresql://postgres:@/airflow?host=/x/pgdata")
        == "postgresql+psycopg2://postgres:@/airflow?host=/x/pgdata"
    )
    assert sqlalchemy_url("postgres://%2Fx/db") == "postgresql+psycopg2:///db?host=/x"


def test_round_trip_connects(pg_url: str) -> None:
    """The Airflow form of the test database, converted back, is a URL psycopg2 connects with."""
    conn = psycopg2.connect(libpq_url(airflow_conn_uri(pg_url)))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()
