"""The consumer interface (sql/README.md): news.* views, news.search, index use, roles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import pytest
from psycopg2 import sql
from psycopg2.extras import Json, execute_values

from crawler import db as crawler_db
from crawler.config import load_config
from crawler.db.migrate import migrate, migration_status
from crawler.db.roles import set_role_passwords
from crawler.db.scratch import scratch_database
from crawler.demo.server import site_dir
from crawler.extract import extract
from crawler.load.articles import content_hash
from crawler.models import Article
from tests.helpers import query_rows
from tools.synthetic import load_synthetic_articles

BASE = "https://demo.example"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "pages"
SQL_README = crawler_db.sql_dir() / "README.md"
TRADE_TALKS = f"{BASE}/news/2026/11/20/us-china-trade-talks-stall.html"
SEED_LIKE_FIXTURE = "https://japan.storm.mg/articles/1012345"


# helpers ---------------------------------------------------------------------------------------


@cache
def _demo_articles() -> tuple[Article, ...]:
    """Every article page of the bundled demo site through the real extractor."""
    out = []
    for path in sorted((site_dir() / "news").rglob("*.html")):
        html = path.read_bytes().replace(b"{{BASE}}", BASE.encode())
        url = f"{BASE}/{path.relative_to(site_dir()).as_posix()}"
        result = extract(html, url, allowed_domains=("demo.example",))
        if isinstance(result, Article):
            out.append(result)
    return tuple(out)


@cache
def _seed_like_fixture() -> Article:
    """The Storm Media-like page whose latest-news box the extractor removes."""
    html = (FIXTURES / "ja" / "seed_like_latest_news.html").read_bytes()
    result = extract(html, SEED_LIKE_FIXTURE)
    assert isinstance(result, Article), result
    return result


def _store(url: str, articles: list[Article], source: str = "demo") -> None:
    """Insert (or overwrite) articles, and their source."""
    now = datetime.now(UTC)
    rows = [
        (
            a.url,
            source,
            a.title,
            a.body,
            list(a.authors),
            a.published_at,
            a.modified_at,
            a.language,
            a.section,
            list(a.tags),
            a.image_url,
            a.description,
            a.site_name,
            content_hash(a),
            a.url,
            now,
            "test",
        )
        for a in articles
    ]
    with crawler_db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            crawler_db.query("upsert_source"),
            {
                "name": source,
                "language": "en",
                "allowed_domains": ["demo.example"],
                "config": Json({}),
            },
        )
        execute_values(
            cur,
            crawler_db.query("put_articles"),
            rows,
            template="(%s,%s,%s,%s,%s::text[],%s,%s,%s,%s,%s::text[],%s,%s,%s,%s,%s,%s,%s)",
        )


def _search(
    url: str,
    query: str,
    lang: str | None = None,
    since: datetime | None = None,
    lim: int | None = None,
) -> list[dict[str, Any]]:
    with crawler_db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            crawler_db.query("search_articles"),
            {"query": query, "lang": lang, "since": since, "lim": lim},
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _article(url: str, published_at: datetime | None, **kw: Any) -> Article:
    return Article(
        url=url,
        title=kw.pop("title", f"title of {url}"),
        body=kw.pop("body", f"body of {url}"),
        published_at=published_at,
        language=kw.pop("language", "en"),
        **kw,
    )


@pytest.fixture
def demo(db: str) -> dict[str, Article]:
    """The demo site's articles and the seed-like fixture, loaded; keyed by URL."""
    articles = [*_demo_articles(), _seed_like_fixture()]
    _store(db, articles)
    return {a.url: a for a in articles}


# the documented contract -----------------------------------------------------------------------

_TYPE_NAMES = {"timestamp with time zone": "timestamptz", "text[]": "text[]"}


