"""Progress display: live redraws on a terminal, rate-limited plain lines elsewhere."""

from __future__ import annotations

import io

from crawler.progress import Progress


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
