"""The drift checks (sql/checks/drift_*.sql) on a generated history, in PostgreSQL.

Each source gets 30 days of daily runs and articles generated in SQL, then one more day: a drop of
one measure fails that measure's check for that source only, naming the source, the measure, the
day, today's value and the baseline; a normal week (the usual ups and downs) fails nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg2
import pytest
from psycopg2.extras import Json

from crawler.pipeline import check_step
from crawler.quality.check import CheckResult, recheck_repaired, run_checks
from crawler.sources import DriftThresholds, Source
from tests.helpers import query_rows

# The day checked, after a 30-day baseline: today, as news.source_health looks at the last 30 days.
TODAY = datetime.now(UTC).date()
NORMAL: dict[str, Any] = {
    "articles": 40,
    "body_repeats": 60,  # about 2,500 characters
    "with_author": 38,  # 95 percent
    "with_date": 40,
    "leaking": 0,  # any leak fails articles_boilerplate_leak: the source's checks pass
    "labels": {"article": 44, "listing": 4, "not_html": 1},
}


def _source(name: str, **drift: Any) -> Source:
    return Source(
        name=name,
        language="en",
        allowed_domains=("example.org",),
        feeds=("https://example.org/rss",),
        drift=DriftThresholds(**drift),
    )


def run_id(day: date) -> str:
    return f"scheduled__{day.isoformat()}T00:00:00+00:00"


def add_day(db: str, source: str, day: date, **changes: Any) -> str:
    """One day of ``source``: a succeeded run started at 00:05 UTC and the articles it found first
    (``NORMAL`` with ``changes``). Article ``i`` of the day has an author if ``i <= with_author``,
    a date if ``i <= with_date`` and a leaked headline list if ``i <= leaking``. Returns the run id."""
    values = {**NORMAL, **changes}
    params = {
        **values,
        "source": source,
        "run_id": run_id(day),
        "day": datetime(day.year, day.month, day.day, tzinfo=UTC),
        "labels": Json(values["labels"]),
    }
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sources (name, language, allowed_domains, config)"
            " VALUES (%(source)s, 'en', '{example.org}', '{}') ON CONFLICT DO NOTHING",
            params,
        )
        cur.execute(
            "INSERT INTO crawl_runs (source, run_id, started_at, crawled_at, finished_at, status,"
            " pages_fetched, articles_new, labels)"
            " VALUES (%(source)s, %(run_id)s, %(day)s + interval '5 minutes',"
            " %(day)s + interval '15 minutes', %(day)s + interval '20 minutes', 'succeeded',"
            " %(articles)s, %(articles)s, %(labels)s)",
            params,
        )
        cur.execute(
            """
            INSERT INTO articles (url, source, title, body, authors, published_at, content_hash,
                                  fetched_url, fetched_at, first_seen_at, run_id)
            SELECT a.url, %(source)s, 'Council story ' || i,
                   repeat('The council debated the transport budget late into the night. ',
                          %(body_repeats)s)
                   || CASE WHEN i <= %(leaking)s
                           THEN E'\\nRelated stories:\\nCouncil approves the budget\\nHarbour bridge reopens\\nSchools close for the storm' ELSE '' END
                   || E'\\n' || a.url,
                   CASE WHEN i <= %(with_author)s THEN ARRAY['A. Writer'] ELSE '{}' END,
                   CASE WHEN i <= %(with_date)s THEN %(day)s END,
                   md5(a.url), a.url, %(day)s + interval '10 minutes',
                   %(day)s + interval '10 minutes' + i * interval '1 second', %(run_id)s
            FROM generate_series(1, %(articles)s) AS i
            CROSS JOIN LATERAL (
                SELECT 'https://example.org/' || %(source)s || '/' || to_char(%(day)s, 'YYYYMMDD')
                       || '/' || i AS url
            ) AS a
            """,
            params,
        )
    conn.close()
    return run_id(day)


def add_baseline(db: str, source: str, days: int = 30) -> None:
    for n in range(days):
        add_day(db, source, TODAY - timedelta(days=days - n))


def _drift_failures(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results if r.name.startswith("drift_") and not r.passed}


def _rows(result: CheckResult) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.sample]


DROPS = [
    pytest.param(
        {"body_repeats": 10}, "drift_body_length", "median_body_length", id="short-bodies"
    ),
    pytest.param(
        {"body_repeats": 200}, "drift_body_length", "median_body_length", id="long-bodies"
    ),
    pytest.param({"with_author": 4}, "drift_metadata", "share_with_author", id="no-authors"),
    pytest.param({"with_date": 0}, "drift_metadata", "share_with_date", id="no-dates"),
    pytest.param({"leaking": 20}, "drift_leak_rate", "leak_rate", id="leaks"),
    pytest.param({"articles": 6}, "drift_articles_per_day", "articles_per_day", id="volume"),
    pytest.param(
        {"labels": {"article": 20, "listing": 4, "consent_wall": 30}},
        "drift_label_share",
        "label_share:consent_wall",
        id="consent-wall",
    ),
]


@pytest.mark.parametrize(("change", "check", "measure"), DROPS)
def test_a_drop_after_a_month_fails_its_check_for_that_source_only(
    db: str, change: dict[str, Any], check: str, measure: str
) -> None:
    for source in ("drifty", "steady"):
        add_baseline(db, source)
    drifty_run = add_day(db, "drifty", TODAY, **change)
    steady_run = add_day(db, "steady", TODAY)

    failures = _drift_failures(run_checks(db, "drifty", drifty_run))
    assert list(failures) == [check], f"{change}: drift checks failed: {failures}"
    (row,) = _rows(failures[check])
    assert (row["source"], row["measure"], row["day"]) == ("drifty", measure, TODAY), row
    assert row["today"] is not None and row["baseline"] is not None, row
    assert row["today"] != row["baseline"], row
    assert row["message"].startswith(f"source drifty on {TODAY}: "), row["message"]

    steady = [r for r in run_checks(db, "steady", steady_run) if not r.passed]
    assert steady == [], f"the steady source fails checks on the same day: {steady}"


def test_the_drop_values_are_todays_and_the_baselines(db: str) -> None:
    add_baseline(db, "drifty")
    run = add_day(db, "drifty", TODAY, with_author=4, leaking=20, articles=40)
    failures = _drift_failures(run_checks(db, "drifty", run))
    (author,) = _rows(failures["drift_metadata"])
    assert (author["today"], author["baseline"]) == (Decimal("0.100"), Decimal("0.950")), author
    (leak,) = _rows(failures["drift_leak_rate"])
    assert (leak["today"], leak["baseline"]) == (Decimal("0.500"), 0), leak
    assert (
        "leak rate 50.0 percent (40 articles), baseline 0.0 percent (30 days before)"
        in (leak["message"])
    ), leak["message"]


def test_a_normal_week_after_a_month_raises_no_alarm(db: str) -> None:
    add_baseline(db, "steady")
    week = [  # the usual ups and downs: a quiet weekend, longer and shorter stories, a leak or two
        {"articles": 36, "body_repeats": 55},
        {"articles": 44, "body_repeats": 70, "leaking": 3},
        {"articles": 22, "body_repeats": 50, "with_author": 20},
        {"articles": 20, "body_repeats": 65, "with_author": 19, "with_date": 19},
        {"articles": 41, "body_repeats": 80, "leaking": 0},
        {"articles": 47, "body_repeats": 45, "labels": {"article": 50, "listing": 6}},
        {"articles": 39, "body_repeats": 60, "with_author": 33, "leaking": 4},
    ]
    for n, day in enumerate(week):
        run = add_day(db, "steady", TODAY + timedelta(days=n), **day)
        failed = [r.describe() for r in _drift_failures(run_checks(db, "steady", run)).values()]
        assert failed == [], f"day {n + 1} of a normal week raised drift alarms: {failed}"


def test_thresholds_come_from_the_sources_file(db: str) -> None:
    add_baseline(db, "drifty")
    run = add_day(db, "drifty", TODAY, body_repeats=20)  # a third of the usual length
    assert "drift_body_length" in _drift_failures(run_checks(db, "drifty", run))
    lenient = DriftThresholds(body_length_min_ratio=0.2)
    assert _drift_failures(run_checks(db, "drifty", run, drift=lenient)) == {}
    off = DriftThresholds(enabled=False)
    assert _drift_failures(run_checks(db, "drifty", run, drift=off)) == {}


def test_no_alarm_without_a_baseline_worth_the_name(db: str) -> None:
    add_baseline(db, "young", days=6)  # 7 days with articles are needed
    run = add_day(db, "young", TODAY, body_repeats=5, with_author=0, leaking=30, articles=40)
    assert _drift_failures(run_checks(db, "young", run)) == {}
    # A day later the baseline has 7 days: 8 articles, all leaking, are a drop in volume, but too
    # few for a leak rate (min_articles 10).
    small = add_day(db, "young", TODAY + timedelta(days=1), articles=8, leaking=8)
    assert list(_drift_failures(run_checks(db, "young", small))) == ["drift_articles_per_day"]


def test_check_step_records_the_outcome_and_the_page_lists_repairable_days(db: str) -> None:
    add_baseline(db, "drifty")
    leaky = add_day(db, "drifty", TODAY, leaking=20)
    source = _source("drifty")
    failed = check_step(source, database_url=db, run_id=leaky)
    assert {r.name for r in failed} == {"articles_boilerplate_leak", "drift_leak_rate"}
    ((failing, days),) = query_rows(
        db,
        "SELECT failing_checks, repairable_alarm_days FROM news.source_health"
        " WHERE source = 'drifty'",
    )
    assert days == [TODAY]
    by_check = {f["check"]: f for f in failing}
    assert set(by_check) == {"articles_boilerplate_leak", "drift_leak_rate"}
    assert by_check["drift_leak_rate"]["repairable"] is True
    (sample,) = by_check["drift_leak_rate"]["sample"]
    assert (sample["measure"], sample["day"], sample["today"]) == ("leak_rate", str(TODAY), 0.5)

    # Re-extraction rewrites the leaking bodies (and the articles' run); checked again, the day
    # is no longer listed.
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE articles SET body = split_part(body, E'\\nRelated stories:', 1),"
            " run_id = 'reextract__fix' WHERE body LIKE %s",
            ("%Related stories:%",),
        )
    conn.close()
    rechecked = recheck_repaired(db, "drifty", TODAY, source.drift)
    assert rechecked == [(leaky, [])], rechecked
    assert query_rows(
        db,
        "SELECT failing_checks, repairable_alarm_days FROM news.source_health"
        " WHERE source = 'drifty'",
    ) == [([], [])]


def test_volume_drops_are_not_repairable_by_reextraction(db: str) -> None:
    add_baseline(db, "quiet")
    run = add_day(db, "quiet", TODAY, articles=5)
    failed = check_step(replace(_source("quiet")), database_url=db, run_id=run)
    assert "drift_articles_per_day" in {r.name for r in failed}
    assert query_rows(
        db, "SELECT repairable_alarm_days FROM news.source_health WHERE source = 'quiet'"
    ) == [([],)]
    assert recheck_repaired(db, "quiet", None) == []
