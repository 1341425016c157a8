"""Production crawling against real servers on 127.0.0.1 and the real database.

A hostile site (tests/faultserver.py) for failures, limits and politeness; generated sites
(crawler/demo/generated.py) for revisions, syndicated copies, backfill windows and a crawl
killed half-way. Few crawl child processes: each test runs one to four.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import CrawlError
from crawler.pipeline import crawl_step, load_step, new_run_id
from crawler.sources import Source
from tests.faultserver import ARTICLES, PDF_SIZE, FaultServer, article_html
from tests.helpers import local_source, query_rows
from tools.generated_site import GeneratedSite


def _crawl_load(source: Source, path: Path, db: str, **kw: Any) -> tuple[Any, Any]:
    run_id = new_run_id()
    crawled = crawl_step(source, sources_path=path, database_url=db, run_id=run_id, **kw)
    return crawled, load_step(source, database_url=db, run_id=run_id)


# hostile site ------------------------------------------------------------------------------


def test_hostile_site_every_failure_is_recorded_and_bounded(db: str, tmp_path: Path) -> None:
    with FaultServer(slow_seconds=3) as site:
        source, path = local_source(
            tmp_path,
            "fault-times",
            allowed_domains=["127.0.0.1", "localhost"],
            feeds=[f"{site.base_url}/feed.xml"],
            article_url_pattern=r"/a/",
            download_timeout=1,
        )
        crawled, loaded = _crawl_load(source, path, db)
        base = site.base_url
        # the feed is windows-1252 without a declaration and cut off: every link still found
        assert crawled.discovered == len(site.articles), crawled.stats

        errors = {
            url.removeprefix(base).removeprefix(base.replace("127.0.0.1", "localhost")): (
                error_class,
                status,
                attempts,
            )
            for url, error_class, status, attempts in query_rows(
                db, "SELECT url, error_class, http_status, attempts FROM fetch_errors"
            )
        }
        assert errors == {
            "/a/error.html": ("http_500", 500, 3),  # retried twice, then recorded
            "/a/retry-forever.html": ("http_503", 503, 1),  # Retry-After 1 h: not retried now
            "/a/slow.html": ("timeout", None, 3),
            "/a/truncated.html": ("truncated", None, 3),
            "/a/loop.html": ("redirect_loop", None, 1),
            "/a/bomb.html": ("too_large", None, 1),  # 64 MB after gunzip > DOWNLOAD_MAXSIZE
        }, errors
        ((run_errors, by_class),) = query_rows(db, "SELECT errors, errors_by_class FROM crawl_runs")
        assert run_errors == 6 and sum(by_class.values()) == 6, by_class

        pages = {
            url.removeprefix(base): (state, reason, size)
            for url, state, reason, size in query_rows(
                db,
                "SELECT url, state, reject_reason, length(html_compressed) FROM raw_pages",
            )
        }
        for name in (*ARTICLES, "retry-after"):
            assert pages[f"/a/{name}.html"][:2] == ("article", None), (name, pages)
        for name in ("report", "photo"):  # binary: skipped and counted, no body kept
            assert pages[f"/a/{name}.html"][:2] == ("rejected", "not_html"), (name, pages)
        assert loaded.rejected_by_reason == {"not_html": 2}
        # the PDF download was aborted at its headers, not transferred
        assert site.sent.get("/a/report.html", PDF_SIZE) < PDF_SIZE, site.sent
        assert crawled.stats["newsflow/aborted_not_html"] >= 2  # (and text/plain error bodies)

        # 429 + Retry-After: 1 → the retry came at least a second after the 429 the crawler got.
        # The site refuses for a second; a refusal lost in transit is re-sent by Twisted within
        # ms and refused again, so only the accepted request is measured against the last 429.
        times = site.times("/a/retry-after.html")
        refused = [t for t in times if t - times[0] < 1.0]
        accepted = [t for t in times if t - times[0] >= 1.0]
        assert len(accepted) == 1, times
        gap = accepted[0] - refused[-1]
        assert gap >= 0.9, f"retry {gap:.2f} s after the last 429, Retry-After said 1 s"
        assert crawled.stats["newsflow/retry_after"] == 2  # the 429 and the 503


def test_robots_crawl_delay_and_user_agent(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_CONTACT_URL", "https://ops.example/newsflow-bot")
    with FaultServer(crawl_delay=1) as site:
        site.articles = ARTICLES
        source, path = local_source(
            tmp_path,
            "polite",
            feeds=[f"{site.base_url}/feed.xml"],
            article_url_pattern=r"/a/ok",
            concurrency=4,
        )
        crawl_step(source, sources_path=path, database_url=db, run_id="polite-1")
        times = sorted(t for t, p, _ in site.requests if p.startswith("/a/"))
        assert len(times) == 3
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(g >= 0.9 for g in gaps), f"Crawl-delay: 1 not kept between articles: {gaps}"
        agents = {h.get("User-Agent") for _, _, h in site.requests}
        assert agents == {"newsflow/0.1 (+https://ops.example/newsflow-bot)"}, agents


def test_meta_refresh_is_followed_and_looked_for_by_a_byte_scan_first(
    db: str, tmp_path: Path
) -> None:
    from crawler.fetch.middlewares import may_refresh

    # the tag as old CMSs write it: upper case, after a long <head>, but within Scrapy's 4,096
    # characters (Japanese text before it: ~3 bytes a character)
    head = "<script>var s='" + "速報" * 600 + "';</script>"
    moved = (
        f'<html><head><meta charset="utf-8">{head}<META HTTP-EQUIV="Refresh" '
        f'CONTENT="0; URL=/a/ok-1.html"><title>Moved</title></head><body>moved</body></html>'
    ).encode()
    with FaultServer() as site:
        site.articles = ("moved", "ok-2")
        site.pages = {"/a/moved.html": moved}
        source, path = local_source(
            tmp_path, "refreshing", feeds=[f"{site.base_url}/feed.xml"], article_url_pattern=r"/a/"
        )
        log = tmp_path / "crawl.log"
        run_id = new_run_id()
        crawl_step(source, sources_path=path, database_url=db, run_id=run_id, log_file=log)
        load_step(source, database_url=db, run_id=run_id)
        assert sorted(p for p in site.paths() if p.startswith("/a/")) == [
            "/a/moved.html",
            "/a/ok-1.html",
            "/a/ok-2.html",
        ]
    # the moved page is stored under the URL that was listed, with the target's article
    titles = dict(query_rows(db, "SELECT fetched_url, title FROM articles"))
    base = site.base_url
    assert titles == {f"{base}/a/moved.html": "Story ok-1", f"{base}/a/ok-2.html": "Story ok-2"}
    enabled = log.read_text(encoding="utf-8")
    assert "crawler.fetch.middlewares.MetaRefreshMiddleware" in enabled
    assert "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware" not in enabled

    assert may_refresh(moved)
    assert not may_refresh(article_html("plain"))
    assert may_refresh("<meta http-equiv='refresh' content='0;url=/x'>".encode("utf-16"))
    # past the start Scrapy looks at, a refresh tag is not one (Scrapy would not see it either)
    assert not may_refresh(b"<html><head>" + b" " * 20_000 + b'<meta http-equiv="refresh">')


def test_meta_refresh_middleware_decodes_only_pages_that_may_refresh() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.fetch.middlewares import MetaRefreshMiddleware

    middleware = MetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("http://127.0.0.1/a/plain.html")
    plain = HtmlResponse(request.url, body=article_html("plain"), request=request)
    assert middleware.process_response(request, plain) is plain
    assert plain._cached_ubody is None, "a page without a refresh was decoded"

    moved = HtmlResponse(
        request.url,
        body=b'<html><head><meta http-equiv="refresh" content="0; url=/a/ok-1.html"></head></html>',
        request=request,
    )
    redirected = middleware.process_response(request, moved)
    assert isinstance(redirected, Request) and redirected.url == "http://127.0.0.1/a/ok-1.html"


def test_private_addresses_are_refused_unless_allowed(db: str, tmp_path: Path) -> None:
    with FaultServer() as site:
        source, path = local_source(
            tmp_path,
            "internal",
            feeds=[f"{site.base_url}/feed.xml"],
            article_url_pattern=r"/a/",
            allow_private_networks=False,
        )
        with pytest.raises(CrawlError, match="private_address"):
            crawl_step(source, sources_path=path, database_url=db, run_id="internal-1")
        assert site.paths() == [], "a request reached the loopback server"
    assert query_rows(db, "SELECT error_class FROM fetch_errors") == [("private_address",)]


def test_retry_after_values() -> None:
    from email.utils import formatdate

    from crawler.fetch.middlewares import retry_after_seconds

    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None
    now = time.time()
    assert 59 <= retry_after_seconds(formatdate(now + 60, usegmt=True), now=now) <= 61  # type: ignore[operator]


# revisions and syndication -----------------------------------------------------------------


def test_revisions_and_syndicated_copies(db: str, tmp_path: Path) -> None:
    with (
        GeneratedSite(5, name="Harbour Daily") as daily,
        GeneratedSite(5, syndicated_from=0, name="Coast Wire") as wire,
    ):
        daily_source, daily_path = local_source(
            tmp_path,
            "harbour-daily",
            sitemaps=[f"{daily.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
            revisit_hours=24 * 3650,  # revisit every stored article on each run
        )
        wire_source, wire_path = local_source(
            tmp_path,
            "coast-wire",
            sitemaps=[f"{wire.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
        )
        _, first = _crawl_load(daily_source, daily_path, db)
        assert first.articles_new == 5
        _, copies = _crawl_load(wire_source, wire_path, db)
        assert copies.articles_new == 5
        links = dict(query_rows(db, "SELECT url, duplicate_of FROM articles"))
        for i in range(5):
            assert links[wire.article_url(i)] == daily.article_url(i), (i, links)
            assert links[daily.article_url(i)] is None
        assert len(set(links.values()) - {None}) == 5, "each copy links to its own original"

        before = dict(query_rows(db, "SELECT url, updated_at FROM articles"))
        daily.edition, daily.edited = 1, {2}
        crawled, second = _crawl_load(daily_source, daily_path, db)
        assert crawled.pages_fetched == 5, "revisit_hours: every stored article is refetched"
        assert (second.articles_new, second.articles_updated) == (0, 1), second
        edited = daily.article_url(2)
        ((body, revisions, updated_at),) = query_rows(
            db, "SELECT body, revision_count, updated_at FROM articles WHERE url = %s", (edited,)
        )
        assert "Correction (edition 1)" in body and revisions == 2
        assert updated_at > before[edited]
        ((old_body, number, superseded),) = query_rows(
            db,
            "SELECT body, revision, superseded_at FROM article_revisions WHERE article_url = %s",
            (edited,),
        )
        assert number == 1 and "Correction" not in old_body and superseded is not None
        after = dict(query_rows(db, "SELECT url, updated_at FROM articles"))
        assert {u: t for u, t in after.items() if u != edited} == {
            u: t for u, t in before.items() if u != edited
        }, "unchanged articles were rewritten"

        # nothing changed since: the revisits fetch the same bytes, which are not extracted again
        fetched_before = query_rows(db, "SELECT max(fetched_at) FROM raw_pages")[0][0]
        run_id = new_run_id()
        crawled = crawl_step(daily_source, sources_path=daily_path, database_url=db, run_id=run_id)
        assert (crawled.pages_fetched, crawled.unchanged_articles) == (5, 5)
        assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]
        assert (
            query_rows(
                db, "SELECT min(fetched_at) FROM raw_pages WHERE source = %s", (daily_source.name,)
            )[0][0]
            > fetched_before
        )
        third = load_step(daily_source, database_url=db, run_id=run_id)
        assert (third.articles_new, third.articles_updated, third.articles_unchanged) == (0, 0, 5)
        assert query_rows(db, "SELECT count(*) FROM article_revisions") == [(1,)]
        assert dict(query_rows(db, "SELECT url, updated_at FROM articles")) == after


# backfill ----------------------------------------------------------------------------------


def test_backfill_window_then_plain_run(db: str, tmp_path: Path) -> None:
    from tools.generated_site import START

    with GeneratedSite(48, undated=2) as site:
        source, path = local_source(
            tmp_path,
            "backfill",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
        )
        since, until = START + timedelta(hours=10), START + timedelta(hours=20)
        crawled = crawl_step(
            source, sources_path=path, database_url=db, run_id="bf-1", since=since, until=until
        )
        fetched = {p for p in site.paths() if p.startswith("/news/")}
        expected = {f"/news/{i}.html" for i in [*range(10, 20), 48, 49]}  # + the undated two
        assert fetched == expected, sorted(fetched ^ expected)
        assert crawled.stats["newsflow/outside_window"] == 38

        site.requests.clear()
        crawl_step(source, sources_path=path, database_url=db, run_id="bf-2")
        (sitemap_headers,) = [h for _, p, h in site.requests if p == "/sitemap.xml"]
        assert "If-None-Match" not in sitemap_headers, (
            "the backfill's validators must not make a wider run conditional"
        )
        assert {p for p in site.paths() if p.startswith("/news/")} == {
            f"/news/{i}.html" for i in range(50)
        } - expected


# a crawl killed half-way ---------------------------------------------------------------------


def test_crawl_killed_and_rerun_loses_and_duplicates_nothing(db: str, tmp_path: Path) -> None:
    from crawler.db import transaction
    from crawler.fetch.store import sync_sources

    with GeneratedSite(240, delay=0.02) as site:
        source, path = local_source(
            tmp_path,
            "killed",
            sitemaps=[f"{site.base_url}/sitemap.xml"],
            article_url_pattern=r"/news/\d+\.html$",
        )
        with transaction(db) as conn:
            sync_sources(conn, [source])
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.fetch.process",
                "--sources",
                str(path),
                "--source",
                source.name,
                "--run-id",
                "killed-1",
            ],
            env={**os.environ, "DATABASE_URL": db},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while query_rows(db, "SELECT count(*) FROM raw_pages")[0][0] < 50:
                assert child.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "the crawl stored nothing"
                time.sleep(0.05)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait()
        stored = {u for (u,) in query_rows(db, "SELECT url FROM raw_pages")}
        requested_first = [p for p in site.paths() if p.startswith("/news/")]
        assert 50 <= len(stored) < 240, len(stored)

        site.requests.clear()
        _crawled, loaded = _crawl_load(source, path, db)
        requested_again = [p for p in site.paths() if p.startswith("/news/")]
        assert len(requested_again) == len(set(requested_again))
        assert not {site.base_url + p for p in requested_again} & stored, (
            "pages stored before the kill were fetched again"
        )
        assert set(requested_first) | set(requested_again) == {
            f"/news/{i}.html" for i in range(240)
        }
        assert query_rows(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(240, 240)]
        assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state <> 'article'") == [(0,)]
        assert loaded.articles_new == 240  # the killed run's pending pages were loaded too


# canonical URLs, fingerprints ----------------------------------------------------------------


def test_tracking_parameters_and_canonical_links() -> None:
    from crawler.extract import extract
    from crawler.fetch.urls import normalize_url
    from crawler.models import Article

    url = (
        "HTTPS://News.Example.COM:443/a/1.html?id=7&utm_source=x&utm_medium=y&fbclid=1&gclid=2"
        "&mc_cid=3&mc_eid=4#comments"
    )
    assert normalize_url(url) == "https://news.example.com/a/1.html?id=7"

    def page(canonical: str) -> bytes:
        body = "".join(
            f"<p>Sentence {i} of a story long enough to be an article.</p>" for i in range(20)
        )
        return (
            f'<html><head><title>T</title><link rel="canonical" href="{canonical}"></head>'
            f"<body><article><h1>T</h1>{body}</article></body></html>"
        ).encode()

    domains = ("news.example.com",)
    own = extract(
        page("https://news.example.com/a/1.html?utm_source=feed"), url, allowed_domains=domains
    )
    foreign = extract(page("https://aggregator.example.net/copy/1"), url, allowed_domains=domains)
    assert isinstance(own, Article) and isinstance(foreign, Article)
    assert normalize_url(own.url) == "https://news.example.com/a/1.html"
    assert "aggregator" not in foreign.url, "a canonical on a foreign domain must be ignored"


def test_simhash_near_duplicates() -> None:
    from crawler.load.articles import DUPLICATE_MAX_DISTANCE
    from crawler.load.simhash import distance, simhash
    from tools.generated_site import article_text

    _, paragraphs = article_text(1)
    text = "\n".join(paragraphs)
    copy = "Distributed by Coast Wire wire service.\n" + text
    other = "\n".join(article_text(2)[1])
    assert distance(simhash(text), simhash(copy)) <= 3  # type: ignore[arg-type]
    assert distance(simhash(text), simhash(other)) > 16  # type: ignore[arg-type]
    ja = (  # one token per character: a short article has a few hundred shingles
        "東京都心では二十日、観測史上最多となる雨量を記録した。気象庁によると、一時間に百ミリを超える"
        "猛烈な雨が降った地点もあった。都内の鉄道各線は午後から運転を見合わせ、帰宅時間帯の駅は大勢の"
        "利用者で混雑した。区は河川の氾濫に備えて避難所を開設し、高齢者らに早めの避難を呼びかけた。"
        "低い土地では道路の冠水が相次ぎ、立ち往生した車の運転手が救助された。気象庁は週末にかけても"
        "大気の不安定な状態が続くとして、土砂災害や落雷への警戒を求めている。"
    )
    other_ja = (
        "大阪湾の新しいフェリー航路が来月開設される。運航会社によると、一日四往復で所要時間はおよそ"
        "二時間となる見込みだ。地元の観光協会は週末の利用客増加に期待を寄せており、港周辺では記念の"
        "イベントも計画されている。"
    )
    for credited in (ja + "（共同）", "【共同】" + ja):
        assert distance(simhash(ja), simhash(credited)) <= DUPLICATE_MAX_DISTANCE  # type: ignore[arg-type]
    assert distance(simhash(ja), simhash(other_ja)) > 16  # type: ignore[arg-type]
    assert simhash("") is None


def test_child_reports_json(tmp_path: Path) -> None:
    # the crawl child's --since/--until are ISO times (crawl_step passes aware datetimes)
    from crawler.fetch.process import _child_main

    with pytest.raises(SystemExit):
        _child_main(
            ["--sources", str(tmp_path), "--source", "x", "--run-id", "r", "--since", "nope"]
        )
    assert json.dumps({"ok": True})
