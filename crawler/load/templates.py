"""Template statistics: the lines each source's pages repeat, and which of them are template.

A source's statistics (:class:`TemplateStats`) count its pages and, for each line (its hash,
:mod:`crawler.extract.template`), the pages it was on and the source's page count when it first
appeared. A line is *template* (:meth:`TemplateStats.template`) when it was on at least
:data:`MIN_PAGES` pages and on at least :data:`MIN_SHARE` of the source's pages since it first
appeared: menus, copyright lines and follow prompts from the start, and a "latest news" list's
headlines while the list shows them. A line that an article quotes, or that two articles on one
story share, is on a few pages of the source, far from that share: it stays. A source's first
pages have no statistics: the single-page rules alone apply until it has :data:`MIN_PAGES`.

The load step (:class:`SourceTemplates`) reads a source's statistics once per run (two queries),
extracts with its template lines and counts the pages' lines in memory. It stores the changed
rows in the transaction of a write, one statement for every :data:`STORE_EVERY_PAGES` pages
counted, never one per page, and prunes them at the end of the run.
``newsflow extract`` and ``newsflow eval`` learn them in memory from the pages at hand, per site
(:func:`learn_site_templates`), with the same counting and the same rule.

The rule's figures live here, not in ``crawler.extract.rules``: the loading process applies it
without importing the extractor (its workers do).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from urllib.parse import urlsplit

import psycopg2.extensions

from crawler.db import query

LOGGER = logging.getLogger(__name__)

# A line is template when it is on at least MIN_PAGES of a source's pages and on at least
# MIN_SHARE of the source's pages counted since it first appeared. Two articles on one story
# sharing a quote (2 pages), or a running story quoted by a handful among a day's pages, stay far
# below; the furniture of a template is on (nearly) every page.
MIN_PAGES = 5
MIN_SHARE = 0.5
# Lines seen on one page only are remembered, in memory, up to this many (the oldest are
# forgotten first): the next page showing one makes it a line of the statistics.
MAX_SINGLES = 200_000
# The load stores the counts once this many pages were counted since it last did (and at the end
# of a run). While a crawl trickles pages in, a write holds a page or two, and the hundreds of
# known lines of each page would be written again at every one.
STORE_EVERY_PAGES = 100
# Stored: at most this many lines per source (a template has a few hundred; the rest are
# headlines of the day, which come and go).
MAX_LINES = 5000
# A stored line not seen for this long is forgotten (a menu entry or a list the site dropped).
FORGET_AFTER = timedelta(days=60)
# After this many of the source's pages since it first appeared, a line on less than RARE_SHARE
# of them is forgotten: an article's quote, a line two stories share.
RARE_AFTER_PAGES = 100
RARE_SHARE = MIN_SHARE / 5


@dataclass(slots=True)
class TemplateStats:
    """One source's template statistics: ``pages`` counted, and for each line seen on at least
    two of them, ``[pages it was on, the source's page count when it was first seen]``.

    Lines seen on a single page so far (most are an article's own) are kept apart, in memory
    only and at most :data:`MAX_SINGLES` of them: they are neither stored nor template."""

    pages: int = 0
    lines: dict[int, list[int]] = field(default_factory=dict)
    _singles: dict[int, int] = field(default_factory=dict)  # hash → page count when seen

    def count(self, pages: Iterable[Iterable[int]]) -> set[int]:
        """Count ``pages`` (each the hashes of one page's lines; a page without lines is no
        page of the template); return the lines whose counts changed."""
        changed: set[int] = set()
        for hashes in pages:
            counted = False
            for h in set(hashes):
                counted = True
                known = self.lines.get(h)
                if known is not None:
                    known[0] += 1
                elif (first := self._singles.pop(h, None)) is not None:
                    self.lines[h] = [2, first]
                else:
                    self._singles[h] = self.pages
                    continue
                changed.add(h)
            self.pages += counted
        excess = len(self._singles) - MAX_SINGLES
        if excess > 0:  # the oldest first (dicts keep their insertion order), down to half
            for h in list(islice(self._singles, excess + MAX_SINGLES // 2)):
                del self._singles[h]
        return changed

    def template(self) -> frozenset[int]:
        """The template lines: on at least :data:`MIN_PAGES` pages, and on at least
        :data:`MIN_SHARE` of the pages counted since the line first appeared."""
        return frozenset(
            h
            for h, (seen, first) in self.lines.items()
            if seen >= MIN_PAGES and seen >= MIN_SHARE * (self.pages - first)
        )


# --- In PostgreSQL (the load step) -------------------------------------------------------------


class SourceTemplates:
    """One source's template statistics during one load: read once, counted in memory, stored
    with the load's writes. ``template`` is the set to extract the next pages with.

    With ``learn`` False (a re-extraction of pages counted before) the pages are not counted,
    unless the source has no statistics yet."""

    def __init__(self, conn: psycopg2.extensions.connection, source: str, *, learn: bool) -> None:
        self.source = source
        self.stats = read_template_stats(conn, source)
        self.learn = learn or not self.stats.pages
        self.template = self.stats.template()
        self._changed: set[int] = set()
        self._stored_pages = self.stats.pages

    def count(self, cur: psycopg2.extensions.cursor, pages: Iterable[Iterable[int]]) -> None:
        """Count one write's ``pages`` (their line hashes); in the write's transaction (``cur``),
        store the counts once :data:`STORE_EVERY_PAGES` pages were counted since the last time."""
        if not self.learn:
            return
        self._changed |= self.stats.count(pages)
        if self.stats.pages - self._stored_pages >= STORE_EVERY_PAGES:
            self._store(cur)

    def finish(self, cur: psycopg2.extensions.cursor) -> None:
        """At the end of the load: store what is left to store, prune, and log the figures."""
        if self.learn and self.stats.pages:
            if self.stats.pages != self._stored_pages:
                self._store(cur)
            prune_template_stats(cur, self.source, self.stats, datetime.now(UTC))
        LOGGER.info(
            "source=%s template: %d page(s) counted, %d template line(s)",
            self.source,
            self.stats.pages,
            len(self.template),
        )

    def _store(self, cur: psycopg2.extensions.cursor) -> None:
        store_template_stats(cur, self.source, self.stats, self._changed, datetime.now(UTC))
        self._changed.clear()
        self._stored_pages = self.stats.pages
        self.template = self.stats.template()  # the pages read next use what was learnt


def read_template_stats(conn: psycopg2.extensions.connection, source: str) -> TemplateStats:
    """The stored statistics of ``source`` (empty when it has none yet)."""
    with conn.cursor() as cur:
        cur.execute(query("template_pages"), {"source": source})
        row = cur.fetchone()
        if row is None:
            return TemplateStats()
        cur.execute(query("template_lines"), {"source": source})
        return TemplateStats(
            pages=row[0], lines={h: [pages, first] for h, pages, first in cur.fetchall()}
        )


def store_template_stats(
    cur: psycopg2.extensions.cursor,
    source: str,
    stats: TemplateStats,
    changed: set[int],
    seen_at: datetime,
) -> None:
    """Store the page count of ``stats`` and its ``changed`` lines (one statement)."""
    hashes = sorted(changed)  # in one order: two writers could never deadlock on the rows
    cur.execute(
        query("count_template_lines"),
        {
            "source": source,
            "pages": stats.pages,
            "seen_at": seen_at,
            "hashes": hashes,
            "counts": [stats.lines[h][0] for h in hashes],
            "firsts": [stats.lines[h][1] for h in hashes],
        },
    )


def prune_template_stats(
    cur: psycopg2.extensions.cursor, source: str, stats: TemplateStats, now: datetime
) -> None:
    """Forget the stored lines of ``source`` that stopped recurring or recur too rarely to be
    template, and keep at most :data:`MAX_LINES` of the rest."""
    cur.execute(
        query("prune_template_lines"),
        {
            "source": source,
            "pages": stats.pages,
            "seen_after": now - FORGET_AFTER,
            "rare_after_pages": RARE_AFTER_PAGES,
            "rare_share": RARE_SHARE,
            "keep": MAX_LINES,
        },
    )


# --- In memory (newsflow extract, newsflow eval) -----------------------------------------------


def site_key(url: str) -> str:
    """The site a page belongs to, to group pages: its host name without "www."; for an
    archived copy (``web.archive.org/web/<time>/<url>``) the archived page's; "" when the URL
    names no host (a local file)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # a malformed URL ("http://[x]/")
        return ""
    if host == "web.archive.org":
        archived = parts.path.split("/", 3)[3:]  # "", "web", "<time>", "<url>"
        return site_key(archived[0]) if archived else host
    return host


def learn_site_templates(pages: Sequence[tuple[str, bytes, str]]) -> dict[str, frozenset[int]]:
    """The template lines of each site among ``pages`` (``(site, html, url)``), learnt in
    memory as the load step learns a source's: every page of a site with at least
    :data:`MIN_PAGES` pages is extracted once and its lines counted. Sites without template
    lines are left out."""
    from crawler.extract import extract

    sites: dict[str, list[tuple[bytes, str]]] = {}
    for site, html, url in pages:
        sites.setdefault(site, []).append((html, url))
    templates = {}
    for site, members in sites.items():
        if len(members) < MIN_PAGES:
            continue
        stats = TemplateStats()
        for html, url in members:
            page_lines: set[int] = set()
            extract(html, url, page_lines=page_lines)
            stats.count([page_lines])
        template = stats.template()
        if template:
            templates[site] = template
    return templates
