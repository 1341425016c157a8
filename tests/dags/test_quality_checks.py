"""The data-quality checks of sql/checks/ on hand-made rows: each passes on clean data and
fails, naming the source, on the defect it looks for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg2
import psycopg2.extensions
import pytest

from crawler.quality.check import CheckResult, run_checks

SOURCE = "quality-src"
RUN = "scheduled__2026-11-20T00:00:00+00:00"
NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)
PARAGRAPH = "The council approved the budget after a long debate about transport and housing. " * 2


@pytest.fixture
def conn(db: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(db)
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sources (name, language, allowed_domains, config)"
            " VALUES (%s, 'en', '{example.org}', '{}')",
            (SOURCE,),
        )
    yield conn
    conn.close()


def _article(conn: psycopg2.extensions.connection, n: int, body: str, **extra: object) -> None:
    url = f"https://example.org/news/{n}"
    values = {"url": url, "body": body, "duplicate_of": None, "run_id": RUN, **extra}
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO articles (url, source, title, body, content_hash, fetched_url, fetched_at,"
            " run_id, duplicate_of) VALUES (%(url)s, %(source)s, 'A title', %(body)s, %(url)s,"
            " %(url)s, %(at)s, %(run_id)s, %(duplicate_of)s)",
            {**values, "source": SOURCE, "at": NOW},
        )


def _run(conn: psycopg2.extensions.connection, run_id: str, new: int, started: datetime) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO crawl_runs (source, run_id, started_at, status, articles_new)"
            " VALUES (%s, %s, %s, 'succeeded', %s)",
            (SOURCE, run_id, started, new),
        )


def _results(db: str) -> dict[str, CheckResult]:
    return {r.name: r for r in run_checks(db, SOURCE, RUN)}


def test_clean_run_passes_every_check(conn: psycopg2.extensions.connection, db: str) -> None:
    for n in range(12):
        _article(conn, n, f"{n} {PARAGRAPH}\nShort subheading\n{PARAGRAPH}")
    _run(conn, RUN, 12, NOW)
    failed = [r.describe() for r in _results(db).values() if not r.passed]
    assert failed == [], f"checks failed on clean data: {failed}"


HEADLINES_EN = "\n".join(f"Headline number {i} of the list, on another story" for i in range(8))
HEADLINES_JA = "\n".join(f"東京で大雨 交通に影響 続報その{i}" for i in range(8))
LEAKS = {
    "heading-ja": f"{PARAGRAPH}\n関連記事\n{HEADLINES_JA}",
    "heading-en": f"{PARAGRAPH}\nRelated stories:\n{HEADLINES_EN}",
    "headlines-en": f"{PARAGRAPH}\n{HEADLINES_EN}",
    "headlines-ja": f"{PARAGRAPH}\n{HEADLINES_JA}",
}


@pytest.mark.parametrize("body", list(LEAKS.values()), ids=list(LEAKS))
def test_boilerplate_leak_on_a_sources_rate_is_caught(
    conn: psycopg2.extensions.connection, db: str, body: str
) -> None:
    # a template that leaks: 3 of the run's 10 articles
    for n in range(10):
        _article(conn, n, body if n < 3 else f"{n} {PARAGRAPH}\n{PARAGRAPH}")
    result = _results(db)["articles_boilerplate_leak"]
    assert result.failing == 1, f"3 of 10 articles with a headline list not flagged: {result}"
    assert f"source {SOURCE}: 3 of 10 articles" in result.describe(), result.describe()
    assert "https://example.org/news/0 (" in result.describe(), result.describe()


@pytest.mark.parametrize("body", list(LEAKS.values()), ids=list(LEAKS))
def test_one_article_with_a_list_is_no_alarm(
    conn: psycopg2.extensions.connection, db: str, body: str
) -> None:
    for n in range(10):
        _article(conn, n, body if n == 0 else f"{n} {PARAGRAPH}\n{PARAGRAPH}")
    result = _results(db)["articles_boilerplate_leak"]
    assert result.passed, f"one suspicious article of 10 flagged: {result}"


@pytest.mark.parametrize(
    "body",
    [
        f"{PARAGRAPH}\nRelated\n{PARAGRAPH}\n{PARAGRAPH}",  # a subheading over paragraphs
        PARAGRAPH + "\n" + "\n".join(f"Step {i}: mix the flour." for i in range(10)),
        PARAGRAPH + "\n" + "\n".join(f"演出:山田{i}" for i in range(12)),  # a cast list
        "\n".join(f"Paragraph {i} ends as sentences do, after a clause." for i in range(10)),
    ],
    ids=["subheading", "steps", "cast-ja", "short-paragraphs"],
)
def test_articles_with_lists_of_their_own_are_not_suspects(
    conn: psycopg2.extensions.connection, db: str, body: str
) -> None:
    for n in range(4):
        _article(conn, n, f"{n} {body}")
    result = _results(db)["articles_boilerplate_leak"]
    assert result.passed, f"lists that are the articles' own flagged: {result}"


def test_a_two_sentence_brief_in_any_script_has_a_body(
    conn: psycopg2.extensions.connection, db: str
) -> None:
    briefs = [
        "気象庁は二十四日、関東地方で木枯らし一号が吹いたと発表した。昨年より六日遅い。",
        "기상청은 24일 서울에서 첫 얼음이 관측됐다고 밝혔다. 평년보다 엿새 늦다.",
        "Полиция закрыла прибрежную дорогу у порта в понедельник после аварии грузовика. "
        "Никто не пострадал.",
        "Police closed the coast road on Monday. No one was hurt in the crash.",
    ]
    for n, body in enumerate(briefs):
        _article(conn, n, body)
    _article(conn, 9, "Too short here.")
    result = _results(db)["articles_without_body"]
    assert [row[0] for row in result.sample] == ["https://example.org/news/9"], result


def test_duplicate_rate_names_the_source(conn: psycopg2.extensions.connection, db: str) -> None:
    for n in range(10):
        _article(conn, n, f"{n} {PARAGRAPH}")
    _article(conn, 10, f"0 {PARAGRAPH}")  # same body as article 0: both count
    _article(conn, 11, f"11 {PARAGRAPH}", duplicate_of="https://example.org/news/1")
    result = _results(db)["articles_duplicate_rate"]
    assert result.passed, f"3 duplicates of 12 (25 percent, limit 30) flagged: {result}"
    _article(conn, 12, f"12 {PARAGRAPH}", duplicate_of="https://example.org/news/2")
    _article(conn, 13, f"13 {PARAGRAPH}", duplicate_of="https://example.org/news/2")
    result = _results(db)["articles_duplicate_rate"]
    assert result.failing == 1, f"5 duplicates of 14 articles (36 percent) not flagged: {result}"
    assert f"source {SOURCE}: 5 of 14 articles" in result.describe(), result.describe()


def test_volume_far_below_the_weekly_median_names_the_source(
    conn: psycopg2.extensions.connection, db: str
) -> None:
    for day, new in enumerate((40, 35, 50, 45), start=1):
        _run(conn, f"scheduled__day{day}", new, NOW - timedelta(days=day))
    _run(conn, "scheduled__too_old", 0, NOW - timedelta(days=9))  # outside the 7 days
    _run(conn, RUN, 5, NOW)
    result = _results(db)["crawl_run_volume"]
    assert result.failing == 1, f"5 new articles against a median of 42.5 not flagged: {result}"
    assert f"source {SOURCE}: 5 new article(s)" in result.describe(), result.describe()
    assert "median of 42.5 (4 runs)" in result.describe(), result.describe()


def test_volume_needs_a_baseline(conn: psycopg2.extensions.connection, db: str) -> None:
    for day, new in enumerate((40, 35), start=1):
        _run(conn, f"scheduled__day{day}", new, NOW - timedelta(days=day))
    _run(conn, RUN, 0, NOW)
    result = _results(db)["crawl_run_volume"]
    assert result.passed, f"flagged with only 2 earlier runs (3 needed): {result}"


def test_checks_run_concurrently_give_the_same_results(
    conn: psycopg2.extensions.connection, db: str
) -> None:
    # checks run on two connections at once by default: same results, same order as one by one
    for n in range(12):
        _article(conn, n, f"{n} {LEAKS['heading-en']}" if n < 3 else f"{n} {PARAGRAPH}")
    _article(conn, 12, "too short")
    _article(conn, 13, f"0 {LEAKS['heading-en']}")
    _run(conn, RUN, 14, NOW)
    sequential = run_checks(db, SOURCE, RUN, connections=1)
    concurrent = run_checks(db, SOURCE, RUN)
    assert concurrent == sequential
    failed = {r.name: r.failing for r in concurrent if not r.passed}
    assert failed == {"articles_boilerplate_leak": 1, "articles_without_body": 1}, failed


def test_a_failure_reads_as_values_not_python_reprs(
    conn: psycopg2.extensions.connection, db: str
) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO raw_pages (url, source, run_id, fetched_at, http_status,"
            " html_compressed, body_sha256, state) VALUES (%s, %s, %s, %s, 200, 'x', 'h',"
            " 'pending')",
            ("https://example.org/news/left", SOURCE, RUN, NOW),
        )
    result = _results(db)["pages_stuck_pending"]
    assert result.describe() == (
        "pages_stuck_pending: 1 failing row(s): https://example.org/news/left,"
        " 2026-11-20T06:00:00+00:00"
    )
