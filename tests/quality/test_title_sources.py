"""tools/title_sources.py on a small corpus whose answers are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.title_sources import main

PAGE = """<html><head><title>{ld} | Example News</title>
<meta property="og:title" content="{og}">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{ld}"}}</script>
</head><body><h1>{ld}</h1><p>{body}</p></body></html>"""


def _page(root: Path, name: str, *, ld: str, og: str, gold: str) -> None:
    body = "Text of the article. " * 30
    (root / f"{name}.html").write_text(PAGE.format(ld=ld, og=og, body=body), encoding="utf-8")
    gold_json = {"url": f"https://news.example/{name}", "title": gold, "body": body}
    (root / f"{name}.json").write_text(json.dumps(gold_json), encoding="utf-8")


def test_counts_what_the_gold_takes_and_what_a_pattern_rule_reaches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three pages of one agreement pattern (h1 and <title> agree with JSON-LD, og:title differs):
    # the gold takes og:title on two, JSON-LD on one. The extractor takes JSON-LD's (1 of 3); a
    # rule fitted to the pattern takes og:title (2 of 3). Unseen, it gets none: an og page is
    # decided by one og and one JSON-LD vote, a tie the extractor's pick keeps, and the JSON-LD
    # page by two og votes.
    _page(tmp_path, "a", ld="Headline A", og="Social A", gold="Social A")
    _page(tmp_path, "b", ld="Headline B", og="Social B", gold="Social B")
    _page(tmp_path, "c", ld="Headline C", og="Social C", gold="Headline C")
    # The gold in no declaration at all.
    _page(tmp_path, "d", ld="Headline D", og="Headline D", gold="Something else")

    main([str(tmp_path)])

    out = capsys.readouterr().out
    assert "pages with a gold title: 4" in out
    assert "extractor's title right: 1 (0.250)" in out
    assert "gold is one of the page's declared headlines: 3 (0.750)" in out
    assert "differ on 3 pages; the gold takes: og_title 2, ld_headline 1" in out
    assert "agreement patterns: 2" in out
    assert "fitted to these pages (memorises): 2 (0.500)" in out
    assert "(leave-one-out): 0 (0.000)" in out
