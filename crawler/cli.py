"""The ``newsflow`` command: argparse in, calls into the pipeline out (no logic here)."""

from __future__ import annotations

import argparse
import json
import logging
import queue
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.config import Config, load_config
from crawler.errors import NewsflowError

if TYPE_CHECKING:
    from crawler.progress import Progress
    from crawler.sources import Source

LOGGER = logging.getLogger("crawler.cli")


def _setup_logging(
    level: int = logging.INFO,
    log_file: Path | None = None,
    stderr: logging.Handler | None = None,
) -> None:
    """Log to stderr (or to the ``stderr`` handler given); with ``log_file``, the full log goes
    there and stderr shows warnings only."""
    stderr = stderr or logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [stderr]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        stderr.setLevel(logging.WARNING)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    for noisy in ("pgserver", "trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Its warning "discarding data: URL" is a page without an article, an outcome newsflow
    # reports itself (a rejection, a label), not a problem to show on the terminal.
    logging.getLogger("trafilatura.core").setLevel(logging.ERROR)


def _database_url(config: Config) -> str:
    from crawler.db.migrate import migrate

    url = _reachable_database_url(config)
    migrate(url)
    return url


def _reachable_database_url(config: Config) -> str:
    """The database's URL, once a session opens on it; else an error that says what to do."""
    from crawler.db import check_reachable
    from crawler.db.embedded import database_url
    from crawler.errors import DatabaseUnreachable

    url = database_url(config)
    try:
        check_reachable(url)
    except DatabaseUnreachable as exc:
        if not config.database_url:
            raise
        raise DatabaseUnreachable(
            f"{exc} (DATABASE_URL: start that server or correct the URL; unset, newsflow runs"
            " its own embedded PostgreSQL)"
        ) from None
    return url


def _selected_sources(path: Path, names: list[str] | None) -> list[Source]:
    """The named sources of the file, else its enabled ones; none at all is an error (a run
    that did nothing would otherwise end as a success)."""
    from crawler.errors import SourceConfigError
    from crawler.sources import load_sources, select_sources

    sources = select_sources(load_sources(path), names)
    if not sources:
        raise SourceConfigError(
            f"{path}: every source has enabled: false; --source NAME runs one all the same"
        )
    return sources


# run -------------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from crawler.load.pool import start_fork_server

    # First: it imports the extractor on another core while this process starts up, rather
    # than beside the crawl child, whose start-up delays the first page.
    start_fork_server()
    from crawler.pipeline import check_step, crawl_and_load_step, get_run_counts, new_run_id
    from crawler.progress import Progress

    sources_path: Path = args.sources or config.sources_path
    sources = _selected_sources(sources_path, args.source)
    run_id = new_run_id()
    log_dir = config.home / "logs" / run_id
    # Before the live lines start: those redraw over whatever is printed below them.
    print(
        f"run {run_id}: {len(sources)} source(s) from {sources_path}; logs in {log_dir}",
        file=sys.stderr,
    )
    progress = Progress([s.name for s in sources])
    _setup_logging(
        logging.getLogger().level, log_file=log_dir / "newsflow.log", stderr=progress.log_handler()
    )
    url = _database_url(config)
    cpu_lock = threading.Lock()  # extraction uses every core: one source's load at a time
    stopping = threading.Event()  # Ctrl-C: no source starts, no check judges a crawl cut short

    def one(source_name: str) -> tuple[str, object]:
        source = next(s for s in sources if s.name == source_name)
        if stopping.is_set():
            progress.update(source.name, f"{INTERRUPTED}: not started")
            return f"{INTERRUPTED}: not started", None
        try:
            progress.update(source.name, "crawling (extraction follows)")
            counts = crawl_and_load_step(
                source,
                sources_path=sources_path,
                database_url=url,
                run_id=run_id,
                workers=config.extract_workers,
                log_file=log_dir / f"{source.name}.crawl.log",
                on_progress=progress.on_crawl_event(source.name),
                since=getattr(args, "since", None),
                until=getattr(args, "until", None),
                cpu_lock=cpu_lock,
                on_wait=lambda message: progress.update(source.name, message),
                stop=stopping,
            )
            if stopping.is_set():
                status = f"{INTERRUPTED}: what was fetched is stored, checks not run"
            else:
                failed = check_step(source, database_url=url, run_id=run_id)
                status = (
                    "ok" if not failed else "checks failed: " + ", ".join(f.name for f in failed)
                )
            progress.update(
                source.name,
                f"done: fetched {counts.pages_fetched}, new {counts.articles_new}, "
                f"updated {counts.articles_updated}, unchanged {counts.articles_unchanged}, "
                f"rejected {counts.rejected}, errors {counts.errors} ({status})",
            )
            return status, counts
        except NewsflowError as exc:
            if stopping.is_set():
                status = f"{INTERRUPTED}: {exc}"
                progress.update(source.name, status)
            else:
                status = f"failed: {exc}"
                progress.update(source.name, f"FAILED: {exc}")
            try:  # what the failed step recorded, if it got as far as crawl_runs
                return status, get_run_counts(url, source.name, run_id)
            except NewsflowError:
                return status, None

    names = [s.name for s in sources]
    results = _run_each(names, one, max(1, args.parallel), stopping, progress)
    if results is None:
        return INTERRUPTED_EXIT
    _print_summary(names, [results[name] for name in names])
    if stopping.is_set():
        return INTERRUPTED_EXIT
    return 0 if all(status == "ok" for status, _ in results.values()) else 1


INTERRUPTED = "interrupted"
INTERRUPTED_EXIT = 130  # 128 + SIGINT, as the shell reports a command stopped by Ctrl-C


def _run_each(
    names: list[str],
    one: Callable[[str], tuple[str, object]],
    parallel: int,
    stopping: threading.Event,
    progress: Progress,
) -> dict[str, tuple[str, object]] | None:
    """``one(name)`` for each name, ``parallel`` at once; their results, or None after a second
    Ctrl-C. A first Ctrl-C or SIGTERM sets ``stopping`` (the steps pass it on: the crawls stop
    gracefully) and waits for the sources running to store what they fetched. Daemon threads: a
    second one leaves without waiting for a step slow to stop. Waits on an event, not
    ``Thread.join``: a join interrupted by Ctrl-C marks a running thread stopped."""
    results: dict[str, tuple[str, object]] = {}
    bugs: list[BaseException] = []  # raised in a thread, re-raised here (not a NewsflowError)
    todo = queue.SimpleQueue[str]()
    for name in names:
        todo.put(name)
    workers = min(parallel, len(names))
    left = [workers]
    left_lock = threading.Lock()
    all_done = threading.Event()
    if not workers:  # every source disabled
        all_done.set()

    def worker() -> None:
        try:
            while not bugs:
                try:
                    name = todo.get_nowait()
                except queue.Empty:
                    return
                results[name] = one(name)
        except Exception as exc:
            bugs.append(exc)
        finally:
            with left_lock:
                left[0] -= 1
                if not left[0]:
                    all_done.set()

    for i in range(workers):
        threading.Thread(target=worker, name=f"source-{i}", daemon=True).start()
    # `kill`, `timeout`, a service manager: stop as on Ctrl-C, not leave a crawl child orphaned
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        all_done.wait()
    except KeyboardInterrupt:
        stopping.set()
        progress.write(
            "newsflow: interrupted: the crawls stop and what they fetched is stored;"
            " Ctrl-C again to quit at once"
        )
        try:
            all_done.wait()
        except KeyboardInterrupt:
            progress.write(
                "newsflow: quit at once: the runs in progress stay 'running' in crawl_runs;"
                " the next run fetches and loads what they left"
            )
            return None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if bugs:
        raise bugs[0]
    return results


def _print_summary(names: list[str], results: list[tuple[str, object]]) -> None:
    header = ("source", "fetched", "new", "updated", "unchanged", "rejected", "errors", "status")
    keys = (
        "pages_fetched",
        "articles_new",
        "articles_updated",
        "articles_unchanged",
        "rejected",
        "errors",
    )
    rows: list[tuple[str, ...]] = [header]
    notes = []
    for name, (status, counts) in zip(names, results, strict=True):
        cells = asdict(counts) if counts is not None else {}  # type: ignore[call-overload]
        rows.append((name, *(str(cells.get(k, "-")) for k in keys), status.split(":", 1)[0]))
        if status != "ok":
            notes.append(f"  {name}: {status}")
        elif cells.get("pages_fetched") == 0:  # a second run the same day, say
            notes.append(f"  {name}: nothing new to fetch (stored pages are not fetched again)")
        if cells.get("rejected_by_reason") or cells.get("errors_by_class"):
            notes.append(
                f"  {name}: rejected {cells['rejected_by_reason']} errors {cells['errors_by_class']}"
            )
        if cells.get("labels"):
            notes.append(f"  {name}: page labels {cells['labels']}")
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, len(widths))]
        print("  ".join(cells) + "  " + r[-1])
    for note in notes:
        print(note)


