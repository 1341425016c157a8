"""Per-source progress for ``newsflow run``: live lines on a terminal, plain lines in logs and CI."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import IO, Any

_PLAIN_INTERVAL = 10.0  # seconds between plain progress lines for one source


class Progress:
    """Tracks each source's state; redraws in place on a TTY, else prints plain lines."""

    def __init__(
        self, names: list[str], stream: IO[str] | None = None, live: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.names = names
        self.width = max((len(n) for n in names), default=6)
        self.state: dict[str, str] = {n: "waiting" for n in names}
        self._last_plain: dict[str, float] = {}
        self._lock = threading.Lock()
        self._drawn = 0
        if self.live:
            self._redraw()

    def update(self, name: str, text: str, *, force: bool = True) -> None:
        """Set a source's status line; in plain mode, rate-limit non-forced updates."""
        with self._lock:
            self.state[name] = text
            if self.live:
                self._redraw()
                return
            now = time.monotonic()
            if force or now - self._last_plain.get(name, 0.0) >= _PLAIN_INTERVAL:
                self._last_plain[name] = now
                self.stream.write(f"[{name}] {text}\n")
                self.stream.flush()

    def write(self, text: str) -> None:
        """Print a line of its own; on a terminal above the sources' lines, which follow it."""
        with self._lock:
            if self.live and self._drawn:
                # back to the first source line and clear to the end of the screen
                self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
                self._drawn = 0
            self.stream.write(text + "\n")
            if self.live:
                self._redraw()
            self.stream.flush()

    def log_handler(self) -> logging.Handler:
        """A handler that logs through :meth:`write`: a plain stream handler's lines would be
        drawn over by the next redraw on a terminal."""
        return _ProgressHandler(self)

    def on_crawl_event(self, name: str) -> Any:
        """A callback for :func:`crawler.fetch.process.crawl_source` progress events of one source."""

        def callback(event: dict[str, Any]) -> None:
            # shown: a site that times out is retried for minutes before its first error counts
            retried = event.get("retried", 0)
            self.update(
                name,
                f"crawling: discovered {event.get('discovered', 0)}, fetched {event.get('fetched', 0)},"
                f" errors {event.get('errors', 0)}" + (f", retried {retried}" if retried else ""),
                force=False,
            )

        return callback

    def _redraw(self) -> None:
        out = self.stream
        if self._drawn:
            out.write(f"\x1b[{self._drawn}F")
        for name in self.names:
            out.write(f"\x1b[2K{name:<{self.width}}  {self.state[name]}\n")
        self._drawn = len(self.names)
        out.flush()


class _ProgressHandler(logging.Handler):
    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.progress.write(self.format(record))
        except Exception:
            self.handleError(record)
