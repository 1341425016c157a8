"""A hostile news site on 127.0.0.1 for crawler tests: every way a server can misbehave.

Independent of the crawler: plain ``http.server``. Every request is recorded (monotonic time,
path, headers), and for streamed bodies the bytes actually sent, so tests can assert on what
the crawler did and when. ``/feed.xml`` lists every article path below (windows-1252 without
an XML declaration, and ending in malformed XML).

| path | behaviour |
|---|---|
| ``/a/ok-<n>.html`` | a normal article |
| ``/a/retry-after.html`` | 429 with ``Retry-After: 1`` for a second after the first request, then the article |
| ``/a/retry-forever.html`` | 503 with ``Retry-After: 3600`` (longer than we wait); listed on host ``localhost`` |
| ``/a/error.html`` | always 500 |
| ``/a/slow.html`` | answers after ``slow_seconds`` |
| ``/a/truncated.html`` | announces 50 000 bytes, sends 1 000, closes |
| ``/a/loop.html`` | redirects to ``/a/loop2.html``, which redirects back |
| ``/a/bomb.html`` | ``Content-Encoding: gzip``: 20 KB that inflate to 64 MB |
| ``/a/report.html`` | a 5 MB PDF, streamed in 64 KB chunks |
| ``/a/photo.html`` | ``image/png`` |
| any path in ``pages`` | that HTML (a test's own pages), with its ``content_types`` entry if any, and its ``answers`` entry's status and headers if any (else 200) |
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ARTICLES = ("ok-1", "ok-2", "ok-3")
FAULTS = (
    "retry-after",
    "retry-forever",
    "error",
    "slow",
    "truncated",
    "loop",
    "bomb",
    "report",
    "photo",
)
PDF_SIZE = 5 * 1024 * 1024
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


def article_html(name: str) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the {name} story: the harbour authority said on Tuesday that "
        f"repairs to the northern pier would continue until the end of the month, with ferries "
        f"diverted to the southern terminal in the meantime.</p>"
        for i in range(8)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story {name}</title>'
        f'<meta property="article:published_time" content="2026-11-20T08:00:00+00:00"></head>'
        f"<body><article><h1>Story {name}</h1>{paragraphs}</article></body></html>"
    ).encode()


class FaultServer:
    """Use as a context manager; ``crawl_delay`` (robots.txt) and ``slow_seconds`` are settable."""

    def __init__(self, *, crawl_delay: float | None = None, slow_seconds: float = 3.0) -> None:
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.articles: tuple[str, ...] = ARTICLES + FAULTS
        self.requests: list[tuple[float, str, dict[str, str]]] = []
        self.sent: dict[str, int] = {}
        self.lock = threading.Lock()
        self.first_retry_after: float | None = None  # monotonic time of the first such request
        self.pages: dict[str, bytes] = {}  # more HTML pages (path -> body), served first
        # Content-Type of some of those pages, sent as given (a NUL byte included)
        self.content_types: dict[str, str] = {}
        # Status and headers of some of those pages (an error page, a bot challenge)
        self.answers: dict[str, tuple[int, dict[str, str]]] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FaultServer:
        server = self

        class Handler(_Handler):
            pass

        Handler.fault = server
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [t for t, p, _ in self.requests if p == path]

    def paths(self) -> list[str]:
        with self.lock:
            return [p for _, p, _ in self.requests]

    def _base(self, name: str) -> str:
        # A site that asks for an hour's pause slows its own download slot (host) to the cap:
        # served as "localhost", so that slot is not the one of the other pages.
        if name == "retry-forever":
            return self.base_url.replace("127.0.0.1", "localhost")
        return self.base_url

    def feed(self) -> bytes:
        items = "".join(
            f"<item><title>Caf\xe9 {name}</title><link>{self._base(name)}/a/{name}.html</link>"
            f"<pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate></item>"
            for name in self.articles
        )
        # windows-1252 (é) without an XML declaration, and the document is cut off at the end
        return f"<rss version='2.0'><channel><title>Fault Times</title>{items}<item><link>".encode(
            "cp1252"
        )


class _Handler(BaseHTTPRequestHandler):
    fault: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        f = self.fault
        with f.lock:
            f.requests.append((time.monotonic(), self.path, dict(self.headers.items())))
        path = self.path
        if path == "/robots.txt":
            text = "User-agent: *\nDisallow: /private/\n"
            if f.crawl_delay:
                text += f"Crawl-delay: {f.crawl_delay}\n"
            return self._send(200, text.encode(), "text/plain")
        if path == "/feed.xml":
            return self._send(200, f.feed(), "application/rss+xml; charset=windows-1252")
        if path in f.pages:
            content_type = f.content_types.get(path, "text/html; charset=utf-8")
            status, headers = f.answers.get(path, (200, {}))
            return self._send(status, f.pages[path], content_type, headers)
        name = path.removeprefix("/a/").removesuffix(".html")
        if name in ARTICLES:
            return self._send(200, article_html(name), "text/html; charset=utf-8")
        if name == "retry-after":
            # Refused for a whole second, not just once: a 429 lost in transit (Twisted sends the
            # request again on a fresh connection, ms later) is then answered by another 429.
            with f.lock:
                f.first_retry_after = f.first_retry_after or time.monotonic()
                refused = time.monotonic() - f.first_retry_after < 1.0
            if refused:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return self._send(200, article_html(name), "text/html; charset=utf-8")
        if name == "retry-forever":
            return self._send(503, b"maintenance", "text/plain", {"Retry-After": "3600"})
        if name == "error":
            return self._send(500, b"internal error", "text/plain")
        if name == "slow":
            time.sleep(f.slow_seconds)
            return self._send(200, article_html(name), "text/html; charset=utf-8")
        if name == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(article_html(name)[:1000])
            self.wfile.flush()
            self.close_connection = True
            return None
        if name in ("loop", "loop2"):
            target = "/a/loop2.html" if name == "loop" else "/a/loop.html"
            return self._send(302, b"", None, {"Location": f.base_url + target})
        if name == "bomb":
            return self._send(200, BOMB, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
        if name == "report":
            return self._stream(path, b"%PDF-1.7\n" + b"0" * (PDF_SIZE - 9), "application/pdf")
        if name == "photo":
            return self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 2048, "image/png")
        return self._send(404, b"not found", "text/plain")

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

    def _stream(self, path: str, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = 0
        try:
            for start in range(0, len(body), 65536):
                self.wfile.write(body[start : start + 65536])
                sent += min(65536, len(body) - start)
                time.sleep(0.002)  # a real network: the client can hang up before the end
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with self.fault.lock:
                self.fault.sent[path] = sent
