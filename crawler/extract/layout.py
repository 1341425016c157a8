"""Headline lists found by what the text is, not by its markup.

The page is read as a browser lays it out: a *line* is the text between two block boundaries or
``<br>``s, whatever the tags (``<p>``, ``<li>``, ``<div>``/``<span>`` rows, table cells, ``<dt>``/
``<dd>``, a ``<br>`` line inside one block). Each line is measured: how much of its text is link
text, once bullets, dates, times and counters (``rules.DECORATION_RE``) are set aside.

A *link line* is mostly link text; a *decoration line* holds nothing but decoration. Boilerplate is

- a run of lines holding at least ``LIST_MIN_ITEMS`` link lines, where every line is a link line,
  a decoration line, or a short line between two link lines (a teaser's time or counter);
- a single line made of many links (inline rows laid out by CSS);
- a list heading line ("最新ニュース", "Most read", ``rules.LIST_HEADING_RE``) and the short lines
  after it, linked or not, up to the first line of running text;
- given the source's template statistics, a line that recurs on most of its pages
  (:mod:`crawler.extract.template`).

Such lines are removed from the tree before trafilatura reads it: their text, and every element
whose text lies wholly inside them. What they held is returned (the headline items are listing
evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import rules
from crawler.extract.template import template_line_numbers
from crawler.extract.text import NOT_LETTERS_RE

# Not laid out: code, and hidden or widget text. An element holding such text that another reader
# may use (a <template>, an <svg> label) is never removed whole: its text counts as kept.
_CODE_TAGS = frozenset({"script", "style", "head"})
_HIDDEN_TAGS = frozenset({"template", "svg", "select"})


@dataclass(slots=True)
class Line:
    """One laid-out line of text."""

    parts: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # the parts outside links
    chars: int = 0  # non-space characters
    link_chars: int = 0  # ... of them inside links
    links: int = 0  # links starting in the line
    external: int = 0  # ... of them to another site
    block: str = ""  # tag of the innermost block element the line starts in

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


@dataclass(slots=True)
class Layout:
    """A page's lines and where their text sits."""

    lines: list[Line]
    pieces: list[tuple[int, HtmlElement, bool]]  # (line, element, is_tail): where text sits
    spans: list[tuple[HtmlElement, int, int]]  # element, its first and end piece (own tail out)


def lay_out(root: HtmlElement, url: str = "") -> Layout:
    """The lines of ``root``'s text and where each piece of text sits; links are told apart as
    the site's own or another site's by the page's ``url``."""
    site = _site(_host(url))
    lines: list[Line] = []
    pieces: list[tuple[int, HtmlElement, bool]] = []
    spans: list[tuple[HtmlElement, int, int]] = []
    starts: list[int] = []  # first piece of each open element
    blocks: list[str] = [""]  # open block tags
    links: list[bool] = []  # whether each open element is a link
    line_break = True
    link_depth = new_link = new_external = 0
    line = Line()

    def add(text: str, el: HtmlElement, is_tail: bool) -> None:
        nonlocal line, line_break, new_link, new_external
        solid = sum(map(len, text.split()))
        if not solid:
            if lines and not line_break:
                line.parts.append(" ")
            return
        if line_break or not lines:
            line = Line(block=blocks[-1])
            lines.append(line)
            line_break = False
        line.parts.append(text)
        line.chars += solid
        if link_depth:
            line.link_chars += solid
        else:
            line.other.append(text)
        if new_link:
            line.links += 1
            line.external += new_external
            new_link = new_external = 0
        pieces.append((len(lines) - 1, el, is_tail))

    walker = etree.iterwalk(root, events=("start", "end"))
    skipped: HtmlElement | None = None  # its subtree is not laid out
    for event, el in walker:
        tag = el.tag
        if event == "end":
            if el is skipped:
                skipped = None
            else:
                spans.append((el, starts.pop(), len(pieces)))
                if tag in rules.LINE_BREAK_TAGS:
                    line_break = True
                    blocks.pop()
                if links.pop():
                    link_depth -= 1
            if el is not root and el.tail:
                add(el.tail, el, True)
            continue
        if not isinstance(tag, str) or tag in _CODE_TAGS or tag in _HIDDEN_TAGS:
            if tag in _HIDDEN_TAGS and "".join(el.itertext()).strip():
                pieces.append((-1, el, False))  # in no line: never removed
            skipped = el
            walker.skip_subtree()
            continue
        if tag in rules.LINE_BREAK_TAGS:
            line_break = True
            blocks.append(tag)
        is_link = tag == "a" and _is_link(el)
        links.append(is_link)
        if is_link:
            link_depth += 1
            new_link = 1
            host = _host(el.get("href") or "")
            new_external = int(bool(host) and _site(host) != site)
        starts.append(len(pieces))
        if el.text:
            add(el.text, el, False)
    return Layout(lines, pieces, spans)


