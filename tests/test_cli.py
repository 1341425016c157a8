"""The ``newsflow`` console script, run as a child process the way users run it."""

from __future__ import annotations

import ast
import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg2
import pytest

from crawler.demo.server import site_dir
from tests.helpers import free_port, local_sources_file, query_rows
from tools.generated_site import GeneratedSite

NEWSFLOW = shutil.which("newsflow") or str(Path(__file__).parents[1] / ".venv" / "bin" / "newsflow")
SEED_LIKE = site_dir() / "news/2026/11/20/us-china-trade-talks-stall.html"
SHIFT_JIS = site_dir() / "news/2026/11/20/tokyo-record-rainfall.html"
DAY_ARCHIVE = site_dir() / "news/2026/11/19/index.html"


def _newsflow(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [NEWSFLOW, *args],
        input=stdin.decode("latin-1") if stdin is not None else None,
        capture_output=True,
        text=True,
        encoding="utf-8" if stdin is None else "latin-1",
        env=full_env,
        timeout=timeout,
        check=False,
    )


def test_extract_prints_one_json_object_per_file_in_order() -> None:
    proc = _newsflow(
        "extract",
        str(SEED_LIKE),
        str(DAY_ARCHIVE),
        str(SHIFT_JIS),
        "--url",
        "https://demo.example/news/2026/11/20/x.html",
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(SEED_LIKE), str(DAY_ARCHIVE), str(SHIFT_JIS)]
    seed, archive, sjis = lines
    assert seed["title"].startswith("「秘密外交」破綻の米中貿易交渉")
    assert seed["language"] == "ja" and seed["authors"] == ["佐藤健一"]
    assert seed["published_at"].startswith("2026-11-20T09:30:00+09:00") or seed[
        "published_at"
    ].startswith("2026-11-20T00:30:00")
    assert "最新ニュース" not in seed["body"] and "目次" not in seed["body"]
    assert archive["rejected"] == "listing_page"
    assert "東京" in sjis["title"] and "\ufffd" not in sjis["body"]


