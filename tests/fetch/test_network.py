"""Network safety: address classification, the middleware's lookups, the resolver that checks the
address Scrapy actually connects to (through the real download path), and http(s) only."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from crawler.pipeline import crawl_step, new_run_id
from crawler.sources import Source
from tests.faultserver import FaultServer, article_html
from tests.helpers import free_port, local_source, query_rows

BLOCKED = {
    "127.0.0.1": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local (cloud metadata)",
    "0.0.0.0": "unspecified",
    "100.64.0.1": "shared address space",
    "224.0.0.1": "multicast",
    "::1": "IPv6 loopback",
    "::": "IPv6 unspecified",
    "fe80::1": "IPv6 link-local",
    "fe80::1%eth0": "IPv6 link-local with a zone",
    "fc00::1": "IPv6 unique local",
    "fec0::1": "IPv6 site-local (deprecated)",
    "ff02::1": "IPv6 multicast",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:169.254.169.254": "IPv4-mapped metadata",
    "64:ff9b::a9fe:a9fe": "NAT64 of the metadata address",
    "64:ff9b::7f00:1": "NAT64 of loopback",
    "64:ff9b:1::a9fe:a9fe": "local-use NAT64 prefix",
    "2002:a9fe:a9fe::": "6to4 of the metadata address",
    "2002:7f00:1::1": "6to4 of loopback",
    "::7f00:1": "IPv4-compatible loopback",
    "::a9fe:a9fe": "IPv4-compatible metadata",
    "::ffff:0:7f00:1": "IPv4-translated loopback",
    "::ffff:0:a9fe:a9fe": "IPv4-translated metadata",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo",
    "2001:db8::1": "IPv6 documentation",
    "not-an-address": "unparseable",
}
ALLOWED = {
    "93.184.216.34": "public IPv4",
    "8.8.8.8": "public IPv4",
    "2606:2800:220:1::1": "public IPv6",
    "::ffff:8.8.8.8": "IPv4-mapped public",
    "64:ff9b::5db8:d822": "NAT64 of a public address (IPv6-only subnets reach the web this way)",
    "2002:5db8:d822::1": "6to4 of a public address",
}


@pytest.mark.parametrize("address", list(BLOCKED), ids=list(BLOCKED.values()))
def test_non_global_addresses_are_blocked(address: str) -> None:
    from crawler.fetch.network import blocked_reason

    assert blocked_reason(address) is not None, f"{address} ({BLOCKED[address]}) must be refused"


@pytest.mark.parametrize("address", list(ALLOWED), ids=list(ALLOWED.values()))
def test_global_addresses_are_allowed(address: str) -> None:
    from crawler.fetch.network import blocked_reason

    assert blocked_reason(address) is None, f"{address} ({ALLOWED[address]}) must be allowed"


def test_embedded_ipv4_is_named_in_the_reason() -> None:
    from crawler.fetch.network import blocked_reason

    reason = blocked_reason("64:ff9b::a9fe:a9fe")
    assert reason is not None and "169.254.169.254" in reason, reason


def test_localhost_resolves_only_to_blocked_addresses() -> None:
    from crawler.fetch.middlewares import _resolve
    from crawler.fetch.network import blocked_reason

    addresses = _resolve("localhost")
    assert addresses and all(blocked_reason(a) for a in addresses), addresses


# the middleware's own lookup -----------------------------------------------------------------


def test_a_failed_lookup_is_not_cached_as_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that does not resolve at first (a DNS hiccup, or a name registered meanwhile) is
    checked again next time, not let through for the rest of the crawl."""
    from scrapy import Request
    from scrapy.utils.test import get_crawler
    from twisted.internet import defer

    from crawler.fetch import middlewares
    from crawler.fetch.middlewares import BlockedAddressError, PrivateNetworkGuard

    answers: list[Any] = [socket.gaierror(socket.EAI_AGAIN, "temporary failure")]
    answers.append([(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))])

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # no reactor in this test: run the lookup inline instead of in Twisted's thread pool
    monkeypatch.setattr(middlewares, "deferToThread", defer.maybeDeferred)
    crawler = get_crawler(settings_dict={"NEWSFLOW_ALLOW_PRIVATE_NETWORKS": False})
    crawler.spider = SimpleNamespace(source=SimpleNamespace(allow_private_networks=False))
    guard = PrivateNetworkGuard.from_crawler(crawler)

    async def twice() -> None:
        request = Request("http://flaky.example/a/1.html")
        await guard.process_request(request)  # the lookup fails: Scrapy's own lookup decides
        with pytest.raises(BlockedAddressError):
            await guard.process_request(request)

    asyncio.run(twice())


# the resolver: what Scrapy connects to ------------------------------------------------------

