"""The load's promises, property-based, on real PostgreSQL: near-duplicate links follow their
rule however the articles are split into writes.

Each example starts from empty tables of the session database (the ``db`` fixture empties them
once per test only).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.db import transaction
from crawler.fetch.store import sync_sources
from crawler.load.articles import DUPLICATE_MAX_DISTANCE, _write_batch
from crawler.load.simhash import distance
from crawler.models import Article
from crawler.sources import Source
from tests.helpers import empty_database, query_rows

SOURCE = Source(name="prop", language="en", allowed_domains=("example.com",))
BASE = "https://example.com/news/"


def _reset(db: str) -> None:
    empty_database(db)
    with transaction(db) as conn:
        sync_sources(conn, [SOURCE])


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
