"""Dates: the one parser of page, feed and sitemap dates, text dates, the zone of naive dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract import extract
from crawler.extract.dates import find_text_date, parse_datetime, parse_text_date
from crawler.fetch.discover import feed_entries
from crawler.models import Article
from tests.extract.sample_pages import meta_page

JST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # ISO 8601 (both former parsers: the extractor's and discovery's)
        ("2024-10-15T09:30:00+09:00", datetime(2024, 10, 15, 9, 30, tzinfo=JST)),
        ("2026-11-21T01:00:00Z", datetime(2026, 11, 21, 1, 0, tzinfo=UTC)),
        ("2024-10-15T09:30:00.123-05:00", datetime(2024, 10, 15, 9, 30, 0, 123000, tzinfo=EST)),
        ("2024-05-06 07:30", datetime(2024, 5, 6, 7, 30)),
        ("2026-11-19", datetime(2026, 11, 19)),
        ("  2026-11-19\n", datetime(2026, 11, 19)),
        # RFC 2822 (both former parsers: RSS pubDate, <meta> dates)
        ("Tue, 15 Oct 2024 09:30:00 +0900", datetime(2024, 10, 15, 9, 30, tzinfo=JST)),
        ("Tue, 15 Oct 2024 00:30:00 GMT", datetime(2024, 10, 15, 0, 30, tzinfo=UTC)),
        ("15 Oct 2024 09:30 -0500", datetime(2024, 10, 15, 9, 30, tzinfo=EST)),
        # the extractor's own forms (discovery read none of them)
        ("2024/10/15 09:30 +0900", datetime(2024, 10, 15, 9, 30, tzinfo=JST)),
        ("2024-10-15 09:30:00 GMT", datetime(2024, 10, 15, 9, 30, tzinfo=UTC)),
        ("2024.10.15 09:30:15 -05:00", datetime(2024, 10, 15, 9, 30, 15, tzinfo=EST)),
        ("2024年10月15日 9時30分", datetime(2024, 10, 15, 9, 30)),
        ("2024年10月15日", datetime(2024, 10, 15)),
    ],
)
def test_parse_datetime_reads_every_form_of_both_former_parsers(
    value: str, expected: datetime
) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset(), value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "yesterday",
        "2024/02/30 10:00",
        "Tue, 15 Oct 2024 09:30:00 +0900 " + "x" * 80,
    ],
    ids=["none", "empty", "blank", "word", "no-such-day", "over-100-chars"],
)
def test_parse_datetime_gives_none_for_what_is_not_a_date(value: str | None) -> None:
    assert parse_datetime(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年4月6日 7:00 配信", datetime(2025, 4, 6, 7, 0)),
        ("Stand: 24.09.2025, 06:00 Uhr", datetime(2025, 9, 24, 6, 0)),
        ("May 6, 2025, 05:25 PM", datetime(2025, 5, 6, 17, 25)),
        ("May 6, 2025, 12:10 a.m.", datetime(2025, 5, 6, 0, 10)),
        ("6. Mai 2025 um 10:00", datetime(2025, 5, 6, 10, 0)),
        ("Published 6 May 2025", datetime(2025, 5, 6)),
    ],
)
def test_parse_text_date(text: str, expected: datetime) -> None:
    assert parse_text_date(text) == expected
    match = find_text_date(text)
    assert match is not None and match.group(0).strip() in text


def test_text_without_a_date() -> None:
    assert parse_text_date("By Jane Doe, staff writer") is None
    assert find_text_date("By Jane Doe, staff writer") is None
    assert parse_text_date("31.02.2025") is None


def test_feeds_are_read_with_the_same_parser() -> None:
    rss = (
        b"<rss><channel>"
        b"<item><link>https://ex.jp/1</link><pubDate>2024/10/15 09:30 +0900</pubDate></item>"
        b"<item><link>https://ex.jp/2</link><pubDate>Tue, 15 Oct 2024 09:30:00 GMT</pubDate></item>"
        b"</channel></rss>"
    )
    entries = feed_entries(rss, "https://ex.jp/")
    assert entries is not None
    assert [e.lastmod for e in entries] == [
        datetime(2024, 10, 15, 9, 30, tzinfo=JST),
        datetime(2024, 10, 15, 9, 30, tzinfo=UTC),
    ]


def test_naive_date_takes_page_zone_then_utc() -> None:
    head = '<meta property="article:published_time" content="2024-05-06 07:30">'
    jp = extract(meta_page(head), "https://www.example.co.jp/news/1")
    assert isinstance(jp, Article) and jp.published_at is not None
    assert jp.published_at.utcoffset() == timedelta(hours=9)
    other = extract(meta_page(head), "https://www.example.com/news/1")
    assert isinstance(other, Article) and other.published_at is not None
    assert other.published_at.utcoffset() == timedelta(0)


def test_naive_date_takes_the_source_zone_before_guesses() -> None:
    naive = '<meta property="article:published_time" content="2024-05-06 07:30">'
    ny = extract(
        meta_page(naive), "https://www.example.co.jp/news/1", default_timezone="America/New_York"
    )
    assert isinstance(ny, Article) and ny.published_at is not None
    assert ny.published_at.utcoffset() == timedelta(hours=-4)  # EDT beats the .jp guess
    aware = naive + '<meta property="article:modified_time" content="2024-05-06T09:00:00+02:00">'
    paris = extract(
        meta_page(aware), "https://www.example.com/news/1", default_timezone="Asia/Tokyo"
    )
    assert isinstance(paris, Article) and paris.published_at is not None
    assert paris.published_at.utcoffset() == timedelta(hours=2)  # the page's own offset first
    unknown = extract(
        meta_page(naive), "https://www.example.com/news/1", default_timezone="Mars/Base"
    )
    assert isinstance(unknown, Article) and unknown.published_at is not None
    assert unknown.published_at.utcoffset() == timedelta(0)