def _host(url: str) -> str:
    """The host name of ``url``; "" for a relative or malformed one ("http://[x]/" raises)."""
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def _site(host: str) -> str:
    """The part of a host name that names the site: its last two labels ("m.example.com" and
    "www.example.com" are one site)."""
    return ".".join(host.lower().rsplit(".", 2)[-2:])


def _is_link(a: HtmlElement) -> bool:
    href = (a.get("href") or "").strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:"))


def _core_chars(text: str) -> int:
    """Characters of ``text`` that are neither decoration nor space: its letters, less month
    names and words like "ago" (looked for only when few letters are left, where they matter)."""
    letters = len(NOT_LETTERS_RE.sub("", text))
    if letters > _WORDY_DECORATION_CHARS:
        return letters
    return len(_NOT_CORE_RE.sub("", text))


_NOT_CORE_RE = re.compile(rf"{rules.DECORATION_RE.pattern}|\s+", rules.DECORATION_RE.flags)
# Longest decoration written in letters ("vor 12 Stunden", "September"): beyond this many
# letters, decoration cannot make a line empty or short.
_WORDY_DECORATION_CHARS = 16


@dataclass(frozen=True, slots=True)
class _Kind:
    link: bool
    deco: bool
    heading: bool
    short: bool  # could be an unlinked headline: one short line, not a sentence
    core: int


def _kind(line: Line) -> _Kind:
    if line.chars > rules.LONG_LINE_CHARS and not line.link_chars:
        return _LONG  # running text; measuring its decoration would change nothing
    text = line.text
    core = _core_chars(text)
    deco = core == 0
    link = False
    if line.link_chars and not deco:
        # non-link text that is not decoration: a counter or date beside a link is fine
        other = _core_chars("".join(line.other))
        link = other <= rules.LINK_LINE_MAX_OTHER_SHARE * line.link_chars
    heading = (
        not deco
        and len(text) <= rules.MAX_HEADING_CHARS
        and rules.LIST_HEADING_RE.match(text) is not None
    )
    short = (
        not deco and core <= rules.MAX_HEADLINE_KEY_CHARS and not rules.SENTENCE_END_RE.search(text)
    )
    return _Kind(link, deco, heading, short, core)


_LONG = _Kind(link=False, deco=False, heading=False, short=False, core=rules.LONG_LINE_CHARS)


def _runs(lines: list[Line]) -> Iterator[tuple[int, int]]:
    """Boilerplate runs of lines, as [start, end) ranges in order, not overlapping."""
    kinds = [_kind(line) for line in lines]
    i = 0
    n = len(lines)
    while i < n:
        k = kinds[i]
        if k.heading:
            end = _heading_run_end(kinds, i)
            if end > i + 1:
                yield i, end
                i = end
                continue
        if k.link:
            end = _link_run_end(kinds, i)
            links = sum(line.links for line in lines[i:end])
            external = sum(line.external for line in lines[i:end])
            # a list of other sites' pages is the article's (a link round-up, sources), not
            # the site's headlines
            if end > i and external * 2 <= links:
                # a heading line just before the run goes with it
                yield (i - 1 if i and kinds[i - 1].heading else i), end
                i = end
                continue
            if lines[i].links >= rules.LIST_MIN_ITEMS:  # one line of many links
                yield i, i + 1
        i += 1


