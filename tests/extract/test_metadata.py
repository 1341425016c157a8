"""Metadata: JSON-LD over OpenGraph, the URL's date, authors, canonical URL, the byline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract import extract
from crawler.models import Article
from tests.extract.sample_pages import FIXTURE_URL, PARA, body_page, meta_page


def test_jsonld_beats_opengraph_for_dates() -> None:
    head = (
        '<meta property="article:published_time" content="2024-01-02T10:00:00+01:00">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Council approves plan", "datePublished": "2024-01-01T08:00:00+01:00",'
        ' "dateModified": "2024-01-03T08:00:00Z"}</script>'
    )
    result = extract(meta_page(head), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.published_at == datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=1)))
    assert result.modified_at == datetime(2024, 1, 3, 8, tzinfo=UTC)


def test_date_from_url_when_page_has_none() -> None:
    result = extract(meta_page(), "https://www.example.com/2023/07/14/council-plan")
    assert isinstance(result, Article) and result.published_at is not None
    assert result.published_at.date().isoformat() == "2023-07-14"
    assert result.published_at.tzinfo is not None


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("文/山田太郎", ["山田太郎"]),
        ("記者王小明/台北報導", ["王小明"]),
        ("홍길동 기자", ["홍길동"]),
        ("山田太郎・佐藤花子", ["山田太郎", "佐藤花子"]),
        ("ジャレッド・クシュナー", ["ジャレッド・クシュナー"]),
        ("Anna Schmidt, Peter Braun", ["Anna Schmidt", "Peter Braun"]),
        ("Trine Jørgensen og Tôrtia Reimer", ["Trine Jørgensen", "Tôrtia Reimer"]),
        ("Autor Monika Bolliger", ["Monika Bolliger"]),
        ("Yasmine Hassan · News Example", ["Yasmine Hassan"]),  # the site's name dropped
        ("TPN in Lisbon", ["TPN in Lisbon"]),
        ("dpa", ["dpa"]),
    ],
)
def test_authors_are_cleaned_and_split(author: str, expected: list[str]) -> None:
    result = extract(meta_page(f'<meta name="author" content="{author}">'), FIXTURE_URL)
    assert isinstance(result, Article)
    assert list(result.authors) == expected


def test_canonical_url_only_on_allowed_domains() -> None:
    head = '<link rel="canonical" href="https://www.example.com/news/canonical">'
    page = meta_page(head)
    allowed = extract(
        page, "https://www.example.com/news/1?utm=x", allowed_domains=("example.com",)
    )
    other = extract(page, "https://www.example.com/news/1?utm=x", allowed_domains=("other.org",))
    unrestricted = extract(page, "https://www.example.com/news/1?utm=x")
    assert (
        isinstance(allowed, Article)
        and isinstance(other, Article)
        and isinstance(unrestricted, Article)
    )
    assert allowed.url == "https://www.example.com/news/canonical"
    assert other.url == "https://www.example.com/news/1?utm=x"
    assert unrestricted.url == "https://www.example.com/news/canonical"


def test_byline_and_date_written_under_the_headline() -> None:
    inner = (
        "<div class='meta'>May 6, 2025, 05:25 PM <span>By Luis Romero</span></div>"
        + PARA
        + PARA.replace("Tuesday", "Monday")
    )
    result = extract(body_page(inner), "https://www.example.co.uk/news/water")
    assert isinstance(result, Article)
    assert result.authors == ("Luis Romero",)
    assert result.published_at == datetime(2025, 5, 6, 17, 25, tzinfo=result.published_at.tzinfo)
    assert result.published_at.utcoffset() == timedelta(hours=1)  # Europe/London in May


SITE = '<meta property="og:site_name" content="Gazette">'


def test_the_sites_name_is_no_author_when_the_page_names_a_person() -> None:
    # <meta name=author> holds the site's name; the byline under the headline names a person
    page = meta_page(f'{SITE}<meta name="author" content="Gazette">', "<p>By Jane Doe</p>")
    result = extract(page, FIXTURE_URL)
    assert isinstance(result, Article) and result.authors == ("Jane Doe",), result


def test_the_sites_name_is_the_author_when_nobody_else_is_named() -> None:
    result = extract(meta_page(f'{SITE}<meta name="author" content="Gazette">'), FIXTURE_URL)
    assert isinstance(result, Article) and result.authors == ("Gazette",), result


def test_words_between_split_names_are_not_authors() -> None:
    result = extract(meta_page('<meta name="author" content="TPN, in">'), FIXTURE_URL)
    assert isinstance(result, Article) and result.authors == ("TPN",), result


def test_a_title_that_is_the_h1_and_a_long_suffix_is_the_h1() -> None:
    head = '<meta property="og:title" content="Council approves plan - The Valley Daily Gazette">'
    result = extract(meta_page(head), FIXTURE_URL)
    assert isinstance(result, Article) and result.title == "Council approves plan", result
