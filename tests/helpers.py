"""Small helpers shared by the tests: the rows of one query, a free TCP port on 127.0.0.1, a
sources file for sites on 127.0.0.1, real write failures of the database, and a bound on
the CPU time of a block."""

from __future__ import annotations

import contextlib
import resource
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from psycopg2 import sql

from crawler.db import transaction
from crawler.load.pool import PageTimeout, cpu_budget
from crawler.sources import Source, load_sources


def query_rows(
    url: str, statement: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Rows of one statement, run in its own transaction on database ``url``."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


# Every table a test writes to (the migration records stay): emptied before each test.
_TABLES = (
    "check_runs",
    "url_discoveries",
    "fetch_errors",
    "article_revisions",
    "articles",
    "raw_pages",
    "crawl_runs",
    "discovery_state",
    "template_lines",
    "template_sources",
    "sources",
)


def empty_database(url: str) -> None:
    """Empty every table of database ``url`` that the pipeline writes to."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, _TABLES))
            )
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A source of a test site on 127.0.0.1: private network allowed, no delay between requests.
_LOCAL_SOURCE = {
    "language": "en",
    "allowed_domains": ["127.0.0.1"],
    "download_delay": 0,
    "allow_private_networks": True,
}


def local_sources_file(path: Path, *entries: Mapping[str, Any]) -> Path:
    """Write a sources file of generated sites on 127.0.0.1 (articles under /news/N.html); each
    entry adds its name and discovery keys."""
    base = {**_LOCAL_SOURCE, "article_url_pattern": r"/news/\d+\.html$"}
    path.write_text(yaml.safe_dump({"sources": [{**base, **e} for e in entries]}), "utf-8")
    return path


def local_source(tmp_path: Path, name: str, **entry: Any) -> tuple[Source, Path]:
    """One source of a test site on 127.0.0.1, written to ``<name>.yaml`` and loaded back."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        yaml.safe_dump({"sources": [{**_LOCAL_SOURCE, "name": name, **entry}]}), "utf-8"
    )
    (source,) = load_sources(path)
    return source, path


@contextmanager
def refused_writes(url: str, url_like: str, *tables: str) -> Iterator[None]:
    """Make database ``url`` refuse every row written to ``tables`` whose ``url`` column is
    ``LIKE url_like``: a real failure of the real database (as a constraint, a full disk or a
    bad value would cause), raised by a trigger for the duration of the block."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "CREATE FUNCTION test_refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN IF NEW.url LIKE {} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$"
            ).format(sql.Literal(url_like))
        )
        for table in tables:
            cur.execute(
                sql.SQL(
                    "CREATE TRIGGER test_refuse_writes BEFORE INSERT OR UPDATE ON {} "
                    "FOR EACH ROW EXECUTE FUNCTION test_refuse_writes()"
                ).format(sql.Identifier(table))
            )
    try:
        yield
    finally:
        with transaction(url) as conn, conn.cursor() as cur:
            cur.execute("DROP FUNCTION test_refuse_writes() CASCADE")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def cpu_bound(seconds: float) -> Iterator[None]:
    """Fail (AssertionError) when the block takes more than ``seconds`` of CPU time: measured
    with getrusage, and cut short at the bound by the extraction workers' own CPU budget, so a
    runaway input fails in seconds instead of hanging. CPU time, not wall-clock time: a busy
    machine does not make it flaky. Use generous bounds (10x what the block needs)."""
    start = _cpu_seconds()
    try:
        with cpu_budget(seconds):
            yield
    except PageTimeout:
        raise AssertionError(f"stopped after {seconds} s of CPU") from None
    used = _cpu_seconds() - start
    assert used <= seconds, f"took {used:.2f} s of CPU, more than {seconds} s"