# demo ------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from crawler.demo.server import DemoSite, site_dir
    from crawler.demo.sources import write_demo_sources

    site = DemoSite(site_dir(), port=args.port)
    try:
        site.start()
    except OSError as exc:
        raise NewsflowError(
            f"cannot serve the demo site on 127.0.0.1:{args.port}: {exc.strerror}"
            " (another demo still running? --port N picks another port)"
        ) from None
    try:
        sources_file = write_demo_sources(site.base_url, config.home / "demo_sources.yaml")
        print(f"demo site on {site.base_url}", file=sys.stderr)
        run_args = argparse.Namespace(sources=sources_file, source=None, parallel=1)
        return cmd_run(run_args, config)
    finally:
        site.stop()


# db --------------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, config: Config) -> int:
    from crawler.db.embedded import database_url, psql_program, stop_embedded
    from crawler.db.migrate import migrate, migration_status
    from crawler.db.roles import set_role_passwords

    if args.db_command == "stop":
        if config.database_url:
            print("DATABASE_URL is set: newsflow does not manage that server", file=sys.stderr)
            return 1
        print("stopped" if stop_embedded(config.pgdata) else "not running", file=sys.stderr)
        return 0
    if args.db_command == "url":  # printed even when the server is down: it says which one
        print(database_url(config))
        return 0
    url = _reachable_database_url(config)
    if args.db_command == "psql":
        import subprocess

        return subprocess.run([psql_program(), url, *args.psql_args], check=False).returncode
    if args.db_command == "migrate":
        applied = migrate(url)
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    elif args.db_command == "status":
        for name, state in migration_status(url):
            print(f"{state:8} {name}")
    elif args.db_command == "roles":
        migrate(url)  # the roles are created by a migration
        if args.prompt:
            config = _prompt_passwords(config)
        changed = set_role_passwords(url, config)
        for role, done in changed.items():
            print(f"{role}: {'LOGIN, password set' if done else 'unchanged (no password given)'}")
        if not any(changed.values()):
            print(
                "no password given: use --prompt, or NEWSFLOW_READER_PASSWORD_FILE and/or"
                " NEWSFLOW_WRITER_PASSWORD_FILE",
                file=sys.stderr,
            )
            return 1
    return 0


