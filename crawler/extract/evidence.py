"""What a page says about its own kind: evidence that it is one article, or that it lists others.

A page is rejected as a listing only on listing evidence. Explicit evidence (a JSON-LD
CollectionPage/ItemList with no article node and no og:type article) is enough on its own; the
shape of the text (many headline items and no body, decided in ``crawler.extract``) is enough
only when nothing here says "article". Article evidence is read from the page before
pre-cleaning: the source's ``article_url_pattern`` matched the URL, JSON-LD article types,
og:type article, the page's ``<h1>`` inside an ``<article>`` or a sole ``<article>``, a
``<time>`` next to the ``<h1>``, a byline under the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from crawler.extract import rules
from crawler.extract.metadata import Metadata


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the page looks like one article, and why like a listing (``None``: no such evidence)."""

    article: str | None
    listing: str | None


def page_evidence(
    tree: HtmlElement, meta: Metadata, url: str, article_url_pattern: str | None = None
) -> Evidence:
    """Article and explicit listing evidence of one page (its tree before pre-cleaning)."""
    article = _article_evidence(tree, meta, url, article_url_pattern)
    listing = None
    if meta.listing_type and not meta.is_article:
        listing = f"JSON-LD {meta.listing_type}"
    return Evidence(article, listing)


def _article_evidence(
    tree: HtmlElement, meta: Metadata, url: str, article_url_pattern: str | None
) -> str | None:
    # Cheapest first; the name of the first one found is the evidence reported.
    if meta.article is not None:
        return "JSON-LD article"
    if meta.is_article:
        return "og:type article"
    if article_url_pattern and re.search(article_url_pattern, url):
        return "article URL pattern"
    h1 = next(tree.iter("h1"), None)
    articles = list(tree.iter("article"))
    if len(articles) == 1 or (
        h1 is not None and any(a.tag == "article" for a in h1.iterancestors())
    ):
        return "<article>"
    if h1 is not None and _time_by(h1):
        return "<time> by the <h1>"
    if meta.byline():
        return "byline"
    return None


def _time_by(h1: HtmlElement) -> bool:
    """A ``<time>`` in the headline's own block: its parent or grandparent, when that block is
    not a list of links (a listing's title is followed by items that each carry a time)."""
    block = h1
    for _ in range(rules.HEADLINE_BLOCK_LEVELS):
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return False
        block = parent
        if sum(1 for _ in block.iter("a")) >= rules.LINK_BLOCK_MIN_LINKS:
            return False
        if next(block.iter("time"), None) is not None:
            return True
    return False
