"""Article text that exists only in a script payload: pages rendered by JavaScript (Next.js,
React Query, Nuxt state) or structured data other than an article (a JSON-LD HowTo) carry the
body as HTML inside JSON strings, and the DOM shows none of it.

Read only when the DOM gave too little text: every JSON string literal in the page's inline
scripts that holds HTML paragraphs is decoded, and the script whose strings hold the most text
gives the body, its strings in page order. When no script holds HTML, an application's state
(``__NEXT_DATA__``, Nuxt's ``__NUXT__``/``__NUXT_DATA__``, Redux and Apollo stores) may hold the
paragraphs as plain strings: those that read as prose are the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

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
# Scripts holding an application's state: by their id (JSON), or by what their code assigns.
_STATE_SCRIPT_IDS = frozenset({"__NEXT_DATA__", "__NUXT_DATA__"})
_STATE_CODE_RE = re.compile(
    r"__NUXT__|__INITIAL_STATE__|__PRELOADED_STATE__|__APOLLO_STATE__|__remixContext"
)


def payload_text(scripts: Sequence[HtmlElement]) -> str:
    """The body carried by the page's ``<script>`` payloads, one line per paragraph; "" if none.
    (The scripts are taken before pre-cleaning, which may drop the block that holds them.)"""
    return _best_script(scripts, _holds_html, _paragraphs) or _best_script(
        scripts, _holds_state, _prose
    )


def _holds_html(script: HtmlElement) -> bool:
    return _PARAGRAPH_RE.search(script.text or "") is not None


def _holds_state(script: HtmlElement) -> bool:
    code = script.text or ""
    return script.get("id") in _STATE_SCRIPT_IDS or _STATE_CODE_RE.search(code[:4096]) is not None


def _best_script(
    scripts: Sequence[HtmlElement],
    wanted: Callable[[HtmlElement], bool],
    lines_of: Callable[[str], list[str]],
) -> str:
    """The lines that ``lines_of`` reads in the string literals of one ``wanted`` script, of
    the script where they hold the most text, in page order and each once."""
    best: list[str] = []
    best_units = 0
    for script in scripts:
        if not wanted(script):
            continue
        lines: list[str] = []
        seen: set[str] = set()
        for match in _STRING_RE.finditer(script.text or ""):
            for line in lines_of(match.group(1)):
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
        found = len(units("\n".join(lines)))
        if found > best_units:
            best, best_units = lines, found
    return "\n".join(best)


def _prose(literal: str) -> list[str]:
    """The lines of a string literal that read as prose: long enough in units, ending like a
    sentence; not markup or URLs."""
    if len(literal) < rules.PAYLOAD_MIN_PROSE_UNITS:
        return []
    try:
        value = json.loads(f'"{literal}"')
    except ValueError:
        return []
    if not isinstance(value, str) or "<" in value or value.lstrip().startswith(("http", "/")):
        return []
    lines = []
    for raw in value.split("\n"):
        line = " ".join(raw.split())
        if rules.SENTENCE_END_RE.search(line) and (
            len(units(line)) >= rules.PAYLOAD_MIN_PROSE_UNITS
        ):
            lines.append(line)
    return lines


def _paragraphs(literal: str) -> list[str]:
    """The blocks of a string literal holding HTML paragraphs, one line each."""
    if len(literal) < rules.PAYLOAD_MIN_STRING_CHARS or not _PARAGRAPH_RE.search(literal):
        return []
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
