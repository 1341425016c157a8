"""Pages that break naive code cost only themselves: one ``newsflow run`` of a site where a few
pages carry NUL bytes or over-long URLs (storage), or inputs that made extraction run for minutes
(a 3,000-character author, two similar 40,000-character captioned lines, ``charset=punycode``, a
4 MB JSON-LD graph, JSON-LD nested 100,000 deep) stores every good article, records the poison
pages with their reasons and reports errors, against a real 127.0.0.1 server and the real
database.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import yaml

from crawler.fetch.urls import MAX_URL_LENGTH
from tests.faultserver import FaultServer
from tests.helpers import query_rows
from tools.generated_site import article_text

GOOD = tuple(f"story-{i}" for i in range(30))


def _random_path(length: int) -> str:
    """Letters and digits that do not compress: an index entry keeps most of their length."""
    rng = random.Random(length)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def _page(i: int, head: str = "") -> bytes:
    """Story ``i``: its own text, so that no two pages are near-duplicates."""
    title, paragraphs = article_text(i)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="2026-11-20T08:00:00+00:00">{head}'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def test_poison_pages_cost_only_themselves(db: str, tmp_path: Path) -> None:
    long_name = _random_path(3000)  # a fetched URL over the cap: ProgramLimitExceeded if stored
    with FaultServer() as site:
        base = site.base_url
        long_canonical = f"{base}/a/{_random_path(4800)}.html"  # on an allowed domain
        site.pages = {f"/a/{name}.html": _page(i) for i, name in enumerate(GOOD)}
        site.pages["/a/nul-type.html"] = _page(100)
        site.content_types["/a/nul-type.html"] = "text/html; charset=utf-8; x=\x00"
        site.pages["/a/long-canonical.html"] = _page(
            101, f'<link rel="canonical" href="{long_canonical}">'
        )
        site.pages["/a/nul-headline.html"] = _page(
            102,
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Poisoned \\u0000 headline", '
            '"author": {"@type": "Person", "name": "Ann\\u0000 Author"}}</script>',
        )
        site.pages[f"/a/{long_name}.html"] = _page(103)
        for name, page in _slow_to_extract().items():
            site.pages[f"/a/{name}.html"] = page
        site.content_types["/a/punycode.html"] = "text/html; charset=punycode"
        site.articles = (
            *GOOD,
            "nul-type",
            "long-canonical",
            "nul-headline",
            long_name,
            *_slow_to_extract(),
        )
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "name": "poison-times",
                            "language": "en",
                            "allowed_domains": ["127.0.0.1"],
                            "download_delay": 0,
                            "allow_private_networks": True,
                            "feeds": [f"{base}/feed.xml"],
                            "article_url_pattern": "/a/",
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
        run = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "run", "--sources", str(sources)],
            env={**os.environ, "DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path / "home")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    header, row = run.stdout.splitlines()[:2]
    cells = dict(zip(header.split(), row.split(), strict=False))
    assert int(cells["errors"]) > 0, f"the poison pages must be reported as errors: {run.stdout}"

    stored = {
        url.removeprefix(base): title
        for url, title in query_rows(db, "SELECT url, title FROM articles")
    }
    for name in GOOD:
        assert f"/a/{name}.html" in stored, f"good article {name} not stored: {sorted(stored)}"
    # NUL bytes are dropped from what is written, the pages themselves are good articles
    assert stored["/a/nul-headline.html"] == "Poisoned  headline"
    assert query_rows(
        db, "SELECT authors FROM articles WHERE url = %s", (f"{base}/a/nul-headline.html",)
    ) == [(["Ann Author"],)]
    assert "/a/nul-type.html" in stored
    assert query_rows(
        db, "SELECT content_type FROM raw_pages WHERE url = %s", (f"{base}/a/nul-type.html",)
    ) == [("text/html; charset=utf-8; x=",)]
    # a canonical URL over the cap is ignored: the article is stored under its fetched URL
    assert "/a/long-canonical.html" in stored
    # inputs that made extraction run for minutes are articles like any other
    for name in _slow_to_extract():
        assert f"/a/{name}.html" in stored, f"{name} not stored: {sorted(stored)}"
    assert len(stored) == len(GOOD) + 3 + len(_slow_to_extract()), sorted(stored)
    assert max(len(u) for (u,) in query_rows(db, "SELECT url FROM raw_pages")) <= MAX_URL_LENGTH

    ((status, errors, by_class, message),) = query_rows(
        db, "SELECT status, errors, errors_by_class, message FROM crawl_runs"
    )
    assert (status, errors, by_class) == ("succeeded", 1, {"url_too_long": 1}), message
    assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]

    # no page body reaches a log: neither the run's nor the crawl child's
    logs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "home").rglob("*.log"))
    logs += run.stderr
    for i in (0, 100, 101, 102):
        assert article_text(i)[1][0][:60] not in logs, f"the body of story {i} reached the logs"
    assert long_name not in logs, "an over-long URL was logged whole"


def _slow_to_extract() -> dict[str, bytes]:
    """Pages whose extraction took 8 s to over 10 minutes before its input caps (issue 17)."""
    evil_author = "@" * 3000 + " x"  # the author-suffix regex backtracked in O(n³)
    line = "Crowds gather in the square as the mayor speaks to the council " * 625
    edited = "".join(c if i % 100 else "x" for i, c in enumerate(line))
    graph = [{"@type": "Thing", "name": f"thing {i}"} for i in range(140_000)]

    def ld(data: object) -> str:
        return f"<script type='application/ld+json'>{json.dumps(data)}</script>"

    return {
        "long-author": _page(110, ld({"@type": "NewsArticle", "author": evil_author})),
        "long-meta-author": _page(111, f"<meta name='author' content='{evil_author}'>"),
        "similar-captions": _page(112).replace(
            b"</article>",
            f"<p>{line}(Photo: Reuters)</p><p>{edited}(Photo: Reuters)</p></article>".encode(),
        ),
        "punycode": _page(113).replace(
            b"</article>", b"<p>ref-" + b"a" * 200_000 + b"</p></article>"
        ),
        "large-graph": _page(114, ld({"@graph": [{"@type": "NewsArticle"}, *graph]})),
        "deep-jsonld": _page(
            115, f"<script type='application/ld+json'>{'[' * 100_000}{']' * 100_000}</script>"
        ),
    }
