"""The Demo Daily server (real HTTP on 127.0.0.1) and MANIFEST.json as ground truth for the site."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import re
import socket
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.robotparser import RobotFileParser

import pytest

from crawler.demo.server import DemoSite, site_dir

SITE = site_dir()
MANIFEST: dict[str, Any] = json.loads((SITE / "MANIFEST.json").read_text(encoding="utf-8"))
CANDIDATES: list[dict[str, Any]] = MANIFEST["candidates"]
PAGES: list[dict[str, Any]] = MANIFEST["pages"]
ARTICLE_PATTERN = re.compile(MANIFEST["article_url_pattern"])
FAKE_BASE = "http://demo.test:8080"
HTML_ENTRIES = [e for e in [*CANDIDATES, *PAGES] if e.get("charset")]
STORED = [c for c in CANDIDATES if c["outcome"] == "stored"]
REPO = Path(__file__).resolve().parents[2]
CJK_LANGUAGES = ("ja", "ko", "zh-Hant", "zh-Hans")


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["path"] for e in entries]


def _fetch(
    site: DemoSite, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    host, port = site.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _site_text(path: str, encoding: str = "utf-8") -> str:
    """A site file as served, with {{BASE}} replaced by FAKE_BASE (gzip files decompressed)."""
    data = (SITE / path.lstrip("/")).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode(encoding).replace("{{BASE}}", FAKE_BASE)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(path: str) -> list[str]:
    """Every URL a discovery file lists: <loc>/<link> text, Atom link hrefs, or HTML <a href>."""
    text = _site_text(path)
    if path.endswith(".html"):
        parser = _Anchors()
        parser.feed(text)
        return parser.hrefs
    urls = []
    for element in ET.fromstring(text.encode()).iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in ("loc", "link") and element.text and element.text.strip():
            urls.append(element.text.strip())
        elif name == "link" and element.get("href") and element.get("rel") in (None, "alternate"):
            urls.append(element.attrib["href"])
    return urls


def _candidate_paths(urls: list[str]) -> set[str]:
    """URL paths (query dropped) of the URLs that match the article pattern."""
    paths = {url.removeprefix(FAKE_BASE).split("?", 1)[0] for url in urls}
    return {p for p in paths if ARTICLE_PATTERN.search(p)}


def _jsonld(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@pytest.fixture(scope="module")
def served() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


# --- server ------------------------------------------------------------------------------------


def test_site_dir_is_the_bundled_site() -> None:
    assert (site_dir() / "robots.txt").is_file()
    assert (site_dir() / "MANIFEST.json").is_file()


def test_base_url_only_while_started() -> None:
    site = DemoSite()
    with pytest.raises(RuntimeError):
        _ = site.base_url
    with site:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.base_url)
    with pytest.raises(RuntimeError):
        _ = site.base_url


def test_public_url_is_written_into_pages() -> None:
    """Behind a container network the site is reached by a host name, not the bound address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with DemoSite(port=port, public_url="http://news-a:8001/") as site:
        assert site.base_url == "http://news-a:8001"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/feed.xml", timeout=10) as response:
            feed = response.read().decode()
    assert "http://news-a:8001/news/" in feed
    assert "127.0.0.1" not in feed


