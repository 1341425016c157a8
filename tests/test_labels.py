"""Page labels (crawler/labels.py) on fixtures built from real public patterns.

``tests/fixtures/labels/<name>.html`` + ``<name>.json``: ``label`` is what the page must be
labelled; ``with``/``without`` are snippets its stored body must (not) hold. The pages copy the
markup and wording of the real thing: OneTrust's, Sourcepoint's, Didomi's, Usercentrics' and
Cookiebot's consent walls (in English, German, Japanese, Chinese and Korean), Cloudflare's "Just a
moment..." challenge and Turnstile interstitial, a reCAPTCHA gate, a Create React App root, a
Next.js page whose text is only in ``__NEXT_DATA__``, a Nuxt 3 page whose text is only in
``__NUXT_DATA__``, a metered paywall's teaser, and an ordinary article carrying the markers that
most real pages carry. The crawl of the same pages is in tests/fetch/test_labels_crawl.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from crawler import labels
from crawler.extract import extract
from crawler.load.articles import content_hash
from crawler.models import Article, Rejection
from tests.helpers import cpu_bound, query_rows

FIXTURES = Path(__file__).parent / "fixtures" / "labels"
PAGES = sorted(FIXTURES.glob("*.html"))
PAGE_URL = "https://news.example.com/news/2026/11/20/{}.html"
CLOUDFLARE = (FIXTURES / "bot_block_cloudflare.html").read_text(encoding="utf-8")


def golden(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return data


def test_every_page_label_has_a_fixture_page() -> None:
    wanted = {
        labels.ARTICLE,
        labels.PAYWALL_TEASER,
        labels.CONSENT_WALL,
        labels.JS_SHELL,
        labels.BOT_BLOCK,
        labels.ERROR_PAGE,
        labels.TOO_SHORT,
    }
    assert wanted <= {golden(p)["label"] for p in PAGES}, "a fixture page for each label"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_fixture_page_label(path: Path) -> None:
    expected = golden(path)
    outcome = extract(path.read_bytes(), PAGE_URL.format(path.stem))
    detail = outcome.detail if isinstance(outcome, Rejection) else f"{len(outcome.body)} chars"
    assert labels.label_of(outcome) == expected["label"], f"{path.stem}: {detail}"
    stored = expected["label"] in labels.STORED
    assert isinstance(outcome, Article) == stored, f"{path.stem}: stored only if in STORED"
    if isinstance(outcome, Article):
        for snippet in expected.get("with", []):
            assert snippet in outcome.body, f"{path.stem}: body must hold {snippet!r}"
        for snippet in expected.get("without", []):
            assert snippet not in outcome.body, f"{path.stem}: body must not hold {snippet!r}"


@pytest.mark.parametrize(
    ("status", "headers", "body", "label"),
    [
        (403, {}, CLOUDFLARE, labels.BOT_BLOCK),
        (503, {}, CLOUDFLARE, labels.BOT_BLOCK),
        (429, {}, '<div class="g-recaptcha"></div>', labels.BOT_BLOCK),
        (403, {"cf-mitigated": "challenge"}, "", labels.BOT_BLOCK),
        (403, {}, "<h1>Forbidden</h1>", labels.ERROR_PAGE),
        (429, {}, "slow down", labels.ERROR_PAGE),
        (404, {}, CLOUDFLARE, labels.ERROR_PAGE),  # a challenge is served as 403, 429 or 503
        (500, {}, "internal error", labels.ERROR_PAGE),
    ],
    ids=["403-challenge", "503-challenge", "429-captcha", "403-header", "403", "429", "404", "500"],
)
def test_http_error_label(status: int, headers: dict[str, str], body: str, label: str) -> None:
    assert labels.http_error_label(status, headers, body) == label


def test_the_articles_table_takes_the_stored_labels(db: str) -> None:
    """articles.label's CHECK (migration 0013) names the labels of STORED, no more, no fewer."""
    ((check,),) = query_rows(
        db,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'articles'::regclass AND contype = 'c'"
        " AND pg_get_constraintdef(oid) LIKE %s",
        ("%label%",),
    )
    assert set(re.findall(r"'(\w+)'", check)) == set(labels.STORED), check


def test_rejection_reasons_are_labels() -> None:
    assert labels.label_of(Rejection("listing_page", "12 headline items")) == labels.LISTING
    assert labels.label_of(Rejection("timeout")) == "timeout"
    assert labels.label_of(Article("u", "t", "b")) == labels.ARTICLE


def test_an_article_about_cookies_is_no_consent_wall() -> None:
    text = (
        "The data protection authority fined the retailer 2 million euros on Monday.\n"
        "Its website set advertising cookies before visitors could accept all cookies or not,"
        " the authority found after a complaint.\n"
        "The retailer said it would appeal and had changed its cookie settings in the meantime.\n"
        "Consumer groups welcomed the decision and asked for checks of other large shops, which"
        " they said often hide the button to refuse behind several pages of menus."
    )
    assert not labels.is_consent_text(text)


def test_a_teaser_is_cut_short_and_marked() -> None:
    full = ["A long paragraph of the article that goes on and on. " * 4] * 5
    cut = [*full[:2], "And the authority said that the money would go to the…", "Log in"]
    assert labels.is_teaser(cut, 500, not_free=True, prompt_seen=False)
    assert not labels.is_teaser(full, 500, not_free=True, prompt_seen=False), "whole text"
    assert not labels.is_teaser(cut, 500, not_free=False, prompt_seen=False), "not paywalled"
    assert labels.is_teaser(full[:1], 40, not_free=False, prompt_seen=True)


def test_the_label_is_hashed_only_when_it_is_not_article() -> None:
    """Articles keep the hash they had before labels existed (pinned in
    tests/load/test_articles.py); a teaser that turns whole (or the reverse) is a change."""
    article = Article("https://ex.com/a", "Title", "Body line.")
    teaser = dataclasses.replace(article, label=labels.PAYWALL_TEASER)
    assert content_hash(teaser) != content_hash(article)


@pytest.mark.parametrize(
    "markers",
    [
        labels.CHALLENGE_MARKERS,
        labels.CAPTCHA_MARKERS,
        labels.CONSENT_PHRASES,
        labels.CMP_MARKERS,
        labels.APP_SHELL_MARKERS,
    ],
    ids=["challenge", "captcha", "consent", "cmp", "app-shell"],
)
def test_marker_lists_hold_each_marker_once(markers: tuple[str, ...]) -> None:
    assert len(set(markers)) == len(markers)


def test_a_huge_page_of_markup_is_searched_quickly() -> None:
    """Markers are searched in the first SCAN_CHARS of a page, as plain substrings: a hostile
    page of megabytes costs milliseconds, not the seconds of a regular expression's alternation.
    Bounded in CPU time, generously (tests/helpers.cpu_bound)."""
    page = '<div class="x">' + "a" * 50 + "</div>"
    html = page * 100_000  # 7 MB
    with cpu_bound(4.0):  # ~0.4 s here; an alternation took 9 s
        assert labels.short_page_label(html, html, 0) == labels.TOO_SHORT
        assert not labels.is_challenge(html)
        assert not labels.is_consent_text(html)