# A crawl child of its own (Twisted's reactor runs once per process) with the middleware that
# checks names taken out: only the resolver stands between the request and the address.
_RESOLVER_PROBE = """
import json, sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from crawler.fetch.process import source_settings
from crawler.sources import Source

url, allow = sys.argv[1], sys.argv[2] == "allow"
source = Source(name="probe", language="en", allowed_domains=("localhost",), start_urls=(url,),
                allow_private_networks=allow)
settings = source_settings(source, database_url="postgresql:///unused", run_id="r",
                           contact_url="https://example.org")
settings["DOWNLOADER_MIDDLEWARES"] = {
    **settings["DOWNLOADER_MIDDLEWARES"], "crawler.fetch.middlewares.PrivateNetworkGuard": None
}
settings.update(ITEM_PIPELINES={}, ROBOTSTXT_OBEY=False, RETRY_ENABLED=False, EXTENSIONS={})
outcome = {}

class Probe(Spider):
    name = "probe"

    async def start(self):
        yield Request(url, callback=self.fetched, errback=self.failed)

    def fetched(self, response):
        outcome["status"] = response.status

    def failed(self, failure):
        outcome["error"] = type(failure.value).__name__
        outcome["message"] = str(failure.value)

process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
from crawler.fetch.network import refusal
from urllib.parse import urlsplit
outcome["refusal"] = refusal(urlsplit(url).hostname)
print(json.dumps(outcome))
"""


def _probe(url: str, allow: bool) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _RESOLVER_PROBE, url, "allow" if allow else "deny"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "2130706433"])
def test_resolver_refuses_a_private_answer_at_connection(host: str) -> None:
    """The address Scrapy connects to is checked when it is resolved, whatever any earlier check
    of the name said (DNS rebinding): ``localhost``, a literal, and 127.0.0.1 spelt as a number."""
    with FaultServer() as site:
        url = site.base_url.replace("127.0.0.1", host) + "/a/ok-1.html"
        outcome = _probe(url, allow=False)
        assert site.paths() == [], f"{url}: the request reached the loopback server ({outcome})"
    assert "status" not in outcome and "error" in outcome, outcome
    # what the spider records as the error (private_address) and its message
    assert outcome["refusal"] == "127.0.0.1 is a loopback address", outcome


def test_resolver_lets_private_answers_through_when_the_source_allows_them() -> None:
    with FaultServer() as site:
        outcome = _probe(site.base_url.replace("127.0.0.1", "localhost") + "/a/ok-1.html", True)
        assert outcome == {"status": 200, "refusal": None}, outcome
        assert site.paths() == ["/a/ok-1.html"]


# http(s) only ---------------------------------------------------------------------------------


def test_only_http_and_https_urls_are_requested(db: str, tmp_path: Path) -> None:
    secret = tmp_path / "a" / "secret.html"
    secret.parent.mkdir()
    secret.write_bytes(article_html("read from the crawler's own disk"))
    closed = free_port()
    other_schemes = [
        f"file://127.0.0.1{secret}",
        f"ftp://127.0.0.1:{closed}/a/ok-2.html",
        "s3://127.0.0.1/a/ok-3.html",
        "data://127.0.0.1/a/,hello",
    ]
    with FaultServer() as site:
        links = [f"{site.base_url}/a/ok-1.html", *other_schemes]
        anchors = "".join(f'<a href="{u}">story</a>' for u in links)
        next_page = f'<a rel="next" href="ftp://127.0.0.1:{closed}/list2.html">next</a>'
        site.pages["/list.html"] = f"<html><body>{anchors}{next_page}</body></html>".encode()
        source, path = local_source(
            tmp_path,
            "schemes",
            start_urls=[f"{site.base_url}/list.html"],
            article_url_pattern=r"/a/",
            follow_depth=1,
        )
        crawled = crawl_step(source, sources_path=path, database_url=db, run_id=new_run_id())
    stored = [url for (url,) in query_rows(db, "SELECT url FROM raw_pages")]
    assert stored == [f"{site.base_url}/a/ok-1.html"], stored
    errors = query_rows(db, "SELECT url, error_class FROM fetch_errors")
    assert errors == [], f"URLs of other schemes were requested: {errors}"
    assert crawled.stats["newsflow/not_http"] == len(other_schemes) + 1, crawled.stats


def test_download_handlers_of_other_schemes_are_off() -> None:
    from crawler.fetch.process import source_settings

    source = Source(name="s", language="en", allowed_domains=("ex.com",), feeds=("https://ex.com",))
    settings = source_settings(source, database_url="postgresql:///x", run_id="r", contact_url="u")
    handlers = settings["DOWNLOAD_HANDLERS"]
    assert {scheme for scheme, path in handlers.items() if path is None} == {
        "ftp",
        "s3",
        "file",
        "data",
    }, handlers
