"""PNGs of Airflow's UI: ``python -m tools.ui_screenshot [--out FILE] [--sources-out FILE]``.

Starts its own Airflow (``tools.airflow_local``: AIRFLOW_HOME ``$NEWSFLOW_HOME/airflow-screenshot``,
port 8081, metadata and news databases ``airflow_screenshot`` and ``newsflow_screenshot`` in the
embedded PostgreSQL), so it never touches the instance of ``make airflow`` or its data. It serves
the bundled demo site, unpauses ``news_ingest``, waits for the scheduler's run to end, opens the
run's grid view in headless Chromium and saves the PNG (``--out``); then the *Sources* page
(the newsflow plugin, inside the UI) as a second PNG (``--sources-out``). So that its charts and
alarms show something, the news database also gets 45 days of generated history for five sample
sources (``sample-0001``…, ``tools.synthetic.load_health_history``) beside the demo source's real
run. Then it stops everything it started.

Login is disabled for this instance only (``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True``,
bound to 127.0.0.1). Chromium is Debian's ``chromium`` package (``apt-get install -y chromium``);
``make ui-screenshot`` installs it when missing. :func:`dump_dom` renders a page the same way and
returns its DOM (the live Airflow test reads the run page's task table with it).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from crawler.config import load_config
from tools import airflow_local
from tools.synthetic import load_health_history

LOGGER = logging.getLogger(__name__)

# Headless, and nothing that would reach the network beyond 127.0.0.1 or touch a real profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The Chromium binary on PATH (Debian names it ``chromium``), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run_chromium(
    url: str, action: str, *, size: tuple[int, int], wait_ms: int
) -> subprocess.CompletedProcess[str]:
    """Load ``url`` headless with a new empty profile, then do ``action`` (a Chromium flag).

    ``--virtual-time-budget`` lets the page's scripts and API calls settle before the action.
    """
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("chromium not found: install it with `apt-get install -y chromium`")
    with tempfile.TemporaryDirectory(prefix="newsflow-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            f"--virtual-time-budget={wait_ms}",
            action,
            url,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def screenshot(
    url: str, out: Path, *, size: tuple[int, int] = (1600, 1000), wait_ms: int = 15000
) -> None:
    """Load ``url`` in headless Chromium with a new empty profile and save a PNG to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    result = _run_chromium(url, f"--screenshot={out}", size=size, wait_ms=wait_ms)
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot ({result.returncode}): {result.stderr}")


def dump_dom(url: str, *, size: tuple[int, int] = (1600, 1000), wait_ms: int = 15000) -> str:
    """The DOM of ``url`` as headless Chromium renders it (new empty profile), serialized as HTML.

    A single-page app such as Airflow's UI is serialized with the data its scripts fetched within
    ``wait_ms`` of virtual time, not as its empty shell.
    """
    result = _run_chromium(url, "--dump-dom", size=size, wait_ms=wait_ms)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"chromium dumped no DOM ({result.returncode}): {result.stderr}")
    return result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ui_screenshot", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="PNG path (default: under home)")
    parser.add_argument(
        "--sources-out", type=Path, default=None, help="Sources page PNG (default: under home)"
    )
    parser.add_argument("--port", type=int, default=8081, help="API/UI port (default 8081)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if find_chromium() is None:
        LOGGER.error("chromium not found: install it with `apt-get install -y chromium`")
        return 2

    from crawler.db.embedded import embedded_database_url
    from crawler.demo.server import DemoSite, site_dir
    from crawler.demo.sources import write_demo_sources

    base = load_config()
    files = airflow_local.Layout(base.home / "airflow-screenshot")
    out = args.out or files.home / "news_ingest_grid.png"
    sources_out = args.sources_out or files.home / "sources_health.png"
    news_url = embedded_database_url(base.pgdata, "newsflow_screenshot")
    config = dataclasses.replace(base, database_url=news_url)
    with DemoSite(site_dir()) as site:
        sources = write_demo_sources(site.base_url, files.home / "sources.yaml")
        extra = {
            "AIRFLOW_VAR_NEWSFLOW_SOURCES": str(sources),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # no login: local only
            "NEWSFLOW_EXTRACT_WORKERS": "1",
        }
        try:
            airflow_local.start(
                config,
                port=args.port,
                files=files,
                metadata_url=embedded_database_url(base.pgdata, "airflow_screenshot"),
                extra_env=extra,
            )
            token = airflow_local.api_token(files, args.port)
            airflow_local.unpause(args.port, token)
            run_id = airflow_local.first_dag_run(args.port, token)
            state = airflow_local.wait_dag_run(args.port, token, run_id)
            LOGGER.info("news_ingest run %s: %s", run_id, state)
            url = f"http://127.0.0.1:{args.port}/dags/{airflow_local.DAG_ID}/runs/{run_id}"
            screenshot(url, out)
            load_health_history(news_url, 5, 45, datetime.now(UTC), prefix="sample-")
            screenshot(f"http://127.0.0.1:{args.port}/plugin/sources", sources_out)
        except (RuntimeError, TimeoutError) as exc:
            LOGGER.error("%s", exc)
            return 1
        finally:
            airflow_local.stop(config, files=files)
    LOGGER.info("saved %s and %s", out, sources_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
