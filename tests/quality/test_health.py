"""The Sources page's rows (crawler.quality.health) from news.source_health, as newsflow_reader:
their JSON and their HTML, on generated runs in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import lxml.html
import psycopg2
import pytest

from crawler.db import transaction
from crawler.pipeline import check_step
from crawler.quality.health import (
    HealthReadError,
    health_json,
    read_source_health,
    render_page,
)
from crawler.sources import Source
from tests.quality.test_drift import TODAY, add_baseline, add_day


def _source(name: str) -> Source:
    return Source(name=name, language="en", allowed_domains=("example.org",), feeds=("x",))


def _sql(db: str, statement: str, params: Any = None) -> None:
    with transaction(db) as conn, conn.cursor() as cur:
        cur.execute(statement, params)


@pytest.fixture
def history(db: str) -> str:
    """Four sources: `steady` (a month of runs), `leaky` (a month, then a leaking day: its checks
    fail), `broken` (its last run's crawl failed, in Airflow), `fresh` (registered, never run)."""
    for name in ("steady", "leaky", "broken"):
        add_baseline(db, name)
    check_step(_source("steady"), database_url=db, run_id=add_day(db, "steady", TODAY))
    leaky = add_day(db, "leaky", TODAY, leaking=20)
    check_step(_source("leaky"), database_url=db, run_id=leaky)
    _sql(
        db,
        "INSERT INTO crawl_runs (source, run_id, started_at, status, message, errors,"
        " errors_by_class, dag_id, map_index) VALUES ('broken', 'scheduled__today',"
        " now(), 'failed', 'no feed, sitemap or listing answered', 3,"
        " '{\"dns\": 2, \"timeout\": 1}', 'news_ingest', 2)",
    )
    _sql(
        db,
        "INSERT INTO sources (name, language, allowed_domains, config)"
        " VALUES ('fresh', 'en', '{example.org}', '{\"enabled\": false}')",
    )
    return db


def test_rows_summarise_each_source(history: str) -> None:
    today, rows = read_source_health(history)
    assert today == TODAY
    by_name = {r.source: r for r in rows}
    assert list(by_name) == ["broken", "fresh", "leaky", "steady"]

    steady = by_name["steady"]
    assert steady.state == "ok" and steady.failing_checks == []
    assert len(steady.articles_per_day) == 30
    assert steady.articles_per_day == [40] * 30
    assert steady.last_success_at is not None and steady.task_path is None  # not run by Airflow

    leaky = by_name["leaky"]
    assert leaky.state == "alarm"
    assert [c["check"] for c in leaky.failing_checks] == [
        "articles_boilerplate_leak",
        "drift_leak_rate",
    ]
    assert leaky.repairable_alarm_days == [TODAY]
    assert leaky.reextract_command == f"newsflow reextract --source leaky --since {TODAY}"

    broken = by_name["broken"]
    assert broken.state == "failed"
    assert broken.last_run_errors_by_class == {"dns": 2, "timeout": 1}
    assert broken.task_path == "dags/news_ingest/runs/scheduled__today/tasks/source.crawl/mapped/2"
    assert broken.last_success_at is not None, "the month of succeeded runs before"

    fresh = by_name["fresh"]
    assert (fresh.state, fresh.enabled, fresh.last_run_id) == ("never run", False, None)
    assert fresh.articles_per_day == [0] * 30


def test_json_names_the_days_and_the_repair(history: str) -> None:
    document = health_json(*read_source_health(history))
    assert document["today"] == TODAY.isoformat()
    leaky = next(s for s in document["sources"] if s["source"] == "leaky")
    days = leaky["articles_per_day"]
    assert days[-1] == {"day": TODAY.isoformat(), "articles": 40}
    assert days[0]["day"] == (TODAY - timedelta(days=29)).isoformat()
    assert leaky["reextract"] == {
        "days": [TODAY.isoformat()],
        "command": f"newsflow reextract --source leaky --since {TODAY}",
    }
    (drift,) = [c for c in leaky["checks"]["failing"] if c["check"] == "drift_leak_rate"]
    assert drift["sample"][0]["measure"] == "leak_rate"
    assert drift["sample"][0]["today"] == 0.5


def test_page_has_one_row_per_source_with_chart_link_and_repair(history: str) -> None:
    page = lxml.html.fromstring(render_page(*read_source_health(history)))
    rows = {tr.get("data-source"): tr for tr in page.xpath("//table[@id='sources']/tbody/tr")}
    assert set(rows) == {"broken", "fresh", "leaky", "steady"}
    assert {name: tr.get("data-state") for name, tr in rows.items()} == {
        "broken": "failed",
        "fresh": "never run",
        "leaky": "alarm",
        "steady": "ok",
    }
    bars = rows["leaky"].xpath(".//svg/rect")
    assert len(bars) == 30
    assert bars[-1].get("fill") == "#c53030", "today, a day to re-extract, is drawn in red"
    assert bars[-1].findtext("title") == f"{TODAY}: 40"
    (link,) = rows["broken"].xpath(".//a[@target='_top']")
    assert (
        link.get("href") == "../dags/news_ingest/runs/scheduled__today/tasks/source.crawl/mapped/2"
    )
    assert "dns\xa02" in rows["broken"].text_content()  # non-breaking space
    assert f"newsflow reextract --source leaky --since {TODAY}" in rows["leaky"].text_content()
    assert "drift_leak_rate (re-extract)" in rows["leaky"].text_content()


def test_text_from_the_database_is_escaped(db: str) -> None:
    add_day(db, "steady", TODAY)
    _sql(db, "UPDATE crawl_runs SET message = '<script>alert(1)</script>'")
    html = render_page(*read_source_health(db))
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.fixture
def login_as(db: str) -> Iterator[Any]:
    """A URL of the test database for one of the two roles, given LOGIN for the test (the
    embedded server trusts local connections)."""
    granted: list[str] = []

    def url(role: str) -> str:
        _sql(db, f"ALTER ROLE {role} LOGIN")
        granted.append(role)
        base, _, params = db.partition("?")
        scheme, rest = base.split("://", 1)
        return f"{scheme}://{role}@{rest.split('@', 1)[-1]}" + (f"?{params}" if params else "")

    yield url
    for role in granted:
        _sql(db, f"ALTER ROLE {role} NOLOGIN")


def test_reads_as_the_reader_and_only_as_the_reader(db: str, login_as: Any) -> None:
    add_day(db, "steady", TODAY)
    _, rows = read_source_health(login_as("newsflow_reader"))
    assert [r.source for r in rows] == ["steady"]
    with pytest.raises(
        HealthReadError, match=r"cannot read news\.source_health as newsflow_reader"
    ):
        read_source_health(login_as("newsflow_writer"))  # may not SET ROLE newsflow_reader
    conn = psycopg2.connect(login_as("newsflow_reader"))
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT * FROM check_runs")  # the table behind the view
    finally:
        conn.close()
