"""What a site repeats is template: a page's lines as its source's template statistics know them.

A page's *lines* are those of its layout (:mod:`crawler.extract.layout`: block and ``<br>``
lines, whatever the markup) once pre-cleaning has run. Each line is known by a 64-bit hash of
its letters, case folded (digits, punctuation and spaces left out: "© 2025 X" and "© 2026 X",
"3 hours ago" and "5 hours ago" are one line each). Extraction reports the hashes of a page's
lines, and removes those its source repeats on most pages, its *template* lines, like headline
lists.

Which lines are template is the statistics' rule (:mod:`crawler.load.templates`): the load step
keeps them per source in PostgreSQL; ``newsflow extract`` and ``newsflow eval`` learn them in
memory from the pages at hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from crawler.extract import rules
from crawler.extract.text import NOT_LETTERS_RE


def line_hash(text: str) -> int | None:
    """The hash of a line's letters, case folded (a signed 64-bit integer, PostgreSQL's bigint);
    None for a line without letters (a date, a counter, a bullet)."""
    key = NOT_LETTERS_RE.sub("", text).casefold()
    if not key:
        return None
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def template_line_numbers(
    texts: Sequence[str], template: frozenset[int], page_lines: set[int] | None
) -> Iterator[int]:
    """The numbers of the ``texts`` (a page's lines) that are ``template`` lines; the hashes of
    all of them are added to ``page_lines`` (when given) for the source's statistics.

    A byline is never removed: on a site with one author it recurs on every page, and the
    authors are read from the tree after cleaning (``metadata``)."""
    for i, text in enumerate(texts):
        h = line_hash(text)
        if h is None:
            continue
        if page_lines is not None:
            page_lines.add(h)
        if h in template and not rules.BYLINE_RE.search(text):
            yield i
