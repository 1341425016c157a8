"""Crawl → load → check on the demo site: rows match the manifest, and a rerun changes nothing."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from crawler.demo.server import site_dir
from crawler.demo.sources import write_demo_sources
from crawler.load.articles import content_hash
from crawler.pipeline import check_step, crawl_step, load_step
from crawler.sources import load_sources
from tests.helpers import query_rows

MANIFEST = json.loads((site_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
STORED = [c for c in MANIFEST["candidates"] if c["outcome"] == "stored"]
REJECTED = [c for c in MANIFEST["candidates"] if c["outcome"] == "rejected"]


def _run(site: Any, db: str, tmp_path: Path, run_id: str) -> Any:
    sources_path = write_demo_sources(site.base_url, tmp_path / "sources.yaml")
    (source,) = load_sources(sources_path)
    crawl_step(source, sources_path=sources_path, database_url=db, run_id=run_id)
    counts = load_step(source, database_url=db, run_id=run_id, workers=2)
    failed = check_step(source, database_url=db, run_id=run_id)
    assert failed == [], [f.describe() for f in failed]
    return counts


def test_articles_match_the_manifest(demo_site: Any, db: str, tmp_path: Path) -> None:
    counts = _run(demo_site, db, tmp_path, "run-1")
    assert counts.articles_new == len(STORED)
    assert counts.rejected_by_reason == {c["reason"]: 1 for c in REJECTED}
    assert counts.errors_by_class == {"http_404": 1}
    rows = {
        r[0].removeprefix(demo_site.base_url): r
        for r in query_rows(
            db, "SELECT url, title, language, published_at, authors, body, source FROM articles"
        )
    }
    assert set(rows) == {c["path"] for c in STORED}
    for c in STORED:
        _url, title, language, published_at, authors, body, source = rows[c["path"]]
        assert title == c["title"], c["path"]
        assert language == c["language"].split("-")[0], c["path"]
        assert published_at is not None and published_at.tzinfo is not None, c["path"]
        assert published_at.isoformat() == c["published"] or published_at == _parse(
            c["published"]
        ), c["path"]
        assert authors == [c["author"]], c["path"]
        assert source == "demo-daily"
        for snippet in c.get("with", []):
            assert snippet in body, f"{c['path']}: body lacks {snippet!r}"
        for snippet in c.get("without", []):
            assert snippet not in body, f"{c['path']}: body keeps boilerplate {snippet!r}"
    (run,) = query_rows(
        db, "SELECT status, pages_fetched, articles_new, rejected, errors FROM crawl_runs"
    )
    assert run == ("succeeded", len(STORED) + len(REJECTED), len(STORED), len(REJECTED), 1)


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_second_run_is_idempotent(demo_site: Any, db: str, tmp_path: Path) -> None:
    _run(demo_site, db, tmp_path, "run-1")
    before = query_rows(db, "SELECT url, content_hash, updated_at FROM articles ORDER BY url")
    demo_site.clear_requests()
    counts = _run(demo_site, db, tmp_path, "run-2")
    after = query_rows(db, "SELECT url, content_hash, updated_at FROM articles ORDER BY url")
    assert after == before, "a rerun on an unchanged site must not write articles"
    assert (counts.articles_new, counts.articles_updated) == (0, 0)
    # stored URLs still named by the listing pages count as unchanged; feeds and sitemaps
    # answered 304, so what they list is not even looked at
    # known rejected pages are skipped too, but they are not unchanged articles
    ((stats,),) = query_rows(db, "SELECT crawl_stats FROM crawl_runs WHERE run_id = 'run-2'")
    known, known_articles = (
        stats["newsflow/known_skipped"],
        stats["newsflow/known_articles_skipped"],
    )
    assert counts.articles_unchanged == known_articles, (counts, stats)
    assert 0 < known_articles < known <= len(STORED) + len(REJECTED), stats
    assert query_rows(db, "SELECT count(*) FROM crawl_runs") == [(2,)]


def test_changed_page_updates_its_article(demo_site: Any, db: str, tmp_path: Path) -> None:
    _run(demo_site, db, tmp_path, "run-1")
    # Simulate a revisit that found an edited article: replace its raw HTML and queue it again.
    path = STORED[0]["path"]
    url = demo_site.base_url + path
    html = (
        (site_dir() / path.lstrip("/"))
        .read_bytes()
        .replace(b"{{BASE}}", demo_site.base_url.encode())
    )
    encoding = STORED[0]["encoding"]
    edited = html.replace(
        STORED[0]["with"][0].encode(encoding),
        b"CORRECTION: " + STORED[0]["with"][0].encode(encoding),
    )
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE raw_pages SET html_compressed = %s, state = 'pending' WHERE url = %s",
            # gzip, as rows stored before migration 0006: still read
            (psycopg2.Binary(gzip.compress(edited)), url),
        )
    (source,) = load_sources(write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml"))
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO crawl_runs (source, run_id, status) VALUES ('demo-daily', 'run-2', 'crawled')"
        )
    counts = load_step(source, database_url=db, run_id="run-2")
    assert (counts.articles_new, counts.articles_updated) == (0, 1)
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT body FROM articles WHERE url = %s", (url,))
        (body,) = cur.fetchone()
    assert "CORRECTION: " in body


def test_content_hash_ignores_nothing_extracted() -> None:
    from crawler.models import Article

    a = Article(url="https://ex.jp/1", title="t", body="b")
    assert content_hash(a) == content_hash(Article(url="https://ex.jp/1", title="t", body="b"))
    assert content_hash(a) != content_hash(Article(url="https://ex.jp/1", title="t", body="b2"))
    assert content_hash(a) != content_hash(
        Article(url="https://ex.jp/1", title="t", body="b", authors=("x",))
    )


def test_content_hash_is_the_value_stored_by_earlier_versions() -> None:
    # a changed hash would make every stored article look revised on its next revisit
    from crawler.models import Article

    article = Article(
        url="https://ex.jp/news/1",
        title="東京の天気",
        body="晴れ。\nSunny.",
        authors=("山田 太郎", "Jane Roe"),
        published_at=datetime(2026, 11, 25, 9, 30, tzinfo=timezone(timedelta(hours=9))),
        language="ja",
        tags=("天気", "weather"),
        site_name="Ex",
    )
    assert content_hash(article) == (
        "3698e7783afeb5e51e44b60c2bf0e00d7a8a0fa01b4c49ee63c5c1b9ebb2c208"
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_load_with_one_or_more_workers_agree(
    workers: int, demo_site: Any, db: str, tmp_path: Path
) -> None:
    sources_path = write_demo_sources(demo_site.base_url, tmp_path / "sources.yaml")
    (source,) = load_sources(sources_path)
    crawl_step(source, sources_path=sources_path, database_url=db, run_id="r")
    counts = load_step(source, database_url=db, run_id="r", workers=workers)
    assert counts.articles_new == len(STORED)
    hashes = query_rows(db, "SELECT count(DISTINCT content_hash) FROM articles")
    assert hashes == [(len(STORED),)]


def test_extraction_workers_import_the_extractor_not_the_crawler() -> None:
    # Workers run crawler.load.pool; importing Scrapy or the database driver in each of them
    # cost ~0.3 s of CPU per worker per run and ~30 MB of memory.
    from crawler.load.pool import start_pool

    pool = start_pool(2, following=False)
    try:
        probe = "sorted(m for m in ('scrapy', 'twisted', 'psycopg2', 'yaml') if m in __import__('sys').modules), 'crawler.extract' in __import__('sys').modules"
        loaded, extractor = pool.submit(eval, probe).result(timeout=60)
    finally:
        pool.shutdown()
    assert loaded == [], f"an extraction worker imported {loaded}"
    assert extractor, "the worker did not import the extractor before its first page"


def test_load_follows_a_crawl_storing_pages_in_waves(db: str) -> None:
    """Extraction overlapping a crawl: pages are stored in three waves while the load runs in
    a process pool; each wave's URLs sort before the last one's (a keyset cursor alone would
    skip them). Every page is loaded exactly once, and the load ends only after the crawl."""
    import threading
    from datetime import UTC, datetime

    from crawler.db import transaction
    from crawler.fetch.items import PageItem
    from crawler.fetch.store import store_pages, sync_sources
    from crawler.load.articles import load_pending
    from crawler.sources import Source
    from tools.generated_site import GeneratedSite

    with GeneratedSite(articles=30) as site:
        pages = [(site.article_url(i), site.article(i)) for i in range(30)]
    source = Source(name="waves", language="en", allowed_domains=("127.0.0.1",))
    with transaction(db) as conn:
        sync_sources(conn, [source])
    # news/2x.html, then news/1x.html, then news/0x.html (and news/3..9.html in the first wave)
    waves = [
        [p for p in pages if p[0].rsplit("/", 1)[1] >= "2"],
        [p for p in pages if "1" <= p[0].rsplit("/", 1)[1] < "2"],
        [p for p in pages if p[0].rsplit("/", 1)[1] < "1"],
    ]
    assert sum(map(len, waves)) == 30 and all(waves)

    crawl_done = threading.Event()
    result: list[Any] = []

    def load() -> None:
        with transaction(db) as conn:
            result.append(load_pending(conn, source, "r", workers=2, follow=crawl_done))

    loader = threading.Thread(target=load)
    loader.start()
    for wave in waves:
        items = [
            PageItem(
                url=url,
                response_url=url,
                status=200,
                content_type="text/html; charset=utf-8",
                encoding="utf-8",
                body=html,
                fetched_at=datetime.now(UTC),
                discovered_via="sitemap",
            )
            for url, html in wave
        ]
        with transaction(db) as conn:
            store_pages(conn, source.name, "r", items)
        loader.join(timeout=2.0)  # the load keeps following: it must not end before the crawl
        assert loader.is_alive(), "the load ended while the crawl was still storing pages"
    crawl_done.set()
    loader.join(timeout=120)
    assert not loader.is_alive()
    (counts,) = result
    assert (counts.new, counts.updated, counts.unchanged, counts.rejected) == (30, 0, 0, 0), counts
    assert query_rows(db, "SELECT count(*) FROM articles WHERE source = 'waves'") == [(30,)]
    assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]


def test_source_timezone_reaches_extraction(db: str) -> None:
    """A date printed without an offset is read in the source's configured ``timezone``."""
    from datetime import UTC, datetime

    from crawler.db import transaction
    from crawler.fetch.items import PageItem
    from crawler.fetch.store import store_pages, sync_sources
    from crawler.load.articles import load_pending
    from crawler.sources import Source

    paragraphs = "".join(
        f"<p>On day {i} the council debated item {i} of the budget, and member {i} spoke about"
        f" the cost of road repairs in district {i} before the vote was taken.</p>"
        for i in range(12)
    )
    html = (
        "<html><head><title>Budget approved</title>"
        '<meta property="article:published_time" content="2024-01-15 09:00"></head>'
        f"<body><article><h1>Budget approved</h1>{paragraphs}</article></body></html>"
    ).encode()
    for name, zone, hours in (("tz-ny", "America/New_York", -5), ("tz-none", None, 0)):
        source = Source(name=name, language="en", allowed_domains=("example.com",), timezone=zone)
        url = f"https://example.com/{name}/budget"
        item = PageItem(url, url, 200, "text/html", None, html, datetime.now(UTC), "sitemap")
        with transaction(db) as conn:
            sync_sources(conn, [source])
            store_pages(conn, name, "r", [item])
            counts = load_pending(conn, source, "r")
        assert counts.new == 1, (name, counts)
        (published,) = query_rows(db, f"SELECT published_at FROM articles WHERE source = '{name}'")[
            0
        ]
        assert published == datetime(2024, 1, 15, 9 - hours, tzinfo=UTC), (name, published)