def _documented_views() -> dict[str, list[tuple[str, str]]]:
    """`### news.<view>` sections of sql/README.md → [(column, type)] from their tables."""
    views: dict[str, list[tuple[str, str]]] = {}
    current: str | None = None
    for line in SQL_README.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### `?(news\.[a-z_]+)`?\s*$", line)
        if heading:
            current = heading.group(1)
            views[current] = []
            continue
        if line.startswith("#"):
            current = None
        cell = re.match(r"^\| `([a-z_]+)` \| `([a-z ]+(?:\[\])?)` \|", line)
        if current and cell:
            views[current].append((cell.group(1), cell.group(2)))
    return views


def test_views_are_the_documented_columns(pg_url: str) -> None:
    documented = _documented_views()
    actual: dict[str, list[tuple[str, str]]] = {}
    for schema_table, column, typ in query_rows(
        pg_url,
        """SELECT c.relnamespace::regnamespace || '.' || c.relname, a.attname,
                  format_type(a.atttypid, a.atttypmod)
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
           WHERE c.relnamespace = 'news'::regnamespace AND c.relkind = 'v'
             AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY 1, a.attnum""",
    ):
        actual.setdefault(schema_table, []).append((column, _TYPE_NAMES.get(typ, typ)))
    assert sorted(documented) == sorted(actual), "every news view has a section in sql/README.md"
    for view, columns in actual.items():
        assert documented[view] == columns, f"{view}: columns and types as documented, in order"


def test_articles_view_has_one_row_per_url_with_the_latest_version(
    demo: dict[str, Article], db: str
) -> None:
    rows = query_rows(db, "SELECT url, title, source, language FROM news.articles")
    assert sorted(r[0] for r in rows) == sorted(demo)
    edited = replace(demo[TRADE_TALKS], title="改訂版の見出し")
    _store(db, [edited])
    rows = query_rows(db, "SELECT title FROM news.articles WHERE url = %s", (TRADE_TALKS,))
    assert rows == [("改訂版の見出し",)], "the view shows the latest version, once"


def test_daily_counts_count_articles_per_utc_day_source_and_language(
    demo: dict[str, Article], db: str
) -> None:
    expected = Counter(
        (a.published_at.astimezone(UTC).date(), "demo", a.language)
        for a in demo.values()
        if a.published_at is not None
    )
    rows = query_rows(db, "SELECT day, source, language, articles FROM news.daily_counts")
    assert {(d, s, lang): n for d, s, lang, n in rows} == dict(expected)
    in_range = query_rows(
        db,
        crawler_db.query("daily_counts_between"),
        {"start": datetime(2026, 11, 18).date(), "end": datetime(2026, 11, 20).date()},
    )
    assert {r[0].isoformat() for r in in_range} == {"2026-11-18", "2026-11-19"}


def test_recent_articles_are_the_last_seven_days_newest_first(db: str) -> None:
    now = datetime.now(UTC)
    _store(
        db,
        [
            _article("https://e.example/1d", now - timedelta(days=1)),
            _article("https://e.example/6d", now - timedelta(days=6, hours=23)),
            _article("https://e.example/8d", now - timedelta(days=8)),
            _article("https://e.example/undated", None),
        ],
    )
    rows = query_rows(db, crawler_db.query("recent_articles"))
    assert [r[0] for r in rows] == ["https://e.example/1d", "https://e.example/6d"]


def test_story_duplicates_group_articles_by_the_story_their_links_lead_to(db: str) -> None:
    t = datetime(2026, 11, 20, tzinfo=UTC)
    _store(db, [_article(f"https://e.example/{n}", t) for n in "abcdef"])
    with crawler_db.transaction(db) as conn, conn.cursor() as cur:
        # b and c copy a (c via b); e copies d; f stands alone.
        cur.execute(
            "UPDATE articles SET duplicate_of = v.dup FROM (VALUES (%s, %s), (%s, %s), (%s, %s)) "
            "AS v (url, dup) WHERE articles.url = v.url",
            (
                *("https://e.example/b", "https://e.example/a"),
                *("https://e.example/c", "https://e.example/b"),
                *("https://e.example/e", "https://e.example/d"),
            ),
        )
    rows = query_rows(
        db,
        "SELECT story_url, url, story_size, is_original, duplicate_of FROM news.story_duplicates "
        "ORDER BY story_url, url",
    )
    e = "https://e.example/"
    assert rows == [
        (e + "a", e + "a", 3, True, None),
        (e + "a", e + "b", 3, False, e + "a"),
        (e + "a", e + "c", 3, False, e + "b"),
        (e + "d", e + "d", 2, True, None),
        (e + "d", e + "e", 2, False, e + "d"),
    ]


