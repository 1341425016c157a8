"""Metadata: JSON-LD over OpenGraph, the URL's date, authors, canonical URL, the byline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from trafilatura.utils import load_html

from crawler.extract import extract
from crawler.extract.metadata import Metadata, canonical_url
from crawler.fetch.urls import normalize_url
from crawler.models import Article
from tests.extract.sample_pages import FIXTURE_URL, PARA, body_page, meta_page
from tests.helpers import cpu_bound


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


def _meta(head: str, body: str = "", url: str = FIXTURE_URL) -> Metadata:
    return Metadata(load_html(f"<html><head>{head}</head><body>{body}</body></html>"), url)


@pytest.mark.parametrize(
    ("head", "body", "url", "expected"),
    [
        # the site's name and the section beside it, named by og:site_name
        (
            '<meta property="og:site_name" content="BILD.de">'
            "<title>Thioune fordert Geduld mit Niemiec | Sport | BILD.de</title>",
            "",
            "https://www.bild.de/sport/1.html",
            "Thioune fordert Geduld mit Niemiec",
        ),
        # a longer form of the site's name ("Daily Mail Online" of "Mail Online")
        (
            '<meta property="og:site_name" content="Mail Online">'
            "<title>Your $1 bill could be worth thousands | Daily Mail Online</title>",
            "",
            "https://www.dailymail.co.uk/news/article-1.html",
            "Your $1 bill could be worth thousands",
        ),
        # the site named only by its domain, and a date beyond it
        (
            '<meta property="og:title" content="Nadeschdin setzt auf ein Ende der Putin-Ära – DW '
            '– 30.01.2024">',
            "",
            "https://www.dw.com/de/russland-wahl/a-1",
            "Nadeschdin setzt auf ein Ende der Putin-Ära",
        ),
        # the site's name first, then a section
        (
            '<meta property="og:site_name" content="Tageblatt.lu">'
            "<title>Tageblatt.lu | Vierschanzentournee | Skisprung-Zoff ums Material</title>",
            "",
            "https://www.tageblatt.lu/sport/1",
            "Skisprung-Zoff ums Material",
        ),
        # Korean: a section joined by a bare hyphen, the site after a "ㅣ" bar
        (
            '<meta property="og:site_name" content="한국일보">'
            '<meta property="og:title" content="장동혁, 한동훈 제명했지만… 부담 커졌다-정치ㅣ한국일보">',
            "",
            "https://www.hankookilbo.com/news/article/A1",
            "장동혁, 한동훈 제명했지만… 부담 커졌다",
        ),
        # Japanese: a full-width bar before the site's name
        (
            '<meta property="og:site_name" content="毎日新聞">'
            "<title>「年収の壁」見直しで合意　与野党協議｜毎日新聞</title>",
            "",
            "https://mainichi.jp/articles/20250114/k00/00m/010/1",
            "「年収の壁」見直しで合意 与野党協議",
        ),
        # Chinese: <title> alone, the site's name after "_" that nothing else names
        (
            "<title>夏粮收购全面展开 各地加强质量检测_农民日报网</title>",
            "",
            "https://www.farmer.example/2024/1.html",
            "夏粮收购全面展开 各地加强质量检测",
        ),
        # Chinese: "--section--site" after the <h1>'s text; the first <h1> is an empty logo
        (
            "<title>促进航天技术更好惠及人民--时政--人民网</title>",
            "<h1><img src='logo.png'></h1><h1>促进航天技术更好惠及人民</h1>",
            "http://politics.people.com.cn/n1/2024/0424/c1024-1.html",
            "促进航天技术更好惠及人民",
        ),
        # a clause after a dash is the headline's own when no part names the site
        (
            '<meta property="og:site_name" content="NRK">'
            '<meta property="og:title" content="Tårene rant for OL-håp – så kom sjokkvendingen">',
            "",
            "https://www.nrk.no/sport/1",
            "Tårene rant for OL-håp – så kom sjokkvendingen",
        ),
    ],
)
def test_the_sites_name_and_section_are_not_the_title(
    head: str, body: str, url: str, expected: str
) -> None:
    assert " ".join(_meta(head, body, url).title().split()) == expected


def test_a_source_that_decorates_another_gives_way_to_the_bare_headline() -> None:
    # JSON-LD says "<headline> | Sport", og:title the headline alone
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Bubi-Bomber wieder da: Thioune fordert Geduld | Sport"}</script>'
    )
    head = ld + '<meta property="og:title" content="Bubi-Bomber wieder da: Thioune fordert Geduld">'
    assert _meta(head).title() == "Bubi-Bomber wieder da: Thioune fordert Geduld"
    # og:title puts a section first; JSON-LD gives the bare headline
    ld = ld.replace(" | Sport", "")
    head = (
        ld + '<meta property="og:title" content="Tournee | Bubi-Bomber wieder da: Thioune '
        'fordert Geduld">'
    )
    assert _meta(head).title() == "Bubi-Bomber wieder da: Thioune fordert Geduld"


def test_a_headline_with_a_colon_keeps_its_kicker() -> None:
    # "Kicker: headline" is one headline, not a site's name and a headline
    head = (
        '<meta property="og:site_name" content="Mitteldeutsche Zeitung">'
        '<meta property="og:title" content="Bei Protesten 2022: Bericht: Aktivistin getötet">'
    )
    assert _meta(head).title() == "Bei Protesten 2022: Bericht: Aktivistin getötet"


def _ld(author: str) -> str:
    return (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Plan", '
        f'"author": {author}}}</script>'
    )


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        # JSON-LD persons named by their parts, one of them in a nested list
        (
            _ld(
                '[{"@type": "Person", "givenName": "Birgit", "familyName": "Baumann"},'
                ' [{"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"}]]'
            ),
            "",
            ("Birgit Baumann", "Anna Giulia Fink"),
        ),
        # several author <meta> tags: every one is an author
        (
            '<meta property="article:author" content="Deutsche Presse-Agentur">'
            '<meta property="article:author" content="MM-Redaktion">',
            "",
            ("Deutsche Presse-Agentur", "MM-Redaktion"),
        ),
        # a profile's URL in the first author <meta> does not hide the name in the next
        (
            '<meta property="article:author" content="https://www.facebook.com/mainichi/">'
            '<meta name="cXenseParse:author" content="松岡大地">',
            "",
            ("松岡大地",),
        ),
        # Korean: the site's name and a reporter in two author <meta> tags
        (
            '<meta property="og:site_name" content="한국일보">'
            '<meta name="author" content="한국일보"><meta name="author" content="신현주 기자">',
            "",
            ("신현주",),
        ),
        # a job title alone is no name
        ('<meta name="author" content="Jane Doe, Reporter">', "", ("Jane Doe",)),
        (
            '<meta name="author" content="By Jane Doe and John Roe, Staff Writer">',
            "",
            ("Jane Doe", "John Roe"),
        ),
        # the site's address after its name is no person
        (
            '<meta property="og:site_name" content="hessenschau.de">'
            '<meta name="author" content="hessenschau.de, Frankfurt, Germany">',
            "",
            ("hessenschau.de",),
        ),
        # ... but a co-author after the site's name is ("Le Figaro et AFP")
        (
            '<meta property="og:site_name" content="Le Figaro">'
            '<meta name="author" content="Le Figaro et AFP">',
            "",
            ("AFP",),
        ),
        # the organization the publisher declares beats a guess from the markup's class names
        (
            _ld('{"@type": "Organization", "name": "kicker"}'),
            '<span class="author">Amw</span>',
            ("kicker",),
        ),
        # a byline after an <h1> made of spans (a topline and the headline), "von" and a link
        (
            '<meta name="author" content="LTO"><meta property="og:site_name" content="LTO">',
            "<h1><span>Topline</span> <span>Plan</span></h1>"
            "<p>von <a href='/autoren/max-kolter'>Dr. Max Kolter</a></p>",
            ("Dr. Max Kolter",),
        ),
        # "Von:" with a colon, two names
        (
            "",
            "<h1>Plan</h1><div>Von: Bill MCCARTHY, Marisha GOLDHAMER</div>",
            ("Bill MCCARTHY", "Marisha GOLDHAMER"),
        ),
        # Chinese: the editors' credit when nothing else names anyone
        (
            '<meta name="author" content="105092">',
            "<h1>Plan</h1><p>正文。</p><div class='edit'>(责编：牛镛、岳弘彬)</div>",
            ("牛镛", "岳弘彬"),
        ),
    ],
)
def test_authors_are_people_not_organizations_titles_or_places(
    head: str, body: str, expected: tuple[str, ...]
) -> None:
    assert _meta(head, body, "https://www.site.example/a/1").authors() == expected


def test_json_ld_name_and_og_title_that_agree_outvote_its_headline() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Tårene rant for norsk OL-håp", '
        '"name": "OL i Paris 2024: Tårene rant for stavhopper Lene Retzius"}</script>'
    )
    og = '<meta property="og:title" content="OL i Paris 2024: Tårene rant for stavhopper Lene '
    agree = _meta(ld + og + 'Retzius">').title()
    assert agree == "OL i Paris 2024: Tårene rant for stavhopper Lene Retzius"
    # og:title alone against the headline: the headline stays
    other = ld.replace('"name": "OL i Paris 2024: Tårene', '"name": "Other')
    alone = _meta(other + og + 'Retzius">').title()
    assert alone == "Tårene rant for norsk OL-håp"


def test_a_headline_of_thousands_of_words_is_read_in_linear_time() -> None:
    """An unclosed <h1> can hold a whole article: its parts are looked at for the site's name
    without building every run of its words (cubic in memory: 1,600 words took 2 s and 600 MB).
    Bounded in CPU time, generously (tests/helpers.cpu_bound)."""
    words = [f"w{i}x" for i in range(3000)]
    text = " ".join(words[:1500]) + " - " + " ".join(words[1500:])
    meta = _meta('<meta property="og:site_name" content="Gazette">', f"<h1>{text}</h1>")
    with cpu_bound(2.0):  # ~5 ms here
        assert meta.title() == text


def test_a_title_of_many_separators_does_not_exhaust_the_stack() -> None:
    title = "Headline" + " | Gazette | Sport" * 2000
    meta = _meta(f'<meta property="og:site_name" content="Gazette"><title>{title}</title>')
    assert meta.title() == "Headline"


_DOMAINS = ("example.com", "news.example.org")
_HOSTS = ["example.com", "www.example.com", "evil.net", "example.com.evil.net", "[::1]", "[news"]
_HOSTS.append("evil.net\\.example.com")  # a browser's host ends at the backslash: evil.net


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.builds(
            "{}://{}{}/{}".format,
            st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
            st.sampled_from(["", "user@", "example.com:x@", "evil.net\\@"]),
            st.sampled_from(_HOSTS) | st.text(max_size=12),
            st.text(max_size=12),
        ),
    ),
    st.sampled_from(["https://example.com/a/1", "http://www.news.example.org/b?id=2"]),
)
@example("https://[news", "https://example.com/a/1")  # was a ValueError: the article was lost
@example("https://evil.net\\@example.com/", "https://example.com/a/1")  # a browser: evil.net
@example("https://evil.net\\.example.com/", "https://example.com/a/1")  # a browser: evil.net
def test_canonical_url_stays_on_the_allowed_domains(candidate: str, url: str) -> None:
    """Whatever a page names as its canonical URL, the article's key (the canonical URL
    normalised) is an http(s) URL on the source's domains, without user info (which browsers
    and Python read differently), and a malformed link is ignored, not an error."""
    key = normalize_url(canonical_url(candidate, url, _DOMAINS))
    parts = urlsplit(key)
    host = parts.hostname or ""
    assert parts.scheme in ("http", "https")
    assert any(host == d or host.endswith("." + d) for d in _DOMAINS), key
    assert "@" not in parts.netloc and "\\" not in parts.netloc, key
