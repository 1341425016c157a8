"""The author named in the page's markup, the last resort of ``Metadata.authors``: the first
element whose class, id, itemprop, rel or data attribute says "author" or "byline", in
trafilatura's order of confidence (its ``AUTHOR_XPATHS``), outside comments, sidebars, quotes,
dates and figures (its ``AUTHOR_DISCARD_XPATHS``).

The same search as trafilatura's ``extract_author``, in one walk of the tree with compiled
patterns: that one copies the whole tree and runs XPath regular expressions over it, which cost
more than the rest of the metadata together. Patterns are data in ``rules``.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors

from crawler.extract import rules

_LEVEL_TAGS = (
    frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
    frozenset({"a", "div", "h3", "h4", "p", "span"}),
    None,  # any element
)
_DISCARD_CONTAINER_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_TAGS = frozenset({"time", "figure"})
_MAX_CHARS = 120


def page_author(root: HtmlElement) -> str | None:
    """The author string of the first matching element, by confidence then page order."""
    found: list[HtmlElement | None] = [None, None, None]
    walker = etree.iterwalk(root, events=("start",))
    for _, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if _discarded(el, tag):
            walker.skip_subtree()
            continue
        if not el.attrib and tag != "author":
            continue
        level = _level(el, tag)
        if level is not None and found[level] is None and _text(el):
            found[level] = el
            if level == 0:
                break
    first = next((candidate for candidate in found if candidate is not None), None)
    return normalize_authors(None, _text(first)) if first is not None else None


def _level(el: HtmlElement, tag: str) -> int | None:
    if tag == "author":
        return 0
    for level, tags in enumerate(_LEVEL_TAGS):
        if (tags is None or tag in tags) and _matches(el, rules.PAGE_AUTHOR_LEVELS[level]):
            return level
    return None


def _discarded(el: HtmlElement, tag: str) -> bool:
    if tag in _DISCARD_TAGS:
        return True
    return tag in _DISCARD_CONTAINER_TAGS and _matches(el, rules.PAGE_AUTHOR_DISCARD)


def _matches(el: HtmlElement, rule: rules.AttributeRule) -> bool:
    """Whether an attribute of ``el`` equals, contains or matches what ``rule`` names."""
    for attribute, (equal, contained, pattern) in rule.items():
        value = el.get(attribute)
        if not value:
            continue
        if value in equal or any(part in value for part in contained):
            return True
        if pattern is not None and pattern.search(value):
            return True
    return False


def _text(el: HtmlElement) -> str:
    """The element's text without what the search leaves out, trimmed; "" when not 3 to 119
    characters (trafilatura's limits)."""
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node is not el and isinstance(node.tag, str) and _discarded(node, node.tag):
                walker.skip_subtree()  # its "end" still comes, and adds its tail
                continue
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
        elif node is not el and node.tail:
            parts.append(node.tail)
    text = " ".join(" ".join(parts).split())
    return text if 2 < len(text) < _MAX_CHARS else ""
