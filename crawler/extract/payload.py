"""Article text that exists only in a script payload: pages rendered by JavaScript (Next.js,
React Query, Nuxt state) or structured data other than an article (a JSON-LD HowTo) carry the
body as HTML inside JSON strings, and the DOM shows none of it.

Read only when the DOM gave too little text: every JSON string literal in the page's inline
scripts that holds HTML paragraphs is decoded, and the script whose strings hold the most text
gives the body, its strings in page order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement

from crawler.extract import rules
from crawler.extract.text import units

# Double-quoted string literals, matched left to right; those holding an HTML paragraph ("<p"
# raw or "\u003cp" escaped) are decoded.
_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_PARAGRAPH_RE = re.compile(r"<p[\s>]|\\u003c[pP][\s\\>]")
_BLOCK_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote")


def payload_text(scripts: Iterable[HtmlElement]) -> str:
    """The body carried by the page's ``<script>`` payloads, one line per paragraph; "" if none.
    (The scripts are taken before pre-cleaning, which may drop the block that holds them.)"""
    best: list[str] = []
    best_units = 0
    for script in scripts:
        code = script.text or ""
        if not _PARAGRAPH_RE.search(code):
            continue
        lines: list[str] = []
        seen: set[str] = set()
        for match in _STRING_RE.finditer(code):
            literal = match.group(1)
            if len(literal) < rules.PAYLOAD_MIN_STRING_CHARS or not _PARAGRAPH_RE.search(literal):
                continue
            for line in _paragraphs(literal):
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
        found = len(units("\n".join(lines)))
        if found > best_units:
            best, best_units = lines, found
    return "\n".join(best)


def _paragraphs(literal: str) -> list[str]:
    try:
        markup = json.loads(f'"{literal}"')
    except ValueError:
        return []
    if not isinstance(markup, str):
        return []
    try:
        fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (ValueError, etree.ParserError):
        return []
    lines = []
    for el in fragment.iter(*_BLOCK_TAGS):
        if any(a.tag in ("figure", "figcaption") for a in el.iterancestors()) or any(
            rules.CAPTION_CLASS_RE.search(f"{a.get('class', '')} {a.get('id', '')}")
            for a in (el, *el.iterancestors())
        ):
            continue
        if any(c.tag in _BLOCK_TAGS for c in el.iterdescendants()):
            continue  # its inner blocks are lines of their own
        text = " ".join(el.text_content().split())
        if text:
            lines.append(text)
    return lines
