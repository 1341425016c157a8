"""The load's promises, property-based, on real PostgreSQL: for any set of fetched pages (articles,
copies under a second URL with or without a canonical link, near-duplicates, junk), every page
ends extracted (an article or a labelled rejection, never pending), and the articles do not
depend on how often, in which order or in how many crawls the pages were stored and loaded.

Each example starts from empty tables of the session database (the ``db`` fixture empties them
once per test only). Which article a near-duplicate is linked to depends on which was stored
first, by design: across orders the links are checked against their rule, not compared.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.db import transaction
from crawler.fetch.items import PageItem
from crawler.fetch.store import store_pages, sync_sources
from crawler.load.articles import DUPLICATE_MAX_DISTANCE, _write_batch, load_pending
from crawler.load.simhash import distance
from crawler.models import Article
from crawler.sources import Source
from tests.helpers import empty_database, query_rows

SOURCE = Source(name="prop", language="en", allowed_domains=("example.com",))
BASE = "https://example.com/news/"
# Words of the generated stories. A line's hash ignores digits, so each story's lines carry its
# own name: no line is then on more than two pages, far from MIN_PAGES (a line on that many
# pages becomes template, which is learnt in the order pages come, by design).
_WORDS = ["harbour", "ferry", "budget", "school", "storm", "pier", "tide", "market", "fishing"]
_WORDS += ["boat", "road", "bridge", "mayor", "vote", "rain", "festival", "museum", "clinic"]


@dataclass(frozen=True)
class _Story:
    name: str  # letters only, different for every story
    words: tuple[str, ...]  # one per paragraph
    title: str

    def html(self, canonical: str | None = None, edit: int | None = None) -> bytes:
        paragraphs = "".join(
            f"<p>The {w} report of {self.name} said {'nothing new' if i == edit else 'the plan'}"
            f" on the {self.words[(i + 1) % len(self.words)]} question was agreed after a long"
            f" debate about the {w} and the {self.words[i - 1]} in the town hall.</p>"
            for i, w in enumerate(self.words)
        )
        link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
        return (
            f"<html><head><title>{self.title}</title>{link}</head><body><article>"
            f"<h1>{self.title}</h1>{paragraphs}</article></body></html>"
        ).encode()


def _story(i: int) -> st.SearchStrategy[_Story]:
    return st.builds(
        _Story,
        name=st.just("Mr " + "".join(chr(ord("a") + int(d)) for d in f"{i:02d}")),
        words=st.lists(st.sampled_from(_WORDS), min_size=8, max_size=12, unique=True).map(tuple),
        title=st.sampled_from(["Budget approved", "Storm closes pier", "Ferry returns"]),
    )


# Each story is stored under its own URL, plus: a copy under another URL naming it canonical, a
# copy without a canonical link, a near-duplicate (one sentence changed), or nothing.
_EXTRA = st.sampled_from(["", "canonical_copy", "plain_copy", "near_duplicate"])
_JUNK = [
    b"<html><body><p>Nothing here.</p></body></html>",
    b"plain text, no markup at all",
    b"\x00\xff\xfe binary",
]


@st.composite
def _pages(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    pages = []
    for i in range(draw(st.integers(1, 6))):
        story, extra = draw(_story(i)), draw(_EXTRA)
        url = f"{BASE}{i}.html"
        pages.append((url, story.html()))
        if extra == "canonical_copy":
            pages.append((f"{url}?from=home", story.html(canonical=url)))
        elif extra == "plain_copy":
            pages.append((f"{BASE}copy-{i}.html", story.html()))
        elif extra == "near_duplicate":
            pages.append((f"{BASE}{i}-updated.html", story.html(edit=draw(st.integers(0, 7)))))
    for j in draw(st.lists(st.sampled_from(range(len(_JUNK))), max_size=2)):
        pages.append((f"{BASE}junk-{len(pages)}.html", _JUNK[j]))
    return pages


def _reset(db: str) -> None:
    empty_database(db)
    with transaction(db) as conn:
        sync_sources(conn, [SOURCE])


def _crawl_and_load(db: str, pages: Sequence[tuple[str, bytes]], run_id: str) -> None:
    """One crawl storing ``pages``, then its load (as ``newsflow run`` does)."""
    now = datetime.now(UTC)
    items = [PageItem(u, u, 200, "text/html", None, b, now, "sitemap") for u, b in pages]
    with transaction(db) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO crawl_runs (source, run_id, status) VALUES (%s, %s, 'crawled')",
            (SOURCE.name, run_id),
        )
        store_pages(conn, SOURCE.name, run_id, items)
    with transaction(db) as conn:
        load_pending(conn, SOURCE, run_id)


# What an article is, whatever run wrote it and from which of its pages.
_ARTICLE = (
    "url, title, body, authors, published_at, language, section, tags, label, content_hash,"
    " body_simhash, revision_count"
)


def _outcome(db: str) -> dict[str, Any]:
    pages = query_rows(db, "SELECT url, state, label FROM raw_pages ORDER BY url")
    assert all(state in ("article", "rejected") and label for _, state, label in pages), pages
    return {
        "articles": query_rows(db, f"SELECT {_ARTICLE} FROM articles ORDER BY url"),
        "revisions": query_rows(db, "SELECT count(*) FROM article_revisions"),
        "pages": len(pages),
    }


def _links(arrivals: Sequence[tuple[str, int | None]]) -> dict[str, str | None]:
    """The rule of near-duplicate links for articles stored in the order of ``arrivals``
    (URL, fingerprint): each linked to the root of the earliest article within the distance,
    none when there is none."""
    links: dict[str, str | None] = {}
    for i, (url, fingerprint) in enumerate(arrivals):
        near = [
            other
            for other, theirs in arrivals[:i]
            if fingerprint is not None
            and theirs is not None
            and distance(fingerprint, theirs) <= DUPLICATE_MAX_DISTANCE
        ]
        links[url] = (links[near[0]] or near[0]) if near else None
    return links


def _stored_links(db: str) -> dict[str, str | None]:
    return dict(query_rows(db, "SELECT url, duplicate_of FROM articles"))


def _arrivals(db: str) -> list[tuple[str, int | None]]:
    """The stored articles' (URL, fingerprint) in the order they were first stored."""
    rows = query_rows(db, "SELECT url, body_simhash FROM articles ORDER BY first_seen_at, id")
    return [(url, fingerprint) for url, fingerprint in rows]