def test_extract_reads_stdin() -> None:
    proc = subprocess.run(
        [NEWSFLOW, "extract", "-"],
        input=SHIFT_JIS.read_bytes(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (record,) = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert record["file"] == "-" and "東京" in record["title"]
    for key in ("title", "body", "authors", "published_at", "language"):
        assert key in record


def test_db_url_and_status_with_database_url(pg_url: str) -> None:
    proc = _newsflow("db", "url", env={"DATABASE_URL": pg_url})
    assert proc.returncode == 0 and proc.stdout.strip() == pg_url
    status = _newsflow("db", "status", env={"DATABASE_URL": pg_url})
    assert status.returncode == 0
    assert [line.split()[0] for line in status.stdout.splitlines()] == ["applied"] * len(
        status.stdout.splitlines()
    )


def test_embedded_database_is_started_kept_and_reused(tmp_path: Path) -> None:
    # XDG_RUNTIME_DIR unset, as outside `make`: pgserver's import must not warn of it
    env = {"NEWSFLOW_HOME": str(tmp_path / "home"), "DATABASE_URL": "", "XDG_RUNTIME_DIR": ""}
    try:
        first = _newsflow("db", "url", env=env)
        assert first.returncode == 0, first.stderr
        assert first.stderr == ""
        url = first.stdout.strip()
        # the server outlives the command, so psql "$(newsflow db url)" works
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version_num")
            assert int(cur.fetchone()[0]) >= 180000
            cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
            assert cur.fetchone() == (1,)
        migrated = _newsflow("db", "migrate", env=env)
        assert migrated.returncode == 0 and "0001_initial.sql" in migrated.stdout
        assert _newsflow("db", "url", env=env).stdout.strip() == url
        stopped = _newsflow("db", "stop", env=env)
        assert (stopped.returncode, stopped.stderr) == (0, "stopped\n")
    finally:
        _newsflow("db", "stop", env=env)


def _manifest_count(outcome: str) -> int:
    manifest = json.loads((site_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
    return sum(1 for c in manifest["candidates"] if c["outcome"] == outcome)


def test_demo_twice_second_run_adds_nothing(db: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path)}
    port = str(free_port())
    first = _newsflow("demo", "--port", port, env=env)
    assert first.returncode == 0, first.stderr
    header, row = first.stdout.splitlines()[:2]
    assert header.split()[:7] == [
        "source",
        "fetched",
        "new",
        "updated",
        "unchanged",
        "rejected",
        "errors",
    ]
    stored, rejected, missing = (_manifest_count(o) for o in ("stored", "rejected", "not_found"))
    fetched = stored + rejected
    assert row.split()[:7] == ["demo-daily", *map(str, (fetched, stored, 0, 0, rejected, missing))]
    (labels,) = [
        ast.literal_eval(line.split(" page labels ", 1)[1])
        for line in first.stdout.splitlines()
        if line.startswith("  demo-daily: page labels ")
    ]
    # every fetched page once: the articles, the rejected pages by reason, the 404 answer
    assert labels == {"article": stored, "listing": 1, "not_html": 1, "error_page": missing}
    assert "[demo-daily] done" in first.stderr  # plain progress lines when not on a terminal
    second = _newsflow("demo", "--port", port, env=env)
    assert second.returncode == 0, second.stderr
    # known pages are not fetched again; feeds and sitemaps answer 304, so only the stored pages
    # the listing pages name count as unchanged, and the 404 (listed in the feeds) is not retried
    name, *cells = second.stdout.splitlines()[1].split()[:7]
    fetched2, new2, updated2, unchanged2, rejected2, missing2 = map(int, cells)
    assert (name, fetched2, new2, updated2, rejected2) == ("demo-daily", 0, 0, 0, 0)
    assert missing2 <= missing
    assert 0 < unchanged2 <= stored  # known rejected pages are not unchanged articles
    assert "  demo-daily: nothing new to fetch (stored pages are not fetched again)" in (
        second.stdout.splitlines()
    )
    with psycopg2.connect(db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT url) FROM articles")
        assert cur.fetchone() == (stored, stored)


def test_run_reports_a_bad_sources_file_clearly(tmp_path: Path, pg_url: str) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "sources:\n  - name: x\n    language: en\n    allowed_domains: [x.org]\n    feeds: [https://x.org/rss]\n    colour: red\n",
        encoding="utf-8",
    )
    proc = _newsflow("run", "--sources", str(bad), env={"DATABASE_URL": pg_url})
    assert proc.returncode == 2
    assert "source 'x': unknown key 'colour'" in proc.stderr


def test_a_run_of_no_enabled_source_is_an_error_not_a_success(tmp_path: Path, pg_url: str) -> None:
    paused = local_sources_file(
        tmp_path / "s.yaml",
        {"name": "paused", "sitemaps": ["http://127.0.0.1:9/sitemap.xml"], "enabled": False},
    )
    for command in ("run", "reextract"):
        proc = _newsflow(command, "--sources", str(paused), env={"DATABASE_URL": pg_url})
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            f"newsflow: error: {paused}: every source has enabled: false; --source NAME runs one"
            " all the same"
        )


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["db", "--help"], ["extract", "--help"]]
)
def test_help(args: list[str]) -> None:
    assert _newsflow(*args).returncode == 0