# search ----------------------------------------------------------------------------------------


def test_search_finds_the_seed_like_article_by_its_story(demo: dict[str, Article], db: str) -> None:
    hits = _search(db, "米中貿易交渉")
    assert hits and hits[0]["url"] == TRADE_TALKS, hits
    top = hits[0]
    assert top["title"] == demo[TRADE_TALKS].title
    assert (top["source"], top["language"]) == ("demo", "ja")
    assert top["published_at"] == demo[TRADE_TALKS].published_at
    assert top["score"] > 3, "a title match scores above any body-only match"


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("米中", "ja"),  # 2 characters: no trigram, answered by a scan
        ("交渉", "ja"),
        ("財務長官", "ja"),  # body only
        ("秘密外交", "ja"),  # title only
    ],
)
def test_short_japanese_queries_find_the_article(
    demo: dict[str, Article], db: str, query: str, language: str
) -> None:
    hits = _search(db, query, lang=language)
    assert TRADE_TALKS in [h["url"] for h in hits], f"{query!r} finds the trade-talks article"
    for h in hits:
        text = demo[h["url"]].title + demo[h["url"]].body
        assert query in text, f"{h['url']} returned for {query!r} contains it"


@pytest.mark.parametrize(
    "headline_word",
    [
        "空き家",  # 全国の空き家、過去最多の900万戸超に
        "新米",  # 北海道の新米、記録的豊作
        "宿泊税",  # 京都市の宿泊税引き上げ案 (the Kyoto article itself matches)
        "日銀、政策金利",
        "日銀が新方針",  # the seed-like fixture's latest-news box
        "気象庁が異例の声明",
    ],
)
def test_latest_news_headline_does_not_return_the_article_it_sat_beside(
    demo: dict[str, Article], db: str, headline_word: str
) -> None:
    urls = [h["url"] for h in _search(db, headline_word)]
    assert TRADE_TALKS not in urls and SEED_LIKE_FIXTURE not in urls, (
        f"{headline_word!r} only appeared in a removed latest-news box: {urls}"
    )
    expected = sorted(u for u, a in demo.items() if headline_word in a.title + a.body)
    assert sorted(urls) == expected


def test_search_in_chinese(demo: dict[str, Article], db: str) -> None:
    zh = {u: a for u, a in demo.items() if a.language == "zh"}
    assert len(zh) >= 2
    for url, article in zh.items():
        for query in (article.title[:2], article.title[:3], article.body[10:14]):
            hits = _search(db, query, lang="zh")
            assert url in [h["url"] for h in hits], f"{query!r} finds {url}"
            assert all(h["language"] == "zh" for h in hits)


def test_search_in_english_is_case_insensitive_and_needs_every_word(
    demo: dict[str, Article], db: str
) -> None:
    en = next(a for a in demo.values() if a.language == "en" and "bank" in a.title.lower())
    words = en.title.split()
    hits = _search(db, f"{words[0].upper()} {words[-1].lower()}")
    assert hits[0]["url"] == en.url
    assert _search(db, f"{words[0]} zzqxnotaword") == [], "every word must occur"


def test_search_snippet_shows_the_match(demo: dict[str, Article], db: str) -> None:
    hit = next(h for h in _search(db, "財務長官") if h["url"] == TRADE_TALKS)
    assert "財務長官" in hit["snippet"] and "\n" not in hit["snippet"]
    assert hit["snippet"].startswith("…") and len(hit["snippet"]) <= 162


