"""Discovery parsers on in-memory bytes: feeds, sitemaps (index, news, gzip), pagination, URLs."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urljoin
from xml.sax.saxutils import escape

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.fetch.discover import feed_entries, is_pagination_link, sitemap_entries
from crawler.fetch.urls import normalize_url

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>https://ex.jp/articles/1?utm_source=rss</link>
<pubDate>Fri, 20 Nov 2026 09:30:00 +0900</pubDate></item>
<item><title>b</title><guid>https://ex.jp/articles/2</guid></item>
<item><title>no link</title><guid isPermaLink="false">tag:ex.jp,2026:3</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link rel="alternate" href="/articles/5"/><link rel="edit" href="/edit/5"/>
<updated>2026-11-21T01:00:00Z</updated></entry>
</feed>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ex.jp/sitemap-1.xml.gz</loc></sitemap>
<sitemap><loc>https://ex.jp/sitemap-news.xml</loc><lastmod>2026-11-20</lastmod></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.jp/articles/7</loc><lastmod>2026-11-22T00:00:00Z</lastmod>
<news:news><news:publication><news:name>Ex</news:name><news:language>ja</news:language></news:publication>
<news:publication_date>2026-11-20T08:00:00+09:00</news:publication_date><news:title>t</news:title></news:news></url>
<url><loc>https://ex.jp/articles/8</loc><lastmod>2026-11-19</lastmod></url>
</urlset>"""


def test_rss_links_dates_and_guid_permalinks() -> None:
    entries = feed_entries(RSS, "https://ex.jp/rss.xml")
    assert entries is not None
    assert [e.url for e in entries] == [
        "https://ex.jp/articles/1?utm_source=rss",
        "https://ex.jp/articles/2",
    ]
    assert entries[0].lastmod == datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=9)))


def test_atom_alternate_links_resolved_against_feed_url() -> None:
    entries = feed_entries(ATOM, "https://ex.jp/atom.xml")
    assert entries is not None
    assert [(e.url, e.lastmod) for e in entries] == [
        ("https://ex.jp/articles/5", datetime(2026, 11, 21, 1, 0, tzinfo=UTC))
    ]


def test_non_feed_is_none() -> None:
    assert feed_entries(b"<html><body>hi</body></html>", "https://ex.jp/") is None
    assert feed_entries(b"", "https://ex.jp/") is None
    assert feed_entries(b"\x00\xff garbage", "https://ex.jp/") is None


def test_sitemap_index_and_news_sitemap_dates() -> None:
    kind, entries = sitemap_entries(SITEMAP_INDEX)
    assert kind == "sitemapindex"
    assert [e.url for e in entries] == [
        "https://ex.jp/sitemap-1.xml.gz",
        "https://ex.jp/sitemap-news.xml",
    ]
    kind, entries = sitemap_entries(NEWS_SITEMAP)
    assert kind == "urlset"
    # news:publication_date wins over lastmod; a plain lastmod date is kept when alone
    assert entries[0].lastmod == datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=9)))
    assert entries[1].lastmod is not None and entries[1].lastmod.date().isoformat() == "2026-11-19"


def test_gzipped_sitemap_and_garbage() -> None:
    kind, entries = sitemap_entries(gzip.compress(NEWS_SITEMAP))
    assert kind == "urlset" and len(entries) == 2
    assert sitemap_entries(b"<html></html>")[0] == "invalid"
    assert sitemap_entries(b"")[0] == "invalid"


def test_normalize_url_drops_tracking_and_fragment() -> None:
    assert (
        normalize_url("HTTPS://Ex.JP/a/b.html?utm_source=rss&utm_medium=feed&id=3#top")
        == "https://ex.jp/a/b.html?id=3"
    )
    assert normalize_url("https://ex.jp/a?fbclid=x&gclid=y") == "https://ex.jp/a"


def test_pagination_links() -> None:
    assert is_pagination_link("next", "")
    assert is_pagination_link(None, "次へ")
    assert is_pagination_link(None, "下一頁 »")
    assert is_pagination_link(None, "Next page")
    assert not is_pagination_link(
        None, "A long headline that mentions what comes next for the economy"
    )
    assert not is_pagination_link("nofollow", "Read")


def test_news_sitemap_entries_are_told_apart_from_plain_ones() -> None:
    # Only the entry with <news:news> is a news sitemap's; the plain one beside it is not.
    _, entries = sitemap_entries(NEWS_SITEMAP)
    assert [(e.url, e.news) for e in entries] == [
        ("https://ex.jp/articles/7", True),
        ("https://ex.jp/articles/8", False),
    ]
    _, plain = sitemap_entries(NEWS_SITEMAP.replace(b"sitemap-news/0.9", b"elsewhere/0.9"))
    assert not any(e.news for e in plain), "news:news in an undeclared namespace is no news entry"
    _, index = sitemap_entries(SITEMAP_INDEX)
    assert not any(e.news for e in index)


# Properties: discovery reads hostile bytes. A body that is no feed or sitemap is reported as such
# (never an exception, which loses the response's error record), and one bad entry never hides
# the others.
_LINKS = st.lists(
    st.one_of(
        st.from_regex(r"/articles/[a-z0-9]{1,8}", fullmatch=True),
        st.from_regex(r"https://ex\.jp/[a-z0-9/]{0,12}", fullmatch=True),
        st.sampled_from(["http://[x", "https://[::1/a"]),  # malformed: cannot be made absolute
    ),
    max_size=8,
)


def _absolute(link: str) -> str | None:
    try:
        return urljoin("https://ex.jp/feed.xml", link)
    except ValueError:
        return None


@settings(max_examples=200)
@given(_LINKS, st.booleans())
@example(["http://[x", "/articles/1"], False)  # the whole feed was lost: ValueError
def test_every_well_formed_feed_link_is_found(links: list[str], atom: bool) -> None:
    if atom:
        entries = "".join(f'<entry><link href="{escape(u)}"/></entry>' for u in links)
        body = f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'
    else:
        items = "".join(f"<item><link>{escape(u)}</link></item>" for u in links)
        body = f"<rss><channel>{items}</channel></rss>"
    found = feed_entries(body.encode(), "https://ex.jp/feed.xml")
    assert found is not None
    assert [c.url for c in found] == [u for u in map(_absolute, links) if u is not None]


_BODIES = st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b),  # gzip magic, then garbage
    st.binary(max_size=200).map(lambda b: gzip.compress(b)[: len(b) // 2 + 10]),  # truncated
    st.binary(max_size=200).map(gzip.compress),
)


@settings(max_examples=300)
@given(_BODIES)
@example(b"\x1f\x8b")  # was EOFError
@example(gzip.compress(SITEMAP_INDEX)[:-20])  # cut short: was EOFError
def test_any_body_is_a_sitemap_or_invalid(body: bytes) -> None:
    kind, entries = sitemap_entries(body)
    assert kind in ("urlset", "sitemapindex", "invalid")
    assert all(isinstance(e.url, str) and e.url for e in entries)


@settings(max_examples=300)
@given(_BODIES, st.sampled_from([None, "utf-8", "shift_jis", "no-such-charset"]))
@example(b"\x1f\x8b", None)  # was EOFError
def test_any_body_is_a_feed_or_none(body: bytes, charset: str | None) -> None:
    found = feed_entries(body, "https://ex.jp/feed.xml", charset)
    assert found is None or all(c.url for c in found)
