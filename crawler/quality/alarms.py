"""The data-quality checks (sql/checks/) run on articles known to be right: every failing check is
a false alarm. ``newsflow eval --checks`` loads a corpus's gold articles as one source's run into
a throwaway database on the configured server and runs every check on it, as the pipeline does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from psycopg2.extras import Json, execute_values

from crawler.db import query, transaction
from crawler.db.migrate import migrate
from crawler.db.scratch import scratch_database
from crawler.quality.check import CheckResult, run_checks

LOGGER = logging.getLogger(__name__)

SOURCE = "eval-gold"
RUN_ID = "eval__gold"


@dataclass(frozen=True, slots=True)
class GoldArticle:
    """An article as it should be stored."""

    url: str
    title: str
    body: str
    language: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alarms:
    """What the checks said about the gold: every check's result, and the articles that one
    article's rule of the leak check marks (the check itself judges the rate)."""

    results: tuple[CheckResult, ...]
    leak_suspects: tuple[tuple[str, str], ...]

    @property
    def false_alarms(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r.passed)


def check_gold(server_url: str, articles: Sequence[GoldArticle]) -> Alarms:
    """Run every check on ``articles`` stored as one run of one source, in a scratch database."""
    now = datetime.now(UTC)
    rows: list[tuple[object, ...]] = []
    seen: set[str] = set()
    for n, a in enumerate(articles):
        url = a.url or f"eval:{n}"
        if url in seen:  # corpora may hold one page twice (two fixtures): the key is unique
            url = f"{url}#eval{n}"
        seen.add(url)
        rows.append(
            (url, SOURCE, a.title, a.body, [], a.published, None, a.language, None, [], None,
             None, None, f"eval:{n}", url, a.fetched or now, RUN_ID)
        )  # fmt: skip
    with scratch_database(server_url, "newsflow_eval") as database:
        migrate(database)
        with transaction(database) as conn, conn.cursor() as cur:
            cur.execute(
                query("upsert_source"),
                {"name": SOURCE, "language": "en", "allowed_domains": [], "config": Json({})},
            )
            cur.execute(
                query("start_crawl_run"),
                {
                    "source": SOURCE,
                    "run_id": RUN_ID,
                    "started_at": now,
                    "dag_id": None,
                    "map_index": None,
                },
            )
            execute_values(
                cur,
                query("put_articles"),
                rows,
                template="(%s,%s,%s,%s,%s::text[],%s::timestamptz,%s::timestamptz,%s,%s,"
                "%s::text[],%s,%s,%s,%s,%s,%s::timestamptz,%s)",
            )
            cur.execute(query("leak_suspects"), {"source": SOURCE, "run_id": RUN_ID})
            suspects = tuple((str(u), str(r)) for u, r in cur.fetchall())
        results = run_checks(database, SOURCE, RUN_ID)
    return Alarms(tuple(results), suspects)