def test_search_filters_and_limit(demo: dict[str, Article], db: str) -> None:
    assert _search(db, "米中", lang="zh") == []
    late = datetime(2026, 11, 20, tzinfo=UTC)  # the article: 09:30 JST = 00:30 UTC
    assert [h["url"] for h in _search(db, "米中", since=late)] == [TRADE_TALKS]
    assert _search(db, "米中", since=late + timedelta(days=1)) == []
    assert len(_search(db, "e", lim=2)) == 2


@pytest.mark.parametrize("query", ["", "   ", "%", "_", "\\"])
def test_search_treats_like_metacharacters_literally(
    demo: dict[str, Article], db: str, query: str
) -> None:
    urls = sorted(h["url"] for h in _search(db, query, lim=1000))
    needle = query.strip()
    expected = (
        sorted(u for u, a in demo.items() if needle in a.title or needle in a.body)
        if needle
        else []
    )
    assert urls == expected


# index use on 100k rows ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_db(pg_server_url: str) -> Iterator[str]:
    """A separate database with 100k generated articles, vacuumed and analysed."""
    with scratch_database(pg_server_url, "newsflow_explain") as url:
        migrate(url)
        load_synthetic_articles(url, 100_000, datetime.now(UTC))
        yield url


def _nodes(plan: Any) -> list[dict[str, Any]]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes: list[dict[str, Any]] = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


def _plan_nodes(url: str, statement: str, params: Any = None) -> list[dict[str, Any]]:
    return _nodes(query_rows(url, "EXPLAIN (FORMAT JSON) " + statement, params)[0][0])


_INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def _scans_of_articles(nodes: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(node type, index) of every node reading the articles table or one of its indexes."""
    out = []
    for n in nodes:
        if n.get("Relation Name") == "articles" or str(n.get("Index Name", "")).startswith(
            "articles"
        ):
            out.append((n["Node Type"], n.get("Index Name")))
    return out


def test_big_db_holds_100k_articles(big_db: str) -> None:
    assert query_rows(big_db, "SELECT count(*), count(DISTINCT language) FROM articles") == [
        (100_000, 3)
    ]


def test_recent_articles_use_the_published_at_index(big_db: str) -> None:
    scans = _scans_of_articles(_plan_nodes(big_db, crawler_db.query("recent_articles")))
    assert scans, "the plan reads articles"
    assert all(t != "Seq Scan" for t, _ in scans), f"no Seq Scan on articles: {scans}"
    assert any(t in _INDEX_NODES and i == "articles_published" for t, i in scans), scans


def test_daily_counts_over_30_days_use_an_index(big_db: str) -> None:
    end = datetime.now(UTC).date()
    scans = _scans_of_articles(
        _plan_nodes(
            big_db,
            crawler_db.query("daily_counts_between"),
            {"start": end - timedelta(days=30), "end": end},
        )
    )
    assert all(t != "Seq Scan" for t, _ in scans), f"no Seq Scan on articles: {scans}"
    assert any(t in _INDEX_NODES and i == "articles_day_source_language" for t, i in scans), scans


def test_search_filter_uses_the_trigram_indexes(big_db: str) -> None:
    # The statement news.search runs, with the pattern it builds for 米中貿易交渉.
    scans = _scans_of_articles(
        _plan_nodes(
            big_db,
            "SELECT url FROM news.articles WHERE title ILIKE %(p)s OR body ILIKE %(p)s",
            {"p": "%米中貿易交渉%"},
        )
    )
    assert {i for t, i in scans if t == "Bitmap Index Scan"} == {
        "articles_title_trgm",
        "articles_body_trgm",
    }, scans
    assert len(_search(big_db, "米中貿易交渉", lim=5)) == 5


def test_by_source_newest_first_uses_an_index(big_db: str) -> None:
    scans = _scans_of_articles(
        _plan_nodes(
            big_db,
            "SELECT url FROM news.articles WHERE source = %(s)s ORDER BY published_at DESC LIMIT 20",
            {"s": "synthetic-1"},
        )
    )
    assert scans and all(t in _INDEX_NODES for t, _ in scans), scans


def _plan_in(cur: Any, statement: str, params: Any) -> list[dict[str, Any]]:
    """Plan nodes of ``statement`` seen from an open transaction (its uncommitted rows too)."""
    cur.execute("EXPLAIN (FORMAT JSON) " + statement, params)
    return _nodes(cur.fetchone()[0])


def test_quality_checks_read_only_the_run_not_the_table(big_db: str) -> None:
    # A run of 20 articles among 100k: every check must find them (and, for the duplicate
    # rate, their identical bodies) by index. Before migration 0008 the checks scanned the
    # table and hashed every stored body on every run.
    from crawler.quality.check import check_files, check_params

    conn = psycopg2.connect(big_db)
    try:
        with conn.cursor() as cur:  # rolled back below: big_db keeps its 100k rows
            cur.execute(
                "INSERT INTO articles (url, source, title, body, content_hash, fetched_url,"
                " fetched_at, run_id) SELECT 'https://example.com/run/' || i, 'synthetic-1',"
                " 'Title ' || i, repeat('Body of a run article. ', 20) || i, md5(i::text),"
                " 'https://example.com/run/' || i, now(), 'check-run' FROM generate_series(1, 20) i"
            )
            cur.execute(
                "INSERT INTO crawl_runs (source, run_id, started_at, status)"
                " VALUES ('synthetic-1', 'check-run', now(), 'succeeded')"
            )
            params = check_params("synthetic-1", "check-run")
            for path in check_files():
                scans = _scans_of_articles(_plan_in(cur, path.read_text(), params))
                assert all(t != "Seq Scan" for t, _ in scans), (
                    f"{path.stem} scans articles: {scans}"
                )
                if path.stem.startswith("articles_"):
                    assert any(i == "articles_run" for _, i in scans), f"{path.stem}: {scans}"
                if path.stem.startswith("drift_") and scans:
                    # a day and its baseline of one source: a range of (source, first_seen_at)
                    assert {i for _, i in scans if i} == {"articles_source_first_seen"}, (
                        f"{path.stem}: {scans}"
                    )
            (duplicate_check,) = [p for p in check_files() if p.stem == "articles_duplicate_rate"]
            duplicate = _scans_of_articles(_plan_in(cur, duplicate_check.read_text(), params))
            assert any(i == "articles_body_md5" for _, i in duplicate), duplicate
    finally:
        conn.rollback()
        conn.close()


# roles -----------------------------------------------------------------------------------------


@pytest.fixture
def as_role(db: str) -> Iterator[Any]:
    """Run one statement as a role (SET ROLE in a superuser connection); returns its rows."""
    conn = psycopg2.connect(db)
    conn.autocommit = True

    def run(role: str, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            try:
                cur.execute(statement, params)
                return cur.fetchall() if cur.description else []
            finally:
                cur.execute("RESET ROLE")

    yield run
    conn.close()


_DENIED_TO_READER = [
    "SELECT * FROM raw_pages",
    "SELECT * FROM fetch_errors",
    "SELECT * FROM public.articles",
    "SELECT * FROM crawl_runs",
    "SELECT * FROM sources",
    "SELECT * FROM article_revisions",
    "SELECT * FROM schema_migrations",
    "INSERT INTO news.articles (url, source, title, body) VALUES ('u', 'demo', 't', 'b')",
    "UPDATE news.articles SET title = 'x'",
    "DELETE FROM news.articles",
    "UPDATE news.recent_articles SET title = 'x'",
    "INSERT INTO public.articles (url, source, title, body, content_hash, fetched_url, fetched_at, run_id) "
    "VALUES ('u', 'demo', 't', 'b', 'h', 'u', now(), 'r')",
    "UPDATE public.articles SET title = 'x'",
    "DELETE FROM public.articles",
    "TRUNCATE public.articles",
    "DELETE FROM raw_pages",
    "CREATE TABLE news.mine (x int)",
    "CREATE TABLE public.mine (x int)",
    "CREATE VIEW news.mine AS SELECT 1",
    "DROP VIEW news.articles",
    "ALTER VIEW news.articles RENAME TO gone",
]


def test_reader_reads_the_news_schema_and_searches(demo: dict[str, Article], as_role: Any) -> None:
    for view in (
        "articles",
        "daily_counts",
        "recent_articles",
        "story_duplicates",
        "article_discovery",
        "discovery_coverage",
        "source_health",
    ):
        as_role("newsflow_reader", f"SELECT * FROM news.{view} LIMIT 1")
    hits = as_role("newsflow_reader", "SELECT url FROM news.search('米中貿易交渉')")
    assert hits[0] == (TRADE_TALKS,)


@pytest.mark.parametrize("statement", _DENIED_TO_READER)
def test_reader_cannot_write_nor_read_internal_tables(
    demo: dict[str, Article], as_role: Any, db: str, statement: str
) -> None:
    before = query_rows(db, "SELECT count(*), sum(length(title)) FROM articles")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        as_role("newsflow_reader", statement)
    assert query_rows(db, "SELECT count(*), sum(length(title)) FROM articles") == before


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM news.story_duplicates",
        "UPDATE news.daily_counts SET articles = 0",
        "INSERT INTO news.daily_counts VALUES (current_date, 'demo', 'en', 1)",
    ],
)
def test_aggregate_views_are_not_writable_at_all(as_role: Any, statement: str) -> None:
    with pytest.raises(
        (psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ObjectNotInPrerequisiteState)
    ):
        as_role("newsflow_reader", statement)


def test_reader_can_call_no_function_that_could_modify_data(as_role: Any) -> None:
    # Every function in our schemas the reader may execute, except those of extensions
    # (pg_trgm's, which compute on text): it must be news.search, STABLE and SECURITY INVOKER
    # (a STABLE function cannot run INSERT/UPDATE/DELETE or DDL).
    callable_ = as_role(
        "newsflow_reader",
        """SELECT p.oid::regprocedure::text, p.provolatile, p.prosecdef
           FROM pg_proc p
           WHERE p.pronamespace IN ('news'::regnamespace, 'public'::regnamespace)
             AND has_function_privilege(p.oid, 'EXECUTE')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                               AND d.deptype = 'e')""",
    )
    assert callable_ == [("news.search(text,text,timestamp with time zone,integer)", "s", False)]
    public_grants = as_role(
        "newsflow_reader",
        """SELECT p.oid::regprocedure::text FROM pg_proc p, aclexplode(p.proacl) AS acl
           WHERE p.pronamespace = 'news'::regnamespace AND acl.grantee = 0""",
    )
    assert public_grants == [], "no news function is executable by PUBLIC"
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        as_role("newsflow_reader", "SELECT pg_catalog.pg_terminate_backend(pg_backend_pid())")


def test_writer_writes_the_internal_tables_but_changes_no_schema(
    demo: dict[str, Article], as_role: Any
) -> None:
    as_role("newsflow_writer", "UPDATE articles SET section = 'x' WHERE url = %s", (TRADE_TALKS,))
    as_role(
        "newsflow_writer",
        "INSERT INTO fetch_errors (url, source, run_id, error_class) VALUES ('u', 'demo', 'r', 'dns')",
    )
    assert as_role("newsflow_writer", "SELECT count(*) FROM raw_pages") == [(0,)]
    assert as_role("newsflow_writer", "SELECT count(*) FROM news.articles") == [(len(demo),)]
    for statement in ("DROP TABLE fetch_errors", "CREATE TABLE public.mine (x int)"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            as_role("newsflow_writer", statement)


def _as_login(url: str, user: str, password: str | None = None) -> str:
    base, _, params = url.partition("?")
    scheme, rest = base.split("://", 1)
    hostpart = rest.split("@", 1)[-1]
    auth = f"{user}:{password}" if password else user
    return f"{scheme}://{auth}@{hostpart}" + (f"?{params}" if params else "")


def test_writer_login_runs_the_pipelines_migration_check(db: str) -> None:
    # The CLI migrates before every run: as the writer it must find nothing to do, not fail.
    password = f"pw-{uuid.uuid4().hex}"
    config = replace(load_config({}), writer_password=password)
    try:
        assert set_role_passwords(db, config)["newsflow_writer"] is True
        writer_url = _as_login(db, "newsflow_writer", password)
        assert migrate(writer_url) == []
        assert {state for _, state in migration_status(writer_url)} == {"applied"}
    finally:
        with crawler_db.transaction(db) as conn, conn.cursor() as cur:
            cur.execute("ALTER ROLE newsflow_writer NOLOGIN PASSWORD NULL")


def test_db_roles_gives_login_and_a_scram_password_never_printed(db: str, tmp_path: Path) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    secret = tmp_path / "reader_password"
    secret.write_text(password + "\n")  # as `echo … > file` and Docker secrets leave it
    reader_url = _as_login(db, "newsflow_reader", password)
    try:
        # NOLOGIN (trust servers say so; password servers: no password to match).
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(reader_url).close()
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "db", "roles"],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_WRITER")},
                "DATABASE_URL": db,
                "NEWSFLOW_READER_PASSWORD_FILE": str(secret),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "newsflow_reader: LOGIN, password set" in proc.stdout
        assert "newsflow_writer: unchanged" in proc.stdout
        assert password not in proc.stdout + proc.stderr
        (stored,) = query_rows(
            db, "SELECT rolpassword FROM pg_authid WHERE rolname = 'newsflow_reader'"
        )[0]
        assert stored.startswith("SCRAM-SHA-256$") and password not in stored
        # The embedded server trusts local connections: there this proves LOGIN, not the password.
        conn = psycopg2.connect(reader_url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT current_user, count(*) FROM news.articles")
                assert cur.fetchone() == ("newsflow_reader", 0)
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute("SELECT * FROM raw_pages")
        finally:
            conn.close()
    finally:
        with crawler_db.transaction(db) as conn, conn.cursor() as cur:
            cur.execute("ALTER ROLE newsflow_reader NOLOGIN PASSWORD NULL")


def test_db_roles_without_passwords_changes_nothing(db: str) -> None:
    config = replace(load_config({}), database_url=db)
    assert set_role_passwords(db, config) == {
        "newsflow_reader": False,
        "newsflow_writer": False,
    }
    assert "secret-value" not in repr(replace(config, reader_password="secret-value"))


def _roles_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "db", "roles", *args]


def test_db_roles_prompts_for_passwords_on_a_terminal(db: str) -> None:
    """`--prompt` reads each password on the terminal, twice, without echo; empty leaves a role."""
    import fcntl
    import pty
    import termios

    password = f"pw-{uuid.uuid4().hex}"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        _roles_cli("--prompt"),
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": db},
        start_new_session=True,
        # The terminal becomes the child's controlling terminal, as in a login shell.
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    screen = b""
    try:
        for answer in (password, password, ""):
            while not screen.rstrip().endswith(b":"):
                screen += os.read(master, 1024)
            os.write(master, answer.encode() + b"\n")
            screen = b""
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    try:
        assert proc.returncode == 0, err
        assert "newsflow_reader: LOGIN, password set" in out.decode()
        assert "newsflow_writer: unchanged" in out.decode()
        (stored,) = query_rows(
            db, "SELECT rolpassword FROM pg_authid WHERE rolname = 'newsflow_reader'"
        )[0]
        assert stored.startswith("SCRAM-SHA-256$")
    finally:
        with crawler_db.transaction(db) as conn, conn.cursor() as cur:
            cur.execute("ALTER ROLE newsflow_reader NOLOGIN PASSWORD NULL")


def test_db_roles_refuses_an_unreadable_password_file(db: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        _roles_cli(),
        env={
            **os.environ,
            "DATABASE_URL": db,
            "NEWSFLOW_WRITER_PASSWORD_FILE": str(tmp_path / "missing"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "NEWSFLOW_WRITER_PASSWORD_FILE: cannot read" in proc.stderr
    assert "Traceback" not in proc.stderr