def _prompt_passwords(config: Config) -> Config:
    """Ask for each role's password on the terminal (empty: leave the role as it is)."""
    import getpass
    from dataclasses import replace

    if not sys.stdin.isatty():
        raise NewsflowError("--prompt needs a terminal; give password files instead")

    def ask(role: str) -> str | None:
        first = getpass.getpass(f"password for {role} (empty: unchanged): ")
        if first and getpass.getpass("again: ") != first:
            raise NewsflowError(f"the two passwords for {role} differ")
        return first or None

    return replace(
        config, reader_password=ask("newsflow_reader"), writer_password=ask("newsflow_writer")
    )


# extract ---------------------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace, config: Config) -> int:
    from crawler.extract import extract
    from crawler.load.templates import learn_site_templates, site_key
    from crawler.models import Rejection

    pages = []
    for name in args.files:
        html = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        url = args.url or (Path(name).resolve().as_uri() if name != "-" else "about:blank")
        pages.append((site_key(url), html, url))
    # Files given together are pages of one site (a local file's URL names none): what they
    # repeat is template, as the load step learns it from a source's pages.
    templates = learn_site_templates(pages)
    for name, (site, html, url) in zip(args.files, pages, strict=True):
        result = extract(html, url, template=templates.get(site, frozenset()))
        if isinstance(result, Rejection):
            record: dict[str, object] = {
                "file": name,
                "rejected": result.reason,
                "detail": result.detail,
            }
        else:
            record = {"file": name, **asdict(result)}
        print(json.dumps(record, ensure_ascii=False, default=_json_default))
    return 0


# eval ------------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from crawler.quality.evaluate import PEERS, format_markdown, format_rows, run_eval

    names = ["newsflow", *PEERS] if args.compare else ["newsflow"]
    server = _database_url(config) if args.checks else None
    rows, notes = run_eval(args.corpus, names, worst=args.worst, checks_server=server)
    print((format_markdown if args.markdown else format_rows)(rows))
    for note in notes:
        print(note)
    return 0