def _link_run_end(kinds: list[_Kind], start: int) -> int:
    """End of the list starting at the link line ``start``, or ``start`` if there is none.

    Two shapes: headlines (at least ``LIST_MIN_ITEMS`` link lines, with at most
    ``LIST_MAX_GAP_LINES`` short lines between two: a date, a counter), and teasers (at least
    ``TEASER_MIN_ITEMS`` link lines, each followed by the same number, at most
    ``LIST_MAX_GAP_LINES``, of lines up to ``TEASER_MAX_CHARS``: a summary, a date)."""
    for gap_chars, min_items, same_gaps in (
        (rules.TEASER_MAX_CHARS, rules.TEASER_MIN_ITEMS, True),
        (rules.LIST_GAP_MAX_CHARS, rules.LIST_MIN_ITEMS, False),
    ):
        items = 0
        end = start
        gaps: set[int] = set()
        gap = 0
        for i in range(start, len(kinds)):
            k = kinds[i]
            if k.link:
                if items:
                    gaps.add(gap)
                items += 1
                end = i + 1
                gap = 0
            elif not k.heading and (k.deco or k.core <= gap_chars) and (k.short or same_gaps):
                gap += 1
                if gap > rules.LIST_MAX_GAP_LINES:
                    break
            else:
                break
        if same_gaps and len(gaps) > 1:
            continue
        if items >= min_items:
            # what follows the last item (its summary, its date) belongs to the run
            tail = max(gaps, default=0) if same_gaps else 0
            while end < len(kinds) and (kinds[end].deco or tail) and not kinds[end].link:
                if not kinds[end].deco:
                    tail -= 1
                end += 1
            return end
    return start


def _heading_run_end(kinds: list[_Kind], start: int) -> int:
    """End of the list under the heading line at ``start``: the following link, decoration and
    short lines, if at least ``LIST_MIN_ITEMS`` of them are items; else ``start``."""
    items = 0
    i = start + 1
    while i < len(kinds):
        k = kinds[i]
        if k.heading:
            break
        if k.link or k.short:
            items += 1
        elif not k.deco:
            break
        i += 1
    return i if items >= rules.LIST_MIN_ITEMS else start


def drop_headline_lists(
    root: HtmlElement,
    url: str = "",
    template: frozenset[int] = frozenset(),
    page_lines: set[int] | None = None,
) -> list[str]:
    """Remove every boilerplate run of lines from the tree (see the module docstring), and the
    lines that are in the source's ``template`` (``crawler.extract.template``); return the link
    lines of the runs (headline items, for the listing decision). The hashes of the page's
    lines are added to ``page_lines``, when given."""
    layout = lay_out(root, url)
    doomed_lines: set[int] = set()
    headlines: list[str] = []
    for start, end in _runs(layout.lines):
        doomed_lines.update(range(start, end))
        for line in layout.lines[start:end]:
            if line.link_chars and _core_chars(line.text) >= rules.MIN_HEADLINE_KEY_CHARS:
                headlines.append(line.text)
    if template or page_lines is not None:
        texts = [line.text for line in layout.lines]
        doomed_lines.update(template_line_numbers(texts, template, page_lines))
    if not doomed_lines:
        return headlines
    for line_no, el, is_tail in layout.pieces:
        if line_no in doomed_lines:
            if is_tail:
                el.tail = None
            else:
                el.text = None
    # doomed_before[p]: how many of the pieces before piece p lie in doomed lines
    doomed_before = [0]
    for line_no, _, _ in layout.pieces:
        doomed_before.append(doomed_before[-1] + (line_no in doomed_lines))
    doomed: set[HtmlElement] = set()
    for el, first, end in layout.spans:
        if (
            el is not root
            and end > first
            and doomed_before[end] - doomed_before[first] == end - first
        ):
            doomed.add(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None and parent not in doomed:
            el.drop_tree()  # keeps the tail, which is outside the run or already cleared
    return headlines
