"""Serve the Demo Daily site (or any directory) on 127.0.0.1, recording every request.

Text files (.html, .xml, .txt, .rss, .atom) and gzipped text (.gz) have the token ``{{BASE}}``
replaced by the server's base URL, so feeds, sitemaps and canonical links are absolute although
the port is random; ``public_url`` replaces it where clients know the server by another name (a
container's host name on a compose network). HTML charsets come from ``MANIFEST.json`` in the
served directory (default UTF-8). Conditional GETs (``If-None-Match``, ``If-Modified-Since``) get
304; no directory listings.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import json
import logging
import signal
import threading
import zlib
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import NamedTuple
from urllib.parse import unquote

LOGGER = logging.getLogger(__name__)

BASE_TOKEN = b"{{BASE}}"
MANIFEST_NAME = "MANIFEST.json"
# Extension → media type. Text types get "; charset=..." and {{BASE}} substitution.
TEXT_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain",
}
BINARY_TYPES: dict[str, str] = {
    ".gz": "application/x-gzip",
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
DEFAULT_TYPE = "application/octet-stream"
# Request headers kept in the request log (what tests assert on: politeness and conditional GET).
RECORDED_HEADERS = (
    "User-Agent",
    "Accept",
    "Accept-Encoding",
    "If-Modified-Since",
    "If-None-Match",
    "Referer",
)


class RecordedRequest(NamedTuple):
    """One request as the server saw it; ``path`` is the raw request target (query included)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


def site_dir() -> Path:
    """The bundled Demo Daily site directory (package data)."""
    return Path(__file__).resolve().parent / "site"


class DemoSite:
    """A threaded HTTP server for one directory; use as a context manager or start()/stop()."""

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
    ) -> None:
        self.root = Path(directory).resolve() if directory is not None else site_dir()
        if not self.root.is_dir():
            raise FileNotFoundError(f"site directory not found: {self.root}")
        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        self.charsets = _load_charsets(self.root)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` or ``public_url`` (no trailing slash); only while started."""
        if self._server is None:
            raise RuntimeError("DemoSite is not started")
        if self.public_url:
            return self.public_url
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request recorded so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def start(self) -> DemoSite:
        if self._server is not None:
            raise RuntimeError("DemoSite is already started")
        self._server = _Server((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-site", daemon=True
        )
        self._thread.start()
        LOGGER.info("serving %s at %s", self.root, self.base_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        LOGGER.info("stopped serving %s", self.root)

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _resolve(self, target: str) -> Path | None:
        """The file a request target names, or None (missing, a directory, or outside root)."""
        raw = target.split("?", 1)[0].split("#", 1)[0]
        path = unquote(raw)
        if "\x00" in path or not path.startswith("/"):
            return None
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if path.endswith("/"):
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _body(self, file: Path) -> tuple[bytes, str]:
        """The bytes to send for ``file`` (with {{BASE}} substituted) and its Content-Type."""
        data = file.read_bytes()
        suffix = file.suffix.lower()
        base = self.base_url.encode("ascii")
        if suffix in TEXT_TYPES:
            charset = "utf-8"
            if suffix in (".html", ".htm"):
                rel = "/" + file.relative_to(self.root).as_posix()
                charset = self.charsets.get(rel, "utf-8")
            return data.replace(BASE_TOKEN, base), f"{TEXT_TYPES[suffix]}; charset={charset}"
        if suffix == ".gz":
            return _substitute_gzip(data, base), BINARY_TYPES[suffix]
        return data, BINARY_TYPES.get(suffix, DEFAULT_TYPE)


def _substitute_gzip(data: bytes, base: bytes) -> bytes:
    """Re-gzip ``data`` with {{BASE}} substituted; a .gz without the token is served as-is."""
    try:
        plain = gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        LOGGER.warning("not a valid gzip file, serving as-is")
        return data
    if BASE_TOKEN not in plain:
        return data
    return gzip.compress(plain.replace(BASE_TOKEN, base), mtime=0)


def _load_charsets(root: Path) -> dict[str, str]:
    """URL path → declared charset, from the manifest's "candidates" and "pages" entries."""
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    entries = [*data.get("candidates", []), *data.get("pages", [])]
    return {e["path"]: e["charset"] for e in entries if e.get("charset")}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        self.site = site
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoDaily/1.0"
    sys_version = ""
    timeout = 30  # seconds a connection may idle before its thread gives up

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        site = self.server.site
        file = site._resolve(self.path)
        if file is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body, content_type = site._body(file)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        mtime = int(file.stat().st_mtime)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only when it is absent."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        if since.tzinfo is None:
            return False
        return mtime <= since.timestamp()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Called by send_response() for every response, errors included: the one recording point.
        status = int(code) if isinstance(code, int) or str(code).isdigit() else 0
        headers = getattr(self, "headers", None)
        recorded = {h: headers[h] for h in RECORDED_HEADERS if headers and h in headers}
        self.server.site._record(
            RecordedRequest(self.command or "", getattr(self, "path", ""), recorded, status)
        )
        LOGGER.debug('"%s" %s', self.requestline, status)

    def log_message(self, format: str, *args: object) -> None:
        LOGGER.debug("%s %s", self.address_string(), format % args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crawler.demo.server``: serve until interrupted; prints the base URL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    parser.add_argument(
        "--public-url",
        help="base URL clients reach the site by, written into its pages (default: the bound one)",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="directory to serve (default: the Demo Daily site)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    site = DemoSite(args.dir, host=args.host, port=args.port, public_url=args.public_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    site.start()
    print(site.base_url, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