def _article_html(topic: str, dated: bool = False) -> bytes:
    paragraphs = "".join(
        f"<p>On day {i} the council debated {topic} item {i}, and member {i} spoke about the"
        f" cost of road repairs in district {i} before the vote was taken.</p>"
        for i in range(12)
    )
    date = '<meta property="article:published_time" content="2026-11-25T08:00:00Z">'
    return (
        f"<html><head><title>{topic}</title>{date if dated else ''}</head>"
        f"<body><article><h1>{topic}</h1>{paragraphs}</article></body></html>"
    ).encode()


def test_refetch_with_the_same_bytes_keeps_its_outcome(db: str) -> None:
    """A revisit whose bytes are those already extracted is not extracted again: the page keeps
    its state (article or rejected) and only its fetch time and run change. Changed bytes, or a
    page whose stored HTML was pruned, go through extraction as before."""
    from datetime import UTC, datetime

    from crawler.db import transaction
    from crawler.fetch.items import PageItem
    from crawler.fetch.store import store_pages, sync_sources
    from crawler.load.articles import load_pending
    from crawler.sources import Source

    source = Source(name="same", language="en", allowed_domains=("ex.com",))
    pages = {
        "https://ex.com/a": _article_html("budget"),
        "https://ex.com/b": b"<html><body><p>Nothing here.</p></body></html>",  # rejected
        "https://ex.com/c": _article_html("bridges"),
        "https://ex.com/d": _article_html("schools"),
    }

    def item(url: str, body: bytes) -> PageItem:
        return PageItem(url, url, 200, "text/html", None, body, datetime.now(UTC), "sitemap")

    with transaction(db) as conn:
        sync_sources(conn, [source])
        store_pages(conn, "same", "r1", [item(u, b) for u, b in pages.items()])
        first = load_pending(conn, source, "r1")
    assert (first.new, first.rejected) == (3, 1), first
    before = dict(query_rows(db, "SELECT url, fetched_at FROM raw_pages"))
    with transaction(db) as conn, conn.cursor() as cur:  # as news_maintenance prunes old HTML
        cur.execute("UPDATE raw_pages SET html_compressed = '' WHERE url = 'https://ex.com/d'")
    changed = pages["https://ex.com/c"].replace(b"day 3", b"day three")
    refetched = [item(u, changed if u.endswith("/c") else b) for u, b in pages.items()]
    refetched.append(item("https://ex.com/e", pages["https://ex.com/a"]))  # a new URL, a's bytes
    with transaction(db) as conn:
        kept = store_pages(conn, "same", "r2", refetched)
    assert kept == {("article", "article"): 1, ("rejected", "too_short"): 1}, "state, label"
    rows = {
        url: rest
        for url, *rest in query_rows(db, "SELECT url, state, run_id, label FROM raw_pages")
    }
    assert rows == {
        "https://ex.com/a": ["article", "r2", "article"],
        "https://ex.com/b": ["rejected", "r2", "too_short"],
        "https://ex.com/c": ["pending", "r2", None],  # to be extracted again: no label yet
        # its HTML was pruned: stored and extracted again
        "https://ex.com/d": ["pending", "r2", None],
        "https://ex.com/e": ["pending", "r2", None],
    }
    after = dict(query_rows(db, "SELECT url, fetched_at FROM raw_pages"))
    assert all(after[url] > before[url] for url in pages), "every refetch records its fetch"
    with transaction(db) as conn:
        second = load_pending(conn, source, "r2")
    # c changed, d unchanged (extracted again, same text), e new (a copy of a under its own URL)
    assert (second.new, second.updated, second.unchanged, second.rejected) == (1, 1, 1, 0), second
    # the same bytes under another declared charset may extract differently: extracted again
    recoded = item("https://ex.com/a", pages["https://ex.com/a"])
    recoded.encoding = "windows-1252"
    with transaction(db) as conn:
        assert store_pages(conn, "same", "r3", [recoded]) == {}
    assert query_rows(db, "SELECT state FROM raw_pages WHERE url = 'https://ex.com/a'") == [
        ("pending",)
    ]


