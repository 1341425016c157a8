"""A generated news site on 127.0.0.1: N realistic article pages, a sitemap, robots.txt.

Used by the benchmark (``benchmarks/bench_crawl.py``) and by the tests of incremental crawling
(revisions, syndication, backfill, a crawl killed half-way). Pages are built on request from
the article number, deterministically: ~130 KB of HTML each (menus, teaser lists, inline SVG,
JSON state, CSS and footer around 6–14 paragraphs), the furniture of a real news page; real pages
are heavier (the dev corpus's median is ~250 KB).

- ``/sitemap.xml``: every article with ``lastmod`` (article *i* is dated ``start + i hours``);
  ``undated`` extra URLs without ``lastmod``; ETag/304 on conditional requests.
- ``/news/<i>.html``: article *i*. ``edition`` (settable) changes the text of the articles in
  ``edited``, so a revisit sees an edit. ``syndicated_from`` renders the same stories as a wire
  copy on another site (own template, own URLs, a credit line).
- ``delay`` seconds are slept before each article response (a slow site, for kill tests).
- ``first``: the number of the first article, so that several sites carry different stories;
  ``host``/``port`` bind elsewhere than a free port on 127.0.0.1 and ``public_url`` is the base
  written into the pages then (a host name on a compose network: ``make bench-scale``).
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TEXT = (
    "council budget harbour bridge transport ministry election voters rainfall typhoon market "
    "shares exports chip factory hospital school teachers festival tourism hotel railway station "
    "airport policy reform court ruling police investigation energy grid solar wind prices "
    "inflation wages housing rent farmers rice harvest fishing port community residents mayor "
    "governor parliament committee report survey research university scientists climate coral "
    "reef ocean river flood drought wildfire vaccine clinic patients doctors nurses"
)
_WORDS = tuple(_TEXT.split())
START = datetime(2025, 1, 1, tzinfo=UTC)  # + 1 h per article: 10,000 articles end before 2026-03


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(12, 24))]
    return " ".join(words).capitalize() + "."


def article_text(i: int, edition: int = 0) -> tuple[str, list[str]]:
    """Title and paragraphs of story ``i`` (``edition`` > 0 appends a correction)."""
    rng = random.Random(i)
    title = " ".join(rng.choice(_WORDS) for _ in range(7)).capitalize() + f" ({i})"
    paragraphs = [
        " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
        for _ in range(rng.randint(6, 14))
    ]
    if edition:
        paragraphs.append(f"Correction (edition {edition}): an earlier version misstated a figure.")
    return title, paragraphs


def _boilerplate(rng: random.Random, base: str, n: int) -> dict[str, str]:
    """The page furniture of a real news site (menus, lists, inline SVG icons, JSON state, CSS, ad
    slots): ~130 KB a page, about half the real-world dev corpus's median (~250 KB)."""

    def links(count: int, path: str) -> str:
        return "".join(
            f'<li class="menu-item"><a href="{base}/{path}/{rng.choice(_WORDS)}-{k}/">'
            f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)}</a></li>"
            for k in range(count)
        )

    def headlines(count: int) -> str:
        return "".join(
            f'<li class="teaser"><a href="{base}/news/{rng.randrange(n)}.html">'
            f'<img src="{base}/img/{rng.getrandbits(32):x}.jpg" alt="" loading="lazy" width="160"'
            f' height="90"><span class="teaser__title">{_sentence(rng)}</span></a>'
            f'<span class="teaser__time">{rng.randint(1, 23)}h ago</span></li>'
            for _ in range(count)
        )

    icon = (
        '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="'
        + " ".join(
            f"M{rng.randint(0, 24)} {rng.randint(0, 24)}L{rng.random():.3f}" for _ in range(60)
        )
        + '"/></svg>'
    )
    mega_menu = "".join(
        f'<div class="mega__col"><h3>{rng.choice(_WORDS).title()}</h3><ul>{links(20, "section")}</ul></div>'
        for _ in range(8)
    )
    state = ",".join(
        f'{{"id":{rng.getrandbits(40)},"slot":"ad-{k}","sizes":[[300,250],[728,90]],'
        f'"targeting":{{"kw":"{rng.choice(_WORDS)}","seg":"{rng.getrandbits(64):x}"}}}}'
        for k in range(400)
    )
    css = "".join(
        f".c{rng.getrandbits(24):x}{{margin:{rng.randint(0, 9)}px;color:#{rng.getrandbits(24):06x}}}"
        for _ in range(700)
    )
    return {
        "nav": links(30, "section"),
        "mega_menu": mega_menu,
        "related": headlines(12),
        "latest": headlines(20),
        "most_read": headlines(10),
        "footer": "".join(f'<ul class="footer__col">{links(15, "about")}</ul>' for _ in range(6)),
        "share": "".join(
            f'<a class="share share--{k}" href="{base}/share?s={k}">{icon}</a>'
            for k in ("x", "fb", "line", "mail", "copy")
        ),
        "script": f'window.__STATE__ = {{"ads": [{state}]}};',
        "css": css,
    }


