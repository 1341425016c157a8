"""The load's writes: one page that cannot be written costs only itself, and no page takes over
an article stored from another page by pointing its canonical link at it."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.db import transaction
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.load.articles import LoadCounts, load_pending
from crawler.sources import Source
from tests.helpers import query_rows, refused_writes
from tools.generated_site import article_text

SOURCE = Source(name="lw", language="en", allowed_domains=("ex.com",))
OTHER = Source(name="lw-other", language="en", allowed_domains=("ex.com",))


def _html(story: int, canonical: str | None = None) -> bytes:
    title, paragraphs = article_text(story)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>{link}</head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def _load(db: str, source: Source, pages: dict[str, bytes], run_id: str = "r") -> LoadCounts:
    items = [
        PageItem(url, url, 200, "text/html", None, html, datetime.now(UTC), "sitemap")
        for url, html in pages.items()
    ]
    with transaction(db) as conn:
        sync_sources(conn, [SOURCE, OTHER])
        store_pages(conn, source.name, run_id, items)
    with transaction(db) as conn:
        return load_pending(conn, source, run_id)


def _article(db: str, url: str) -> tuple[str, str, str]:
    ((title, source, fetched_url),) = query_rows(
        db, "SELECT title, source, fetched_url FROM articles WHERE url = %s", (url,)
    )
    return title, source, fetched_url


def _page(db: str, url: str) -> tuple[str, str | None, str | None]:
    ((state, reason, article_url),) = query_rows(
        db, "SELECT state, reject_reason, article_url FROM raw_pages WHERE url = %s", (url,)
    )
    return state, reason, article_url


def test_a_page_whose_article_cannot_be_written_costs_only_itself(db: str) -> None:
    pages = {f"https://ex.com/news/{i}.html": _html(i) for i in range(6)}
    with refused_writes(db, "%/news/3.html", "articles"):
        counts = _load(db, SOURCE, pages)
    stored = {u for (u,) in query_rows(db, "SELECT url FROM articles")}
    assert stored == set(pages) - {"https://ex.com/news/3.html"}
    assert (counts.new, counts.rejected_by_reason) == (5, {"store_error": 1}), counts
    state, reason, _ = _page(db, "https://ex.com/news/3.html")
    assert (state, reason) == ("rejected", "store_error")
    assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]


A = "https://ex.com/news/a.html"


def test_a_canonical_link_cannot_take_over_an_article_of_another_page(db: str) -> None:
    _load(db, SOURCE, {A: _html(1, canonical=A)})
    original = _article(db, A)
    # another page of the source, and a page of another source on the same domain, both claim A
    evil, foreign = "https://ex.com/news/evil.html", "https://ex.com/other/x.html"
    counts = _load(db, SOURCE, {evil: _html(2, canonical=A)}, "r2")
    other = _load(db, OTHER, {foreign: _html(3, canonical=A)}, "r3")
    assert _article(db, A) == original, "the article of A was overwritten"
    assert query_rows(db, "SELECT count(*) FROM article_revisions") == [(0,)]
    assert counts.rejected_by_reason == {"canonical_conflict": 1}, counts
    assert other.rejected_by_reason == {"canonical_conflict": 1}, other
    # recorded, and linked to the article they claimed
    assert _page(db, evil) == ("rejected", "canonical_conflict", A)
    assert _page(db, foreign) == ("rejected", "canonical_conflict", A)
    # the same page refetched with an edit still updates its own article
    revised = _load(
        db, SOURCE, {A: _html(1, canonical=A).replace(b"</h1>", b"</h1><p>Update.</p>")}
    )
    assert revised.updated == 1, revised


def test_the_page_at_the_canonical_url_wins_over_earlier_claims(db: str) -> None:
    evil = "https://ex.com/news/evil.html"
    _load(db, SOURCE, {evil: _html(2, canonical=A)})  # first: nothing to take over yet
    assert _article(db, A)[2] == evil
    counts = _load(db, SOURCE, {A: _html(1, canonical=A)}, "r2")  # the page at A itself
    assert counts.updated == 1, counts
    assert _article(db, A) == (article_text(1)[0], "lw", A)
    # and in one batch, whatever the order, the page at the canonical URL is the one stored
    b = "https://ex.com/news/b.html"
    counts = _load(
        db, SOURCE, {"https://ex.com/news/0-evil.html": _html(4, canonical=b), b: _html(5)}, "r3"
    )
    assert _article(db, b) == (article_text(5)[0], "lw", b)
    assert counts.rejected_by_reason == {"canonical_conflict": 1}, counts


def test_copies_of_an_article_under_other_urls_are_not_conflicts(db: str) -> None:
    """A redirect or tracking variant extracts to the same article: unchanged, as before."""
    counts = _load(db, SOURCE, {A: _html(1, canonical=A), A + "?view=amp": _html(1, canonical=A)})
    assert (counts.new, counts.unchanged, counts.rejected) == (1, 1, 0), counts