def test_undated_articles_are_revisited_while_young_by_first_sight(db: str) -> None:
    """revisit_hours ages an article by its publication date, or when undated by when it was first
    stored: not by its last fetch, which every revisit moves (it would be revisited for ever)."""
    from datetime import UTC, datetime, timedelta

    from crawler.db import transaction
    from crawler.fetch.items import PageItem
    from crawler.fetch.store import known_urls, revisit_urls, store_pages, sync_sources
    from crawler.load.articles import load_pending
    from crawler.sources import Source

    source = Source(name="young", language="en", allowed_domains=("ex.com",), revisit_hours=48)
    now = datetime.now(UTC)
    with transaction(db) as conn:
        sync_sources(conn, [source])
        store_pages(
            conn,
            "young",
            "r",
            [
                PageItem(u, u, 200, "text/html", None, html, now, "sitemap")
                for u, html in (
                    ("https://ex.com/old-undated", _article_html("harbour")),
                    ("https://ex.com/new-undated", _article_html("parks")),
                )
            ],
        )
        assert load_pending(conn, source, "r").new == 2
    with transaction(db) as conn, conn.cursor() as cur:  # first stored ten days ago, fetched now
        cur.execute(
            "UPDATE articles SET first_seen_at = %s WHERE url = 'https://ex.com/old-undated'",
            (now - timedelta(days=10),),
        )
    with transaction(db) as conn:
        assert revisit_urls(conn, source, now) == ("https://ex.com/new-undated",)
        stored = ["https://ex.com/old-undated", "https://ex.com/new-undated"]
        assert known_urls(conn, source, now, [*stored, "https://ex.com/unseen"]) == {
            "https://ex.com/old-undated": True
        }


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@pytest.mark.parametrize(
    ("flipped", "linked"),
    [
        ((0, 13, 26, 39), True),  # 4 bits, one in each of four bands: the fifth band matches
        ((0, 16, 32, 48), True),  # one in each 16-bit quarter (what four bands of 16 missed)
        ((14, 27, 40, 63), True),  # the sign bit is in the 12-bit band
        ((1, 2, 3, 4), True),  # 4 bits in one band
        ((0, 13, 26, 39, 52), False),  # 5 bits: over the distance
    ],
)
def test_near_duplicate_bands_find_every_copy_within_the_distance(
    db: str, flipped: tuple[int, ...], linked: bool
) -> None:
    from datetime import UTC, datetime, timedelta

    from crawler.db import query, transaction
    from crawler.fetch.store import sync_sources
    from crawler.load.articles import DUPLICATE_MAX_DISTANCE, DUPLICATE_WINDOW_DAYS
    from crawler.sources import Source

    original = 0x9E3779B97F4A7C15
    copy = original
    for bit in flipped:
        copy ^= 1 << bit
    now = datetime.now(UTC)
    with transaction(db) as conn, conn.cursor() as cur:
        sync_sources(conn, [Source(name="s", language="en", allowed_domains=("ex.com",))])
        for url, fingerprint, seen in (
            ("https://ex.com/original", original, now - timedelta(hours=1)),
            ("https://ex.com/copy", copy, now),
        ):
            cur.execute(
                "INSERT INTO articles (url, source, title, body, content_hash, fetched_url,"
                " fetched_at, first_seen_at, run_id, body_simhash)"
                " VALUES (%s, 's', 't', 'b', %s, %s, %s, %s, 'r', %s)",
                (url, url, url, seen, seen, _signed(fingerprint)),
            )
        cur.execute(
            query("link_near_duplicates"),
            {
                "urls": ["https://ex.com/copy"],
                "max_distance": DUPLICATE_MAX_DISTANCE,
                "window_days": DUPLICATE_WINDOW_DAYS,
            },
        )
    expected = [("https://ex.com/original",)] if linked else [(None,)]
    assert query_rows(
        db, "SELECT duplicate_of FROM articles WHERE url = 'https://ex.com/copy'"
    ) == (expected)