# Few examples: each is several writes (or crawls and loads) on PostgreSQL.
_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(_SETTINGS, max_examples=20)
@given(pages=_pages(), seed=st.integers(0, 2**16), batches=st.integers(2, 4))
def test_articles_do_not_depend_on_reloads_order_or_batches(
    db: str, pages: list[tuple[str, bytes]], seed: int, batches: int
) -> None:
    """Loaded once; crawled and loaded again; extracted again; then stored in another order by
    2-4 crawls: the same articles, every page extracted, links by their rule."""
    _reset(db)
    _crawl_and_load(db, pages, "once")
    once = _outcome(db)
    links = _stored_links(db)
    assert links == _links(_arrivals(db))
    assert once["pages"] == len(pages)

    _crawl_and_load(db, pages, "again")  # the same bytes fetched again
    assert _outcome(db) == once, "a second crawl of unchanged pages changed the articles"
    with transaction(db) as conn, conn.cursor() as cur:
        cur.execute("UPDATE raw_pages SET state = 'pending'")  # extracted again (reextract)
    with transaction(db) as conn:
        load_pending(conn, SOURCE, "again", learn_templates=False)
    assert _outcome(db) == once, "extracting the same pages again changed the articles"
    assert _stored_links(db) == links

    shuffled = list(pages)
    random.Random(seed).shuffle(shuffled)
    _reset(db)
    for k in range(batches):
        _crawl_and_load(db, shuffled[k::batches], f"crawl-{k}")
    assert _outcome(db) == once, "another order or split of the crawls changed the articles"
    assert _stored_links(db) == _links(_arrivals(db))


# Near-duplicate links on their own: articles written through the load's writer with chosen
# fingerprints, a few bits off a handful of bases (so some pairs are within the distance and some
# not: "near" is not transitive).
_BASES = st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=3)


def _fingerprint(base: int, bits: list[int]) -> int:
    value = base & (2**64 - 1)
    for bit in bits:
        value ^= 1 << bit
    return value - 2**64 if value >= 2**63 else value


@settings(_SETTINGS, max_examples=50)
@given(
    bases=_BASES,
    picks=st.lists(
        st.tuples(st.integers(0, 2), st.lists(st.integers(0, 63), max_size=4, unique=True)),
        min_size=1,
        max_size=12,
    ),
    cuts=st.sets(st.integers(1, 11)),
)
@example(  # one write of A (near X, stored before) and B (near A, not X): B was linked to A
    bases=[0],
    picks=[(0, []), (0, [0, 1, 2, 3]), (0, [0, 1, 2, 3, 4, 5, 6, 7])],
    cuts={1},
)
@example(bases=[-(2**63)], picks=[(0, [])], cuts=set())  # a write failed: bigint out of range
def test_near_duplicates_link_to_the_root_of_the_earliest_whatever_the_writes(
    db: str, bases: list[int], picks: list[tuple[int, list[int]]], cuts: set[int]
) -> None:
    """Articles arriving in one order get the same links however they are split into writes:
    each to the root of the earliest article within DUPLICATE_MAX_DISTANCE, none if there is
    none (so a root is never linked to)."""
    _reset(db)
    arrivals = [
        (f"{BASE}{i}.html", _fingerprint(bases[base % len(bases)], bits))
        for i, (base, bits) in enumerate(picks)
    ]
    bounds = [0, *sorted(c for c in cuts if c < len(arrivals)), len(arrivals)]
    for start, end in itertools.pairwise(bounds):
        results = [
            (url, Article(url, "T", f"Body of {url}"), fingerprint, frozenset())
            for url, fingerprint in arrivals[start:end]
        ]
        with transaction(db) as conn, conn.cursor() as cur:
            _write_batch(cur, SOURCE.name, "r", results)
    assert _stored_links(db) == _links(arrivals)