def _json_default(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# reextract -------------------------------------------------------------------------------------


def cmd_reextract(args: argparse.Namespace, config: Config) -> int:
    from crawler.reextract import reextract

    sources = _selected_sources(args.sources or config.sources_path, args.source)
    results = reextract(
        _database_url(config), sources, since=args.since, workers=config.extract_workers
    )
    for result in results:
        counts = result.counts
        print(
            f"{counts.source}: new {counts.articles_new}, updated {counts.articles_updated}, "
            f"unchanged {counts.articles_unchanged}, rejected {counts.rejected}, "
            f"skipped {result.skipped_pruned} (stored HTML pruned)"
        )
        for run_id, still in result.rechecked.items():
            outcome = "still failing: " + ", ".join(still) if still else "checks pass"
            print(f"{counts.source}: run {run_id} checked again, {outcome}")
    return 0


def _aware_date(text: str) -> datetime:
    """``YYYY-MM-DD`` or an ISO time; UTC when it names no zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or ISO time: {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# parser ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``newsflow``."""
    parser = argparse.ArgumentParser(
        prog="newsflow", description="Scheduled news ingestion into PostgreSQL."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="crawl, extract and load every (or the named) source once")
    run.add_argument(
        "--sources",
        type=Path,
        help="sources YAML (default: $NEWSFLOW_SOURCES or the packaged file)",
    )
    run.add_argument(
        "--source", action="append", metavar="NAME", help="only this source (repeatable)"
    )
    run.add_argument("--parallel", type=int, default=4, help="sources crawled at once (default 4)")
    run.add_argument(
        "--since",
        type=_aware_date,
        help="backfill: only candidates dated on/after (YYYY-MM-DD or ISO, UTC if no zone)",
    )
    run.add_argument(
        "--until", type=_aware_date, help="backfill: only candidates dated before this"
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="run against the bundled demo news site on 127.0.0.1")
    demo.add_argument("--port", type=int, default=8765, help="port of the demo site (default 8765)")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser(
        "db",
        help="database: migrate, url, status, stop, roles (LOGIN + passwords from the environment),"
        " psql (a psql session on it)",
    )
    db.add_argument(
        "db_command",
        choices=("migrate", "url", "status", "stop", "roles", "psql"),
        help="psql takes psql's own arguments after it, e.g. -c 'SELECT 1'",
    )
    db.add_argument(
        "--prompt",
        action="store_true",
        help="roles: ask for the passwords on the terminal (never on the command line)",
    )
    db.set_defaults(func=cmd_db)

    rx = sub.add_parser(
        "reextract", help="re-run extraction on stored raw HTML (no network); revisions kept"
    )
    rx.add_argument("--sources", type=Path, help="sources YAML (default as for run)")
    rx.add_argument("--source", action="append", metavar="NAME", help="only this source")
    rx.add_argument("--since", type=_aware_date, help="only pages fetched on/after this")
    rx.set_defaults(func=cmd_reextract)

    ex = sub.add_parser(
        "extract",
        help="extract articles from HTML files; one JSON object per line (what the pages of "
        "one site repeat is left out as template, as when they are loaded)",
    )
    ex.add_argument("files", nargs="+", metavar="FILE", help="HTML file, or - for stdin")
    ex.add_argument("--url", help="the page's URL (for canonical URL and relative links)")
    ex.set_defaults(func=cmd_extract)

    ev = sub.add_parser("eval", help="score the extractor on a labelled corpus (HTML + JSON)")
    ev.add_argument("corpus", type=Path, metavar="DIR", help="e.g. tests/corpus")
    ev.add_argument(
        "--compare",
        action="store_true",
        help="also run trafilatura, newspaper4k, readability, news-please",
    )
    ev.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages")
    ev.add_argument(
        "--checks",
        action="store_true",
        help="also run the data-quality checks on the gold articles (needs the database)",
    )
    ev.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ev.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    parser = build_parser()
    args, psql_args = parser.parse_known_args(argv)
    if psql_args and getattr(args, "db_command", None) != "psql":
        parser.error(f"unrecognized arguments: {' '.join(psql_args)}")
    args.psql_args = psql_args  # `newsflow db psql -c '…'`: passed on to psql as they are
    _setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        config = load_config()
        return int(args.func(args, config))
    except NewsflowError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file, directory or port given that cannot be used
        if args.verbose:
            raise
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside a run's sources (which handle it): nothing half-done
        print("newsflow: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT


if __name__ == "__main__":
    sys.exit(main())