def test_simhash_distance_separates_wire_copies_from_other_stories() -> None:
    """Measured on generated bodies: a one-line credit keeps ≥ 95 % of copies within the match
    distance, and no two different stories come anywhere near it."""
    from crawler.load.articles import DUPLICATE_MAX_DISTANCE
    from crawler.load.simhash import distance, simhash
    from tools.generated_site import article_text

    bodies = ["\n".join(article_text(i)[1]) for i in range(200)]
    fingerprints = [simhash(b) for b in bodies]
    copies = [simhash(f"Distributed by Coast Wire wire service.\n{b}") for b in bodies]
    within = sum(
        distance(c, f) <= DUPLICATE_MAX_DISTANCE for c, f in zip(copies, fingerprints, strict=True)
    )  # type: ignore[arg-type]
    assert within >= 0.95 * len(bodies), within
    closest = min(
        distance(fingerprints[i], fingerprints[j])  # type: ignore[arg-type]
        for i in range(60)
        for j in range(i + 1, 60)
    )
    assert closest > 3 * DUPLICATE_MAX_DISTANCE, closest


def test_crawl_stores_its_first_pages_at_once_then_in_growing_batches(db: str) -> None:
    """The store pipeline writes the crawl's first page immediately and then batches twice as
    large each time (extraction gets work while the crawl warms up), up to FLUSH_EVERY."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from crawler.db import transaction
    from crawler.fetch.items import DiscoveryStateItem, PageItem
    from crawler.fetch.pipelines import FLUSH_EVERY, FLUSH_SECONDS, StorePipeline
    from crawler.fetch.spiders.news import NewsSpider
    from crawler.fetch.store import sync_sources
    from crawler.sources import Source

    source = Source(name="first", language="en", allowed_domains=("ex.com",))
    with transaction(db) as conn:
        sync_sources(conn, [source])
    crawler = get_crawler(NewsSpider, {"NEWSFLOW_DATABASE_URL": db, "NEWSFLOW_RUN_ID": "r"})
    crawler.spider = SimpleNamespace(source=source)  # type: ignore[assignment]
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()

    def page(i: int) -> PageItem:
        url = f"https://ex.com/{i}"
        return PageItem(url, url, 200, "text/html", None, b"<p>x</p>", datetime.now(UTC), "feed")

    def stored() -> int:
        return query_rows(db, "SELECT count(*) FROM raw_pages WHERE source = 'first'")[0][0]

    counts = []  # stored after each page
    try:
        # a timed flush with nothing buffered (a slow site) does not count as a write
        pipeline._flushed_at -= FLUSH_SECONDS
        pipeline.process_item(DiscoveryStateItem("https://ex.com/sitemap.xml", None, None, 200))
        for i in range(3 * FLUSH_EVERY + 70):
            pipeline.process_item(page(i))
            counts.append(stored())
        writes = sorted(set(counts))
        sizes = [b - a for a, b in zip([0, *writes], writes, strict=False) if b > a]
        assert counts[0] == 1, "the first page must be stored at once"
        assert sizes == [1, 2, 4, 8, 16, 32, FLUSH_EVERY, FLUSH_EVERY, FLUSH_EVERY], sizes
        assert counts[-1] == sum(sizes) < len(counts), "the rest waits for a full batch"
    finally:
        pipeline.close_spider()
    assert stored() == 3 * FLUSH_EVERY + 70, "closing writes what was buffered"


@pytest.mark.parametrize(
    ("text", "fingerprint"),
    [
        (
            "The harbour bridge reopened after repairs, the council said on Monday.",
            3177663262929893608,
        ),
        ("東京都心で記録的な大雨となり、交通に影響が出た。", 622517273984923284),
        ("한국어 뉴스 기사 본문입니다 Seoul 2026", 1750901970049106728),
        ("a b", -2959382122747526187),  # fewer tokens than a shingle: one shingle of all
    ],
)
def test_simhash_values_are_fixed_per_version(text: str, fingerprint: int) -> None:
    # Stored fingerprints are compared with new ones for years: a faster implementation must give
    # the same values bit for bit. A new definition is a new VERSION, with a migration that clears
    # the stored ones for `db migrate` to recompute (as 0009 did for version 2).
    from crawler.load.simhash import VERSION, simhash

    assert VERSION == 2
    assert simhash(text) == fingerprint
