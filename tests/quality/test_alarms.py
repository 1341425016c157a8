"""The checks on gold articles (crawler.quality.alarms): right articles trip no check; a leak
pattern on most of them is an alarm, and each suspect is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from crawler.quality.alarms import GoldArticle, check_gold
from crawler.quality.evaluate import run_eval
from tests.quality.test_evaluate import ARTICLE_HTML

PARAGRAPH = "The council approved the budget after a long debate about transport and housing. " * 2
LIST = "\n".join(f"Headline number {i} of the list, on another story" for i in range(8))


def _gold(n: int, body: str) -> GoldArticle:
    return GoldArticle(
        url=f"https://example.org/{n}",
        title=f"Title {n}",
        body=f"{n} {body}",
        language="en",
        published=datetime(2025, 5, 1, tzinfo=UTC),
        fetched=datetime(2025, 5, 2, tzinfo=UTC),
    )


def test_right_articles_trip_no_check(pg_server_url: str) -> None:
    alarms = check_gold(pg_server_url, [_gold(n, f"{PARAGRAPH}\n{PARAGRAPH}") for n in range(12)])
    assert alarms.false_alarms == (), [r.describe() for r in alarms.false_alarms]
    assert alarms.leak_suspects == ()
    assert len(alarms.results) >= 6


def test_a_leak_on_most_articles_is_an_alarm_and_suspects_are_named(pg_server_url: str) -> None:
    gold = [_gold(n, f"{PARAGRAPH}\n{LIST}" if n < 3 else PARAGRAPH) for n in range(6)]
    alarms = check_gold(pg_server_url, gold)
    assert [r.name for r in alarms.false_alarms] == ["articles_boilerplate_leak"]
    assert [url for url, _ in alarms.leak_suspects] == [
        f"https://example.org/{n}" for n in range(3)
    ]


def test_eval_reports_the_checks_on_the_gold(pg_server_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "en"
    folder.mkdir()
    (folder / "a.html").write_text(ARTICLE_HTML, encoding="utf-8")
    gold = {"url": "https://x.example/a", "language": "en", "title": "Bridge reopens",
            "body": PARAGRAPH, "authors": [], "published": "2025-05-01T08:00:00+00:00",
            "crawl_date": "2025-05-01 09:00:00"}  # fmt: skip
    (folder / "a.json").write_text(json.dumps(gold), encoding="utf-8")
    _, notes = run_eval(tmp_path, ["newsflow"], checks_server=pg_server_url)
    assert "checks on 1 gold articles (one source's run): 0 false alarm(s)" in notes, notes