def test_database_out_of_reach_is_a_one_line_error_that_says_what_to_do(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/news"  # nothing listens there
    sources = local_sources_file(
        tmp_path / "s.yaml", {"name": "local", "sitemaps": ["http://127.0.0.1:9/sitemap.xml"]}
    )
    env = {"DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp_path)}
    for args in (["run", "--sources", str(sources)], ["db", "migrate"], ["db", "status"]):
        proc = _newsflow(*args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        *before, line = proc.stderr.splitlines()
        assert all(b.startswith("run manual__") for b in before)  # `run` names its logs first
        assert line.startswith("newsflow: error: cannot connect to the database: ")
        assert "Connection refused" in line and "DATABASE_URL" in line
    # `db url` still says which server it means
    assert _newsflow("db", "url", env=env).stdout.strip() == url
    proc = _newsflow("db", "status", env={**env, "DATABASE_URL": "not a url"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_unusable_settings_files_and_ports_are_one_line_errors(tmp_path: Path) -> None:
    proc = _newsflow("db", "url", env={"NEWSFLOW_EXTRACT_WORKERS": "four"})
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "newsflow: error: NEWSFLOW_EXTRACT_WORKERS='four': expected a whole number, e.g. "
        f"{os.cpu_count()}"
    )
    (tmp_path / "page.html").write_text("<p>unlabelled</p>", encoding="utf-8")
    for corpus in (tmp_path, tmp_path / "missing"):
        proc = _newsflow("eval", str(corpus))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(f"newsflow: error: {corpus}: ")
    proc = _newsflow("extract", str(tmp_path / "missing.html"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("newsflow: error: [Errno 2] No such file or directory")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = _newsflow("demo", "--port", str(port), env={"NEWSFLOW_HOME": str(tmp_path)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"cannot serve the demo site on 127.0.0.1:{port}: Address already in use" in proc.stderr
    assert "--port N" in proc.stderr


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_run_cleanly_and_the_next_run_finishes_it(
    how: str, db: str, tmp_path: Path
) -> None:
    articles = 120
    env = {"DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path), "NEWSFLOW_EXTRACT_WORKERS": "2"}
    with GeneratedSite(articles, delay=0.1) as site:
        sources = local_sources_file(
            tmp_path / "s.yaml",
            {"name": "gazette", "sitemaps": [f"{site.base_url}/sitemap.xml"], "concurrency": 1},
        )
        # Its own process group, which the test signals as a terminal's Ctrl-C does (the CLI and
        # its extraction workers get SIGINT), or the CLI alone gets SIGTERM (`kill`, `timeout`).
        run = subprocess.Popen(
            [NEWSFLOW, "run", "--sources", str(sources)],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while query_rows(db, "SELECT count(*) FROM articles") < [(5,)]:
                assert run.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            if how == "ctrl-c":
                os.killpg(run.pid, signal.SIGINT)
            else:
                os.kill(run.pid, signal.SIGTERM)
            out, err = run.communicate(timeout=120)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
        assert run.returncode == 130, err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
        assert "newsflow: interrupted" in err
        row = out.splitlines()[1].split()
        assert row[0] == "gazette" and row[-1] == "interrupted"
        assert 0 < int(row[1]) < articles  # fetched: some, not all
        # the run is finished in crawl_runs, nothing it fetched is left pending, no check ran
        ((status, message),) = query_rows(db, "SELECT status, message FROM crawl_runs")
        assert status == "succeeded" and "cut short (shutdown)" in message
        assert query_rows(db, "SELECT count(*) FROM raw_pages WHERE state = 'pending'") == [(0,)]
        assert query_rows(db, "SELECT count(*) FROM check_runs") == [(0,)]
        assert not _processes_naming(str(sources)), "a crawl child outlived its run"
        second = _newsflow("run", "--sources", str(sources), env=env)
    assert second.returncode == 0, second.stderr
    assert query_rows(db, "SELECT count(*) FROM articles") == [(articles,)]


def test_the_run_line_stays_above_the_live_lines_on_a_terminal(db: str, tmp_path: Path) -> None:
    sources = local_sources_file(
        tmp_path / "s.yaml", {"name": "nowhere", "sitemaps": [f"http://127.0.0.1:{free_port()}/"]}
    )
    main, terminal = pty.openpty()
    proc = subprocess.Popen(
        [NEWSFLOW, "run", "--sources", str(sources)],
        env={**os.environ, "DATABASE_URL": db, "NEWSFLOW_HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    try:
        while chunk := _read(main):
            shown += chunk
    finally:
        os.close(main)
    assert proc.wait(timeout=120) == 1
    text = shown.decode()
    # printed before the first drawing of the sources' lines, which redraws move back over
    assert text.index("run manual__") < text.index("\x1b[2K")
    assert "logs in " in text.split("\x1b[2K", 1)[0]


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: every process holding the terminal has exited
        return b""


def test_db_psql_works_where_no_psql_is_installed(pg_url: str, tmp_path: Path) -> None:
    # a PATH without psql, as on a machine with only Python and make: pgserver's own is used
    env = {"DATABASE_URL": pg_url, "PATH": str(tmp_path)}
    proc = _newsflow("db", "psql", "-At", "-c", "SELECT count(*) >= 0 FROM news.articles", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "t"
    wrong = _newsflow("db", "status", "-c", "SELECT 1", env=env)
    assert wrong.returncode == 2 and "unrecognized arguments: -c SELECT 1" in wrong.stderr


def test_eval_prints_the_table_and_no_library_warnings() -> None:
    proc = _newsflow("eval", str(Path(__file__).parent / "corpus"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "extractor"
    # trafilatura's "discarding data: URL" is a page without an article, reported as such
    assert proc.stderr == ""


def _processes_naming(text: str) -> list[int]:
    """The pids of the processes whose command line holds ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if proc.name.isdigit() and text in cmdline:
            found.append(int(proc.name))
    return found
