"""extract(): golden fixture pages (with/without/once snippets), rejections, robustness."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import extract, extract_text
from crawler.models import Article, Rejection
from tests.extract.sample_pages import FIXTURE_URL

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
HTML_FILES = sorted(PAGES.glob("*/*.html"))


def _golden(path: Path) -> dict[str, Any]:
    golden: dict[str, Any] = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return golden


def _page_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_fixture_directory_is_not_empty() -> None:
    assert len(HTML_FILES) >= 10, f"expected the golden pages under {PAGES}"
    for path in HTML_FILES:
        assert path.with_suffix(".json").exists(), f"{_page_id(path)}: golden JSON missing"


@pytest.mark.parametrize("path", HTML_FILES, ids=_page_id)
def test_golden_page(path: Path) -> None:
    golden = _golden(path)
    result = extract(path.read_bytes(), golden.get("url", FIXTURE_URL))
    page = _page_id(path)

    if "rejected" in golden:
        assert isinstance(result, Rejection), f"{page}: expected rejection {golden['rejected']}"
        assert result.reason == golden["rejected"], (
            f"{page}: reason {result.reason} ({result.detail})"
        )
        return
    assert isinstance(result, Article), f"{page}: rejected as {result}"
    assert result.title == golden["title"], f"{page}: title"
    assert result.language == golden["language"], f"{page}: language"
    assert list(result.authors) == golden["authors"], f"{page}: authors"
    assert result.published_at == datetime.fromisoformat(golden["published_at"]), f"{page}: date"
    assert result.published_at.tzinfo is not None, f"{page}: published_at must be timezone-aware"
    if "url" in golden:
        assert result.url == golden["url"], f"{page}: canonical url"
    for snippet in golden.get("with", []):
        assert snippet in result.body, f"{page}: body must contain {snippet!r}"
    for snippet in golden.get("without", []):
        assert snippet not in result.body, f"{page}: body must not contain {snippet!r}"
    for snippet in golden.get("once", []):
        count = result.body.count(snippet)
        assert count == 1, f"{page}: {snippet!r} must appear exactly once, found {count}"
    assert not result.body.startswith(result.title), f"{page}: title repeated as first body line"
    assert "\n\n" not in result.body, f"{page}: paragraphs are separated by a single newline"


def test_seed_like_page_keeps_paragraphs_and_subheadings_on_own_lines() -> None:
    body = _article("ja/seed_like_latest_news").body
    lines = body.split("\n")
    assert "米国向けが初めて中国向けを上回る" in lines
    assert "関税リスクと産業の偏りが課題に" in lines
    assert len(lines) >= 8


def _article(page: str, url: str = FIXTURE_URL, **kwargs: Any) -> Article:
    result = extract((PAGES / f"{page}.html").read_bytes(), url, **kwargs)
    assert isinstance(result, Article), f"{page}: rejected as {result}"
    return result


# --- Rejections and robustness -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"%PDF-1.7\n%binary", "not_html"),
        (b'{"items": [1, 2, 3]}', "not_html"),
        (b"<html><head><title>Hi</title></head><body><p>Too short.</p></body></html>", "too_short"),
    ],
)
def test_rejections(data: bytes, reason: str) -> None:
    result = extract(data, FIXTURE_URL)
    assert isinstance(result, Rejection) and result.reason == reason, result


def test_deeply_nested_page_does_not_raise() -> None:
    html = (
        b"<html><body>" + b"<div>" * 20000 + b"<p>deep</p>" + b"</div>" * 20000 + b"</body></html>"
    )
    assert isinstance(extract(html, FIXTURE_URL), Article | Rejection)


def test_large_page_does_not_raise() -> None:
    paragraph = "<p>" + "A long paragraph of filler text about the city budget. " * 20 + "</p>\n"
    html = ("<html><body><article>" + paragraph * 9200 + "</article></body></html>").encode()
    assert len(html) > 10_000_000
    assert isinstance(extract(html, FIXTURE_URL), Article | Rejection)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=5000))
def test_extract_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    assert isinstance(extract(data, FIXTURE_URL), Article | Rejection)


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(HTML_FILES),
    cut=st.floats(min_value=0.0, max_value=1.0),
    junk=st.binary(max_size=64),
)
def test_extract_never_raises_on_truncated_pages(path: Path, cut: float, junk: bytes) -> None:
    data = path.read_bytes()
    assert isinstance(
        extract(data[: int(len(data) * cut)] + junk, FIXTURE_URL), Article | Rejection
    )


def test_extract_text_adapter() -> None:
    page = PAGES / "en" / "related_box.html"
    assert "voted 9-2 on Tuesday night" in extract_text(page.read_bytes(), FIXTURE_URL)
    assert extract_text(b"", None) == ""


CORPUS_REJECTED = sorted(
    p
    for p in (Path(__file__).parents[1] / "corpus" / "pages").glob("*/*.json")
    if json.loads(p.read_text(encoding="utf-8")).get("rejected")
)


@pytest.mark.parametrize("path", CORPUS_REJECTED, ids=_page_id)
def test_corpus_listing_and_error_pages_are_rejected(path: Path) -> None:
    gold = json.loads(path.read_text(encoding="utf-8"))
    result = extract(path.with_suffix(".html").read_bytes(), gold["url"])
    assert isinstance(result, Rejection), f"{_page_id(path)}: extracted as an article"
    assert result.reason in ("listing_page", "error_page", "too_short"), result


_TAGS = st.sampled_from(
    ["div", "p", "table", "tr", "td", "ul", "li", "a", "h1", "h2", "figure", "figcaption", "br"]
)


@st.composite
def _html_trees(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    text = draw(st.text(max_size=40))
    children = (
        "" if depth > 4 else "".join(draw(st.lists(_html_trees(depth=depth + 1), max_size=3)))  # type: ignore[call-arg]
    )
    href = " href='/x'" if tag == "a" else ""
    return f"<{tag}{href}>{text}{children}</{tag}>"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_html_trees(), head=st.text(max_size=60))
def test_extract_never_raises_on_random_markup(body: str, head: str) -> None:
    html = f"<html><head><title>{head}</title></head><body>{body}</body></html>"
    result = extract(html.encode("utf-8", "surrogatepass"), FIXTURE_URL, captions="drop")
    assert isinstance(result, Article | Rejection)
