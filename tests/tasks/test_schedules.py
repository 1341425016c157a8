"""What keeps crawls in their window: per-source schedules (the `schedule` key) and the crawl
window of backfill runs. (The key's validation is in tests/test_sources.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.sources import Source
from crawler.tasks.schedules import crawl_window, due

DAY = timedelta(days=1)
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def _source(schedule: str | None = None) -> Source:
    return Source(name="s", language="en", allowed_domains=("example.org",), schedule=schedule)


@pytest.mark.parametrize(
    ("schedule", "start", "expected"),
    [
        (None, MONDAY, True),
        ("0 6 * * 1", MONDAY, True),  # Mondays 06:00 UTC: in [Mon, Tue)
        ("0 6 * * 1", MONDAY + DAY, False),
        ("0 0 * * 1", MONDAY, True),  # at the interval start: included
        ("0 0 * * 1", MONDAY - DAY, False),  # at the interval end: excluded
        ("0 6 1 * *", MONDAY, False),
    ],
)
def test_due(schedule: str | None, start: datetime, expected: bool) -> None:
    assert due(_source(schedule), start, start + DAY) is expected, (
        f"schedule {schedule!r} in [{start}, {start + DAY}): due should be {expected}"
    )


def test_every_source_is_due_without_a_data_interval() -> None:
    assert due(_source("0 6 1 1 *"), None, None)


def test_crawl_window_covers_a_scheduled_source_since_its_previous_time() -> None:
    assert crawl_window(_source(), MONDAY, MONDAY + DAY) == (MONDAY, MONDAY + DAY)
    since, until = crawl_window(_source("0 6 * * 1"), MONDAY, MONDAY + DAY)
    assert (since, until) == (MONDAY - 7 * DAY + timedelta(hours=6), MONDAY + DAY)
    assert crawl_window(_source("0 6 * * 1"), None, None) == (None, None)