def test_homepage_is_served_with_base_substituted(served: DemoSite) -> None:
    status, headers, body = _fetch(served, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    text = body.decode()
    assert "{{BASE}}" not in text
    assert f'<link rel="canonical" href="{served.base_url}/">' in text


def test_robots_disallows_private_and_points_to_sitemap_index(served: DemoSite) -> None:
    status, headers, body = _fetch(served, "/robots.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = body.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /private/" in lines
    assert f"Sitemap: {served.base_url}/sitemap_index.xml" in lines


@pytest.mark.parametrize(
    "path",
    [
        "/nope.html",
        "/news/2026/11/18/missing.html",
        "/news/2026/11/",  # a directory without index.html: no listing
        "/section/world",  # a directory named without its slash
        "/../pyproject.toml",
        "/%2e%2e/%2e%2e/pyproject.toml",
    ],
)
def test_missing_directory_and_outside_paths_are_404(served: DemoSite, path: str) -> None:
    status, _, _ = _fetch(served, path)
    assert status == 404, f"{path} should be 404"


def test_query_string_is_ignored_when_resolving(served: DemoSite) -> None:
    path = "/news/2026/11/20/central-bank-holds-rates.html"
    status, _, body = _fetch(served, f"{path}?utm_source=rss&utm_medium=feed")
    assert status == 200
    assert body == _fetch(served, path)[2]


def test_head_sends_headers_without_body(served: DemoSite) -> None:
    get_status, get_headers, get_body = _fetch(served, "/feed.xml")
    status, headers, body = _fetch(served, "/feed.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len(get_body))
    assert headers["ETag"] == get_headers["ETag"]
    assert get_status == 200


def test_gzip_sitemap_is_real_gzip_with_absolute_urls(served: DemoSite) -> None:
    status, headers, body = _fetch(served, "/sitemap-2026-11.xml.gz")
    assert status == 200
    assert headers["Content-Type"] in ("application/gzip", "application/x-gzip")
    assert "Content-Encoding" not in headers, "the body is the gzip file, not an encoded transfer"
    assert body[:2] == b"\x1f\x8b"
    locs = [el.text for el in ET.fromstring(gzip.decompress(body)).iter() if el.tag.endswith("loc")]
    assert locs
    assert all(loc and loc.startswith(served.base_url + "/") for loc in locs), locs


def test_pdf_is_served_as_pdf(served: DemoSite) -> None:
    status, headers, body = _fetch(served, "/news/2026/11/18/report.pdf")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("entry", HTML_ENTRIES, ids=_ids(HTML_ENTRIES))
def test_html_charset_header_matches_manifest(served: DemoSite, entry: dict[str, Any]) -> None:
    status, headers, body = _fetch(served, entry["path"])
    assert status == 200
    assert headers["Content-Type"] == f"text/html; charset={entry['charset']}"
    assert served.base_url in body.decode(entry["encoding"])


def test_conditional_get_returns_304(served: DemoSite) -> None:
    path = "/news/2026/11/19/harbour-bridge-reopens.html"
    _, headers, _ = _fetch(served, path)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]

    status, headers_304, body = _fetch(served, path, headers={"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers_304["ETag"] == etag
    assert _fetch(served, path, headers={"If-Modified-Since": last_modified})[0] == 304

    old = email.utils.formatdate(946684800, usegmt=True)  # 2000-01-01
    assert _fetch(served, path, headers={"If-Modified-Since": old})[0] == 200
    assert _fetch(served, path, headers={"If-None-Match": '"other"'})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert _fetch(served, path, headers=both)[0] == 200


def test_every_request_is_recorded() -> None:
    with DemoSite() as site:
        _fetch(site, "/robots.txt", headers={"User-Agent": "newsflow-test"})
        _fetch(site, "/feed.xml", method="HEAD")
        _fetch(site, "/nope.html")
        _fetch(site, "/feed.xml", method="POST")
        recorded = site.requests
        site.clear_requests()
        assert site.requests == []
    assert [(r.method, r.path, r.status) for r in recorded] == [
        ("GET", "/robots.txt", 200),
        ("HEAD", "/feed.xml", 200),
        ("GET", "/nope.html", 404),
        ("POST", "/feed.xml", 501),
    ]
    assert recorded[0].headers["User-Agent"] == "newsflow-test"
    method, path, _headers, status = recorded[2]  # a plain tuple, too
    assert (method, path, status) == ("GET", "/nope.html", 404)


def test_serves_another_directory(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text("<a href='{{BASE}}/x'/>", encoding="utf-8")
    with DemoSite(tmp_path) as site:
        status, headers, body = _fetch(site, "/a.xml")
        base_url = site.base_url
    assert status == 200
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    assert body.decode() == f"<a href='{base_url}/x'/>"


def test_cli_prints_base_url_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url), base_url
        host, port = base_url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/robots.txt")
        response = conn.getresponse()
        assert response.status == 200
        assert f"Sitemap: {base_url}/sitemap_index.xml" in response.read().decode()
        conn.close()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr


# --- MANIFEST.json is the ground truth: check it against the files ------------------------------


def test_manifest_lists_every_page_and_candidate_file() -> None:
    listed = {e["path"] for e in [*CANDIDATES, *PAGES] if e["http_status"] != 404}
    on_disk_html = {"/" + p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")}
    on_disk_candidates = {
        "/" + p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*")
        if p.is_file() and ARTICLE_PATTERN.search("/" + p.relative_to(SITE).as_posix())
    }
    assert on_disk_html <= listed, f"HTML files missing from MANIFEST: {on_disk_html - listed}"
    assert on_disk_candidates <= listed, f"unlisted candidates: {on_disk_candidates - listed}"
    missing = {p for p in listed if not (SITE / p.lstrip("/")).is_file()}
    assert not missing, f"MANIFEST lists files that do not exist: {missing}"


@pytest.mark.parametrize("entry", CANDIDATES, ids=_ids(CANDIDATES))
def test_candidate_entry_is_consistent(entry: dict[str, Any]) -> None:
    path = entry["path"]
    assert ARTICLE_PATTERN.search(path), f"{path} does not match article_url_pattern"
    assert entry["outcome"] in MANIFEST["outcomes"]
    exists = (SITE / path.lstrip("/")).is_file()
    assert exists == (entry["http_status"] == 200), f"{path}: exists={exists}"
    classes = {MANIFEST["discovery_files"][f] for f in entry["listed_in"]}
    assert sorted(entry["discovery"]) == sorted(classes), f"{path}: discovery != listed_in classes"
    assert entry["listed_in"], f"{path} is listed by no discovery file"
    disallowed = any(path.startswith(p) for p in MANIFEST["disallowed_prefixes"])
    assert disallowed == (entry["outcome"] == "never_fetched"), path


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_pages_do_not_match_the_article_pattern(page: dict[str, Any]) -> None:
    assert not ARTICLE_PATTERN.search(page["path"]), page["path"]


@pytest.mark.parametrize("name", sorted(MANIFEST["discovery_files"]))
def test_discovery_file_lists_exactly_what_manifest_says(name: str) -> None:
    expected = {c["path"] for c in CANDIDATES if name in c["listed_in"]}
    assert _candidate_paths(_links(name)) == expected, f"{name} candidate links != MANIFEST"


def test_sitemap_index_points_to_both_sitemaps() -> None:
    assert _links("/sitemap_index.xml") == [
        f"{FAKE_BASE}/sitemap-news.xml",
        f"{FAKE_BASE}/sitemap-2026-11.xml.gz",
    ]


def test_news_sitemap_has_publication_dates() -> None:
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    root = ET.fromstring(_site_text("/sitemap-news.xml").encode())
    by_path = {c["path"]: c for c in CANDIDATES}
    urls = root.findall("s:url", ns)
    assert urls
    for url in urls:
        path = url.findtext("s:loc", namespaces=ns, default="").removeprefix(FAKE_BASE)
        date = url.findtext("news:news/news:publication_date", namespaces=ns)
        assert date == by_path[path]["published"], path


def test_listing_pagination_links_page_two() -> None:
    html = _site_text("/section/world/index.html")
    assert f'<link rel="next" href="{FAKE_BASE}/section/world/page2.html">' in html
    assert '<a rel="next" href="/section/world/page2.html">' in html


def test_robots_agrees_with_outcomes() -> None:
    robots = RobotFileParser()
    robots.parse(_site_text("/robots.txt").splitlines())
    for entry in CANDIDATES:
        allowed = robots.can_fetch("newsflow", FAKE_BASE + entry["path"])
        assert allowed == (entry["outcome"] != "never_fetched"), entry["path"]


def test_feed_tracking_link_has_clean_canonical() -> None:
    tracked = [c for c in CANDIDATES if "feed_query" in c]
    assert len(tracked) == 1
    entry = tracked[0]
    assert f"{FAKE_BASE}{entry['path']}?{entry['feed_query']}" in _links("/feed.xml")
    html = _site_text(entry["path"], entry["encoding"])
    assert f'<link rel="canonical" href="{FAKE_BASE}{entry["path"]}">' in html


def test_manifest_covers_the_cases_the_tests_need() -> None:
    encodings = {c["encoding"] for c in STORED}
    assert {"utf-8", "shift_jis", "euc_jp", "big5", "gb18030"} <= encodings
    assert {"ja", "ko", "zh-Hant", "zh-Hans", "en", "de"} <= {c["language"] for c in STORED}
    reasons = {c["reason"] for c in CANDIDATES if c["outcome"] == "rejected"}
    assert reasons == {"listing_page", "not_html"}
    assert {c["outcome"] for c in CANDIDATES} == set(MANIFEST["outcomes"])
    for kind in ("feed", "atom", "sitemap", "listing"):
        only = [c for c in STORED if c["discovery"] == [kind]]
        assert only, f"no stored article is discovered only through {kind}"


@pytest.mark.parametrize("entry", HTML_ENTRIES, ids=_ids(HTML_ENTRIES))
def test_html_decodes_and_declares_its_charset(entry: dict[str, Any]) -> None:
    html = _site_text(entry["path"], entry["encoding"])  # strict decode
    assert f'<meta charset="{entry["charset"]}">' in html
    assert re.search(rf'<html lang="{re.escape(entry["language"])}">', html)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and title.group(1).startswith(entry["title"].replace("&", "&amp;")), entry["path"]


def test_gb_page_is_mislabelled_gb2312_like_real_sites() -> None:
    (entry,) = [c for c in STORED if c["charset"] == "gb2312"]
    data = (SITE / entry["path"].lstrip("/")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    data.decode("gb18030")


@pytest.mark.parametrize("entry", STORED, ids=_ids(STORED))
def test_article_metadata_matches_manifest(entry: dict[str, Any]) -> None:
    html = _site_text(entry["path"], entry["encoding"])
    data = _jsonld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == entry["title"]
    assert data["datePublished"] == entry["published"]
    assert datetime.fromisoformat(entry["published"]).tzinfo is not None
    assert [a["name"] for a in data["author"]] == [entry["author"]]
    assert f'<link rel="canonical" href="{FAKE_BASE}{entry["path"]}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:url" content="{FAKE_BASE}{entry["path"]}">' in html
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.S)
    body = "".join(paragraphs)
    if entry["language"] in CJK_LANGUAGES:
        assert len(body) >= 150, f"{entry['path']}: body has {len(body)} characters"
    else:
        assert len(body.split()) >= 120, f"{entry['path']}: body has {len(body.split())} words"
    for snippet in entry["with"]:
        assert snippet in body, f"{entry['path']}: 'with' snippet not in the body: {snippet!r}"


@pytest.mark.parametrize("entry", STORED, ids=_ids(STORED))
def test_boilerplate_snippets_and_captions_are_on_the_page(entry: dict[str, Any]) -> None:
    html = _site_text(entry["path"], entry["encoding"])
    for snippet in entry["without"]:
        assert snippet in html, f"{entry['path']}: 'without' snippet not on the page: {snippet!r}"
    for caption in entry.get("captions", []):
        # alt text, figcaption, and a duplicate caption paragraph
        assert html.count(caption) == 3, f"{entry['path']}: caption {caption!r}"


def test_seed_like_page_has_its_traps_inside_the_article() -> None:
    (entry,) = [c for c in STORED if "最新ニュース" in c["without"]]
    html = _site_text(entry["path"])
    article = html[html.index("<article") : html.index("</article>")]
    latest = article[article.index('class="latest-news"') :]
    assert len(re.findall(r"<li>", latest)) >= 30
    assert "目次" in article
    assert len(entry["captions"]) >= 2
