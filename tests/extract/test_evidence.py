"""Article and listing evidence: a short text beside a long headline list is kept as a brief
when the page says it is an article; a page is a listing only on listing evidence."""

from __future__ import annotations

import json

import pytest

from crawler.extract import extract
from crawler.models import Article, Rejection
from tests.extract.layouts import items

URL = "https://gazette.example/news/2025/10/24/road-closed.html"
BRIEF = (
    "Police closed the coast road near the harbour on Monday after a lorry overturned. "
    "No one was hurt."
)  # 18 words: below the 30 units asked of a page without evidence
HEADLINES = "".join(f"<li><a href='{i.href}'>{i.headline}</a></li>" for i in items("en"))


def _page(
    *, head: str = "", header: str = "<h1>Coast road closed</h1>", wrap: str = "div"
) -> bytes:
    return (
        f"<html lang='en'><head><title>Coast road closed | Gazette</title>{head}</head><body>"
        f"<{wrap}>{header}<p>{BRIEF}</p></{wrap}>"
        f"<div><h2>Latest news</h2><ul>{HEADLINES}</ul></div></body></html>"
    ).encode()


def _ld(kind: str) -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": "Coast road closed"}
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


EVIDENCE = {
    "JSON-LD NewsArticle": {"head": _ld("NewsArticle")},
    "JSON-LD BlogPosting": {"head": _ld("BlogPosting")},
    "og:type article": {"head": "<meta property='og:type' content='article'>"},
    "<article>": {"wrap": "article"},
    "<time> by the <h1>": {
        "header": "<header><h1>Coast road closed</h1><time datetime='2025-10-24'>Oct 24</time>"
        "</header>"
    },
    "byline": {"header": "<h1>Coast road closed</h1><p>By Jane Doe</p>"},
}


@pytest.mark.parametrize("kind", sorted(EVIDENCE))
def test_brief_beside_a_headline_list_is_stored_on_article_evidence(kind: str) -> None:
    result = extract(_page(**EVIDENCE[kind]), URL)
    assert isinstance(result, Article), f"{kind}: {result}"
    assert result.body == BRIEF, f"{kind}: {result.body!r}"


def test_article_url_pattern_is_article_evidence() -> None:
    result = extract(_page(), URL, article_url_pattern=r"/news/\d{4}/\d{2}/\d{2}/")
    assert isinstance(result, Article) and result.body == BRIEF, result


def test_the_same_brief_without_evidence_is_rejected() -> None:
    result = extract(_page(), URL)
    assert isinstance(result, Rejection), result


def test_json_ld_listing_type_beside_article_evidence_is_not_a_listing() -> None:
    # an ItemList of related links on an article page (og:type article)
    head = _ld("ItemList") + "<meta property='og:type' content='article'>"
    assert isinstance(extract(_page(head=head), URL), Article)


def test_json_ld_collection_page_is_a_listing_even_at_an_article_url() -> None:
    result = extract(
        _page(head=_ld("CollectionPage"), wrap="article"), URL, article_url_pattern="/news/"
    )
    assert isinstance(result, Rejection) and result.reason == "listing_page", result
    assert result.detail == "JSON-LD CollectionPage"


def test_teaser_list_without_body_is_a_listing_whatever_it_claims() -> None:
    teasers = "".join(
        f"<li><a href='{i.href}'><h3>{i.headline}</h3></a><p>What happened, in one line of "
        f"summary for item {n}.</p><span>{i.date}</span></li>"
        for n, i in enumerate(items("en")[:20])
    )
    html = (
        "<html><head><title>World | Gazette</title><meta property='og:type' content='article'>"
        f"</head><body><h1>World</h1><ul>{teasers}</ul></body></html>"
    ).encode()
    result = extract(html, "https://gazette.example/world/")
    assert isinstance(result, Rejection) and result.reason == "listing_page", result


ARTICLE = "".join(
    f"<p>Paragraph {n}: the harbour board met on Tuesday and approved the dredging plan after a "
    "long debate about costs, tides and the fishing fleet's needs.</p>"
    for n in range(6)
)


def test_link_heavy_page_with_article_text_and_no_evidence_is_an_article() -> None:
    menu = "".join(f"<li><a href='/s/{n}'>Section {n}</a></li>" for n in range(150))
    html = (
        f"<html><head><title>Dredging plan | Gazette</title></head><body><ul>{menu}</ul>"
        f"<div>{ARTICLE}</div></body></html>"
    ).encode()
    result = extract(html, "https://gazette.example/p/1")
    assert isinstance(result, Article) and result.body.count("Paragraph") == 6, result


def test_article_nested_in_a_sidebar_by_broken_markup_is_extracted() -> None:
    html = (
        "<html><head><title>Dredging plan | Gazette</title></head><body>"
        "<aside class='sidebar'><div class='widget'><a href='/a'>Archive</a></div>"
        f"<article class='post'><h1>Dredging plan</h1>{ARTICLE}</article></aside></body></html>"
    ).encode()
    result = extract(html, "https://gazette.example/p/1")
    assert isinstance(result, Article) and result.body.count("Paragraph") == 6, result


def test_text_only_in_a_script_payload_is_extracted() -> None:
    state = {"article": {"title": "Dredging plan", "contentHtml": ARTICLE}}
    html = (
        "<html><head><title>Dredging plan | Gazette</title>"
        "<meta property='og:type' content='article'></head><body><div id='root'></div>"
        f"<script>window.__STATE__ = {json.dumps(state)};</script></body></html>"
    ).encode()
    result = extract(html, "https://gazette.example/p/1")
    assert isinstance(result, Article), result
    assert result.body.split("\n")[0].startswith("Paragraph 0:")
    assert result.body.count("Paragraph") == 6
