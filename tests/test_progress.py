"""Progress display: live redraws on a terminal, rate-limited plain lines elsewhere; what a
real crawl child reports to it."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import CrawlError
from crawler.pipeline import crawl_step, new_run_id
from crawler.progress import Progress
from tests.helpers import local_source


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(["alpha", "beta"], stream=out)
    assert not p.live
    p.update("alpha", "crawling")
    callback = p.on_crawl_event("alpha")
    callback(
        {"event": "progress", "discovered": 5, "fetched": 2, "errors": 0}
    )  # within 10 s: dropped
    callback({"event": "progress", "discovered": 6, "fetched": 3, "errors": 0})  # likewise
    p.update("beta", "done: fetched 1")
    p._last_plain["alpha"] -= 11  # ten seconds later
    callback({"event": "progress", "discovered": 7, "fetched": 4, "errors": 0})
    assert out.getvalue().splitlines() == [
        "[alpha] crawling",
        "[beta] done: fetched 1",
        "[alpha] crawling: discovered 7, fetched 4, errors 0",
    ]
    assert "\x1b" not in out.getvalue()


def test_live_redraws_one_line_per_source_in_place() -> None:
    out = _Terminal()
    p = Progress(["alpha", "beta"], stream=out)
    assert p.live
    p.update("beta", "crawling")
    p.on_crawl_event("alpha")({"discovered": 9, "fetched": 4, "errors": 1})
    text = out.getvalue()
    assert text.count("\x1b[2F") == 2, "each redraw moves back over the two source lines"
    last_frame = text.rsplit("\x1b[2F", 1)[1]
    assert "alpha  crawling: discovered 9, fetched 4, errors 1" in last_frame
    assert "beta   crawling" in last_frame


def test_lines_logged_on_a_terminal_go_above_the_live_lines() -> None:
    out = _Terminal()
    p = Progress(["alpha", "beta"], stream=out)
    p.update("alpha", "crawling")
    logger = logging.getLogger("test_progress.live")
    logger.propagate = False
    logger.addHandler(p.log_handler())
    try:
        logger.warning("source=alpha crawl cut short")
    finally:
        logger.handlers.clear()
    # back over the two source lines, cleared, the line, then the two lines drawn again
    tail = out.getvalue().rsplit("\x1b[2F\x1b[J", 1)[1]
    assert tail.splitlines()[0] == "source=alpha crawl cut short"
    assert "alpha  crawling" in tail.splitlines()[1] and "beta   waiting" in tail.splitlines()[2]


def test_plain_lines_written_as_they_come_and_retries_shown() -> None:
    out = io.StringIO()
    p = Progress(["alpha"], stream=out)
    p.write("run r1: 1 source(s)")
    p.on_crawl_event("alpha")({"discovered": 0, "fetched": 0, "errors": 0, "retried": 4})
    assert out.getvalue().splitlines() == [
        "run r1: 1 source(s)",
        "[alpha] crawling: discovered 0, fetched 0, errors 0, retried 4",
    ]


def test_a_crawl_of_a_site_that_never_answers_shows_its_retries(db: str, tmp_path: Path) -> None:
    # Accepts connections, never answers: each request times out and is retried, long before
    # the first error counts (at the defaults, minutes of "errors 0").
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        source, path = local_source(
            tmp_path, "silent", sitemaps=[f"{base}/sitemap.xml"], download_timeout=1
        )
        out = io.StringIO()
        progress = Progress(["silent"], stream=out)
        progress._last_plain["silent"] = float("-inf")
        events: list[dict[str, Any]] = []

        def on_event(event: dict[str, Any]) -> None:
            events.append(event)
            progress._last_plain["silent"] = float("-inf")  # every event printed
            progress.on_crawl_event("silent")(event)

        with pytest.raises(CrawlError, match="timeout"):
            crawl_step(
                source,
                sources_path=path,
                database_url=db,
                run_id=new_run_id(),
                on_progress=on_event,
            )
    assert any(e.get("retried", 0) > 0 and e["errors"] == 0 for e in events), events
    assert ", retried " in out.getvalue()
