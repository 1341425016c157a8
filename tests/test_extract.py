"""Extraction: golden fixture pages (with/without/once snippets), decoding, metadata, robustness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import extract, extract_text
from crawler.extract.encoding import codec_for, decode_html
from crawler.models import Article, Rejection

PAGES = Path(__file__).parent / "fixtures" / "pages"
HTML_FILES = sorted(PAGES.glob("*/*.html"))
FIXTURE_URL = "https://news.example/article/1"


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


# --- Decoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("Shift_JIS", "cp932"),
        ("sjis", "cp932"),
        ("EUC-JP", "euc_jp"),
        ("ISO-8859-1", "cp1252"),
        ("latin-1", "cp1252"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("utf8", "utf-8"),
        ("no-such-charset", None),
    ],
)
def test_codec_for_widens_legacy_labels(label: str, codec: str | None) -> None:
    assert codec_for(label) == codec


def test_decode_prefers_bom_over_declarations() -> None:
    html = "\ufeff<html><meta charset='gb2312'><p>日本語</p></html>".encode("utf-8")
    assert "日本語" in decode_html(html, declared="iso-8859-1")


def test_decode_http_charset_beats_meta() -> None:
    html = '<html><meta charset="utf-8"><p>한국어 기사</p></html>'.encode("cp949")
    assert "한국어 기사" in decode_html(html, declared="euc-kr")


def test_decode_prefers_utf8_over_wrong_legacy_declaration() -> None:
    html = '<meta charset="gb2312"><p>人民网 北京 电</p>'.encode()
    assert "人民网 北京 电" in decode_html(html)
    assert "Núñez" in decode_html("<p>Núñez</p>".encode(), declared="iso-8859-15")


def test_decode_detects_undeclared_legacy_charset() -> None:
    text = "<html><body><p>" + "東京都は新しい交通計画を発表した。" * 20 + "</p></body></html>"
    assert "新しい交通計画" in decode_html(text.encode("shift_jis"))


def test_decode_falls_back_when_declared_charset_does_not_fit() -> None:
    text = "<p>" + "北京市政府今天发布了新的交通规划。" * 20 + "</p>"
    assert "交通规划" in decode_html(text.encode("gb18030"), declared="shift_jis")


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=2000),
    declared=st.one_of(st.none(), st.sampled_from(["utf-8", "gbk", "x", "utf-16"])),
)
def test_decode_never_raises(data: bytes, declared: str | None) -> None:
    assert isinstance(decode_html(data, declared), str)


# --- Metadata ----------------------------------------------------------------------------------


def _page(head: str = "", body: str = "", lang: str = "") -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story says the council met on Tuesday and approved the plan "
        f"after a long debate about costs, schedules and the needs of local residents.</p>"
        for i in range(5)
    )
    lang_attr = f' lang="{lang}"' if lang else ""
    return (
        f"<!DOCTYPE html><html{lang_attr}><head><meta charset='utf-8'>"
        "<title>Council approves plan</title>"
        f"{head}</head><body><article><h1>Council approves plan</h1>{body}{paragraphs}</article>"
        f"</body></html>"
    ).encode()


def test_jsonld_beats_opengraph_for_dates() -> None:
    head = (
        '<meta property="article:published_time" content="2024-01-02T10:00:00+01:00">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Council approves plan", "datePublished": "2024-01-01T08:00:00+01:00",'
        ' "dateModified": "2024-01-03T08:00:00Z"}</script>'
    )
    result = extract(_page(head), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.published_at == datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=1)))
    assert result.modified_at == datetime(2024, 1, 3, 8, tzinfo=UTC)


def test_naive_date_takes_page_zone_then_utc() -> None:
    head = '<meta property="article:published_time" content="2024-05-06 07:30">'
    jp = extract(_page(head), "https://www.example.co.jp/news/1")
    assert isinstance(jp, Article) and jp.published_at is not None
    assert jp.published_at.utcoffset() == timedelta(hours=9)
    other = extract(_page(head), "https://www.example.com/news/1")
    assert isinstance(other, Article) and other.published_at is not None
    assert other.published_at.utcoffset() == timedelta(0)


def test_naive_date_takes_the_source_zone_before_guesses() -> None:
    naive = '<meta property="article:published_time" content="2024-05-06 07:30">'
    ny = extract(
        _page(naive), "https://www.example.co.jp/news/1", default_timezone="America/New_York"
    )
    assert isinstance(ny, Article) and ny.published_at is not None
    assert ny.published_at.utcoffset() == timedelta(hours=-4)  # EDT beats the .jp guess
    aware = naive + '<meta property="article:modified_time" content="2024-05-06T09:00:00+02:00">'
    paris = extract(_page(aware), "https://www.example.com/news/1", default_timezone="Asia/Tokyo")
    assert isinstance(paris, Article) and paris.published_at is not None
    assert paris.published_at.utcoffset() == timedelta(hours=2)  # the page's own offset first
    unknown = extract(_page(naive), "https://www.example.com/news/1", default_timezone="Mars/Base")
    assert isinstance(unknown, Article) and unknown.published_at is not None
    assert unknown.published_at.utcoffset() == timedelta(0)


def test_date_from_url_when_page_has_none() -> None:
    result = extract(_page(), "https://www.example.com/2023/07/14/council-plan")
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
    ],
)
def test_authors_are_cleaned_and_split(author: str, expected: list[str]) -> None:
    result = extract(_page(f'<meta name="author" content="{author}">'), FIXTURE_URL)
    assert isinstance(result, Article)
    assert list(result.authors) == expected


def test_canonical_url_only_on_allowed_domains() -> None:
    head = '<link rel="canonical" href="https://www.example.com/news/canonical">'
    page = _page(head)
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


@pytest.mark.parametrize(
    ("lang_attr", "text", "expected"),
    [
        ("", "東京都は新しい交通計画を発表した。市民の意見を聞きながら進める方針だ。" * 3, "ja"),
        (
            "",
            "서울시는 새로운 교통 계획을 발표했다. 시민들의 의견을 듣고 추진할 방침이다." * 3,
            "ko",
        ),
        ("", "北京市政府今天发布了新的交通规划，将听取市民意见后推进实施。" * 3, "zh"),
        ("en", "東京都は新しい交通計画を発表した。市民の意見を聞きながら進める方針だ。" * 3, "ja"),
        (
            "",
            "Der Stadtrat hat am Dienstag den Plan für die neue Brücke beschlossen, "
            "die nicht vor 2027 "
            "fertig wird. Die Kosten sind mit dem Bund abgestimmt und auf dem Tisch. " * 2,
            "de",
        ),
    ],
)
def test_language(lang_attr: str, text: str, expected: str) -> None:
    html = (
        f"<html{' lang=' + lang_attr if lang_attr else ''}><head><title>t</title></head>"
        f"<body><article><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode()
    result = extract(html, FIXTURE_URL)
    assert isinstance(result, Article), result
    assert result.language == expected


def test_default_language_when_undetectable() -> None:
    text = "Zzyx qorp vlim drax " * 30
    html = (
        f"<html><head><title>t</title></head><body><article><p>{text}</p></article></body></html>"
    )
    result = extract(html.encode(), FIXTURE_URL, default_language="xx")
    assert isinstance(result, Article)
    assert result.language == "xx"


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


# --- General boilerplate rules, page text metadata, captions -------------------------------------

_PARA = (
    "<p>The county board approved the new water plan on Tuesday after months of debate about "
    "costs, pipes and the needs of farmers in the valley, officials said.</p>"
)


def _body_page(inner: str, head: str = "") -> bytes:
    return (
        f"<html lang='en'><head><title>Water plan approved | Gazette</title>{head}</head><body>"
        f"<article><h1>Water plan approved</h1>{inner}</article></body></html>"
    ).encode()


def test_layout_table_is_read_as_paragraphs_not_a_table() -> None:
    cell = "<br><br>".join(
        f"Paragraph {i}: the county board approved the new water plan on Tuesday after months "
        "of debate about costs and pipes."
        for i in range(4)
    )
    html = (
        "<html><head><title>Water plan approved - Gazette</title></head><body>"
        "<table><tr><td><a href='/a'>Home</a></td><td><b>Water plan approved</b><br>"
        f"{cell}<table><tr><td><a href='/n/1'>Other story one here</a></td></tr></table>"
        "</td></tr></table></body></html>"
    ).encode()
    result = extract(html, FIXTURE_URL)
    assert isinstance(result, Article)
    assert "|" not in result.body
    assert result.body.split("\n")[0].startswith("Paragraph 0:")
    assert result.title == "Water plan approved"


@pytest.mark.parametrize(
    "prompt",
    [
        "<p><strong>READ MORE:</strong> <a href='/x'>Storm forces thousands to leave</a></p>",
        "<p>【関連記事】<a href='/x'>台風が北上 週末は大雨の恐れ</a></p>",
        "<p><em>Follow us on Facebook and Instagram for the latest updates.</em></p>",
        "<p>ⓒ 남도일보, 무단 전재 및 재배포 금지</p>",
        "<p>This article is for subscribers only. Subscribe to continue reading.</p>",
        "<p>14:05</p>",
    ],
)
def test_prompt_lines_are_dropped(prompt: str) -> None:
    result = extract(_body_page(_PARA + prompt + _PARA.replace("Tuesday", "Monday")), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("\n") == 1, result.body


def test_long_paragraph_mentioning_a_prompt_phrase_is_kept() -> None:
    text = (
        "<p>Officials said residents who follow us on the council's channels heard about the "
        "plan first, and the board said all rights reserved for the water district would be "
        "reviewed again next year after a public hearing in the valley town hall.</p>"
    )
    result = extract(_body_page(_PARA + text), FIXTURE_URL)
    assert isinstance(result, Article)
    assert "public hearing" in result.body


def test_lines_that_are_links_elsewhere_are_dropped_as_headlines() -> None:
    box = "<div><p><b>Don't miss</b></p><ul><li><a href='/1'>Storm forces thousands to leave</a></li></ul></div>"
    page = _body_page(_PARA + box + _PARA.replace("Tuesday", "Monday"))
    result = extract(page, FIXTURE_URL)
    assert isinstance(result, Article)
    assert "Storm forces" not in result.body


def test_byline_and_date_written_under_the_headline() -> None:
    inner = (
        "<div class='meta'>May 6, 2025, 05:25 PM <span>By Luis Romero</span></div>"
        + _PARA
        + _PARA.replace("Tuesday", "Monday")
    )
    result = extract(_body_page(inner), "https://www.example.co.uk/news/water")
    assert isinstance(result, Article)
    assert result.authors == ("Luis Romero",)
    assert result.published_at == datetime(2025, 5, 6, 17, 25, tzinfo=result.published_at.tzinfo)
    assert result.published_at.utcoffset() == timedelta(hours=1)  # Europe/London in May


def test_captions_once_by_default_or_dropped() -> None:
    figure = (
        "<figure><img src='a.jpg' alt='Farmers inspect the new canal near the valley town'>"
        "<figcaption>Farmers inspect the new canal near the valley town (Photo: Reuters)"
        "</figcaption></figure>"
    )
    page = _body_page(_PARA + figure + _PARA.replace("Tuesday", "Monday"))
    dropped = extract(page, FIXTURE_URL, captions="drop")
    assert isinstance(dropped, Article)
    assert "Farmers inspect" not in dropped.body
    kept = extract(page, FIXTURE_URL)
    assert isinstance(kept, Article)
    assert kept.body.count("Farmers inspect") <= 1


def test_a_long_caption_repeated_with_and_without_its_credit_is_kept_once() -> None:
    # longer than the tail searched for the credit: the credit is found at the end all the same
    caption = (
        "Farmers and county engineers inspect the new irrigation canal near the valley town of "
        "Millbrook on Tuesday morning, before the vote"
    )
    twice = _body_page(_PARA + f"<p>{caption} (Photo: Reuters)</p><p>{caption}.</p>" + _PARA)
    result = extract(twice, FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("Farmers and county engineers") == 1
    assert "(Photo: Reuters)" in result.body
    # without a credit, two similar lines are two paragraphs
    similar = _body_page(_PARA + f"<p>{caption} in the rain</p><p>{caption}.</p>" + _PARA)
    result = extract(similar, FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("Farmers and county engineers") == 2


CORPUS_REJECTED = sorted(
    p
    for p in (Path(__file__).parent / "corpus" / "pages").glob("*/*.json")
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