class GeneratedSite:
    """The server; use as a context manager. Attributes may be changed while it runs."""

    def __init__(
        self,
        articles: int,
        *,
        undated: int = 0,
        delay: float = 0.0,
        syndicated_from: int | None = None,
        name: str = "Generated Gazette",
        first: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
    ) -> None:
        self.articles = articles
        self.first = first
        self.address = (host, port)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.undated = undated
        self.delay = delay
        self.syndicated = syndicated_from is not None
        self.name = name
        self.edition = 0
        self.edited: set[int] = set()
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._cache: dict[tuple[int, int], bytes] = {}  # rendered once: the site's CPU is not ours

    @property
    def base_url(self) -> str:
        assert self._server is not None
        if self.public_url:
            return self.public_url
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def article_url(self, i: int) -> str:
        return f"{self.base_url}/news/{i}.html"

    def published(self, i: int) -> datetime:
        return START + timedelta(hours=i)

    def __enter__(self) -> GeneratedSite:
        site = self

        class Handler(_Handler):
            pass

        Handler.site = site
        self._server = ThreadingHTTPServer(self.address, Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [p for _, p, _ in self.requests]

    # content --------------------------------------------------------------------------------

    def sitemap(self) -> bytes:
        rows = [
            f"<url><loc>{self.article_url(i)}</loc>"
            f"<lastmod>{self.published(i).isoformat()}</lastmod></url>"
            for i in range(self.first, self.first + self.articles)
        ]
        rows += [
            f"<url><loc>{self.article_url(self.first + self.articles + j)}</loc></url>"
            for j in range(self.undated)
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        ).encode()

    def article(self, i: int) -> bytes | None:
        if not self.first <= i < self.first + self.articles + self.undated:
            return None
        key = (i, self.edition if i in self.edited else 0)
        page = self._cache.get(key)
        if page is None:
            page = self._cache[key] = self._render(i)
        return page

    def _render(self, i: int) -> bytes:
        title, paragraphs = article_text(i, self.edition if i in self.edited else 0)
        rng = random.Random(i * 7919 + (1 if self.syndicated else 0))
        base = self.base_url
        parts = _boilerplate(rng, base, self.articles)
        published = self.published(i).isoformat()
        body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
        if self.syndicated:
            body = f"<p><em>Distributed by {self.name} wire service.</em></p>\n{body}"
            template = "wire"
        else:
            template = "house"
        html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {self.name}</title>
<link rel="canonical" href="{self.article_url(i)}">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{self.name}">
<meta property="article:published_time" content="{published}">
<meta name="author" content="Staff Reporter">
<style>{parts["css"]}</style>
<script>{parts["script"]}</script>
</head><body class="{template}">
<header><div class="logo">{self.name}</div><nav class="nav"><ul>{parts["nav"]}</ul></nav>
<div class="mega">{parts["mega_menu"]}</div></header>
<div class="ad-slot" data-slot="top"></div>
<main><article>
<h1>{title}</h1>
<p class="byline">By Staff Reporter · <time datetime="{published}">{published[:10]}</time></p>
<div class="share-bar">{parts["share"]}</div>
{body}
<div class="share-bar">{parts["share"]}</div>
</article>
<aside class="related"><h2>Related stories</h2><ul>{parts["related"]}</ul></aside>
<aside class="latest"><h2>Latest news</h2><ul>{parts["latest"]}</ul></aside>
<aside class="most-read"><h2>Most read</h2><ol>{parts["most_read"]}</ol></aside>
</main>
<footer>{parts["footer"]}<p>© 2026 {self.name}. All rights reserved.</p></footer>
</body></html>
"""
        return html.encode()


class _Handler(BaseHTTPRequestHandler):
    site: GeneratedSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.site
        with site._lock:
            site.requests.append(
                (time.monotonic(), self.path, {k: v for k, v in self.headers.items()})
            )
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path == "/sitemap.xml":
            body = site.sitemap()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", None, {"ETag": etag})
            else:
                self._send(200, body, "application/xml", {"ETag": etag})
        elif self.path.startswith("/news/") and self.path.endswith(".html"):
            try:
                i = int(self.path[6:-5])
            except ValueError:
                i = -1
            page = site.article(i)
            if site.delay:
                time.sleep(site.delay)
            if page is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, page, "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.generated_site --articles N``: serve until stdin closes (``--forever``:
    until SIGTERM, for a container without stdin); prints the URL."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--first", type=int, default=0, help="number of the first article")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--public-url", help="base URL written into the pages (default: bound)")
    parser.add_argument(
        "--prerender",
        action="store_true",
        help="render every page before serving, so that a benchmark does not pay the site's CPU",
    )
    parser.add_argument("--forever", action="store_true", help="serve until SIGTERM")
    args = parser.parse_args(argv)
    with GeneratedSite(
        args.articles,
        first=args.first,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
    ) as site:
        if args.prerender:
            for i in range(args.first, args.first + args.articles):
                site.article(i)
        print(site.base_url, flush=True)
        if args.forever:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
            stop.wait()
        else:
            sys.stdin.read()  # the parent closes our stdin (or exits) to stop us
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
