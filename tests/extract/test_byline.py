"""The author named in the markup (crawler.extract.byline): trafilatura's search, done faster."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import fromstring
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from crawler.extract.byline import page_author
from crawler.extract.encoding import decode_html

ROOT = Path(__file__).parents[1]
PAGES = sorted((ROOT / "corpus" / "pages").rglob("*.html")) + sorted(
    (ROOT / "fixtures" / "pages").rglob("*.html")
)


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_same_author_as_trafilaturas_search(path: Path) -> None:
    tree = load_html(decode_html(path.read_bytes()))
    assert tree is not None
    assert page_author(tree) == extract_author(tree)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<div class='byline'>Jane Doe</div>", "Jane Doe"),
        # the more specific rel=author wins over an earlier byline class
        ("<span class='byline'>Staff</span><a rel='author' href='/a'>John Roe</a>", "John Roe"),
        # comments and dates are not searched
        ("<div id='comments'><span class='author'>Commenter</span></div>", None),
        ("<span class='author'>Jane Doe <time>May 4</time></span>", "Jane Doe"),
    ],
)
def test_author_in_markup(body: str, expected: str | None) -> None:
    tree = fromstring(f"<html><body><p>Text.</p>{body}</body></html>")
    assert page_author(tree) == expected
