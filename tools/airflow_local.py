"""Run Airflow locally for newsflow: ``python -m tools.airflow_local [--stop | --status]``.

Starts the Airflow components (api-server, scheduler, dag-processor, triggerer) as background
processes, each with a pid file and a log file, waits until the API reports healthy and the
``news_ingest`` DAG is parsed, prints the UI URL, and returns. ``--stop`` stops them (SIGTERM, then
SIGKILL after a grace period); ``--foreground`` keeps them running until Ctrl-C.

Layout under ``$NEWSFLOW_HOME/airflow`` (``NEWSFLOW_HOME`` defaults to ``./.newsflow``):

- ``airflow.cfg``, ``logs/`` — Airflow's own; ``run/<component>.pid`` and ``run/<component>.log``;
- ``jwt_secret`` and ``fernet_key`` — generated once, shared by all components (mode 0600).

Metadata database: the ``airflow`` database of the embedded PostgreSQL in ``$NEWSFLOW_HOME/pgdata``
(the pipeline's server). The ``news_db`` connection points at ``DATABASE_URL`` if set, else the
embedded ``postgres`` database; it is migrated at start. The embedded server keeps running after
``--stop`` (``newsflow db stop`` stops it).

**Login.** UI and API at http://127.0.0.1:8080 (``--port`` to change). Airflow's
SimpleAuthManager has one user, ``admin``; its generated password is in
``$NEWSFLOW_HOME/airflow/simple_auth_manager_passwords.json.generated`` (JSON
``{"admin": "<password>"}``). An API token: ``POST /auth/token`` with
``{"username": "admin", "password": "<password>"}``.

The DAG is paused at creation (Airflow's default): unpause it in the UI or with
``airflow dags unpause news_ingest`` (with the same environment) to let it run daily.

**Pools.** At start, the ``newsflow_crawl`` pool that the crawl tasks use is created through the
REST API if it is missing (an existing pool, perhaps resized by an operator, is left alone).

**Other instances.** :func:`start` takes another :class:`Layout` (``AIRFLOW_HOME``), port,
metadata database URL and extra environment: the live test (``tests/e2e/test_airflow_live.py``)
and ``python -m tools.ui_screenshot`` run their own instance beside the one of ``make airflow``.
The REST helpers below (:func:`trigger_dag_run`, :func:`wait_dag_run`, …) drive any of them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config import Config, load_config
from crawler.tasks.connections import airflow_conn_uri, sqlalchemy_url
from crawler.tasks.defaults import CRAWL_POOL, CRAWL_POOL_SLOTS

LOGGER = logging.getLogger(__name__)

REPO_DIR = Path(__file__).resolve().parent.parent
DAGS_DIR = REPO_DIR / "dags"
DAG_ID = "news_ingest"
# Started in this order, stopped in reverse: the scheduler stops before the API its tasks use.
COMPONENTS = ("api-server", "dag-processor", "triggerer", "scheduler")
_START_TIMEOUT = 180.0  # seconds until healthy and the DAG parsed (about 30 s on 2 cores)
_STOP_GRACE = 30.0  # seconds between SIGTERM and SIGKILL


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the local Airflow keeps its files."""

    home: Path  # AIRFLOW_HOME

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    def pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

    def log_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.log"

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"


def layout(config: Config) -> Layout:
    """The local Airflow's layout for a newsflow config."""
    return Layout(config.home / "airflow")


# --- environment ------------------------------------------------------------------------------


def airflow_env(
    config: Config,
    *,
    port: int = 8080,
    files: Layout | None = None,
    metadata_url: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every Airflow process: ``os.environ`` plus newsflow's Airflow settings.

    The metadata database is ``metadata_url``, else the ``airflow`` database of the embedded
    PostgreSQL (started and created if needed). newsflow's migrations are applied to the news
    database so that the DAG finds its tables. ``extra`` is added last (it wins).
    """
    from crawler.db.embedded import embedded_database_url
    from crawler.db.migrate import migrate

    files = files or layout(config)
    files.home.mkdir(parents=True, exist_ok=True)
    metadata_url = metadata_url or embedded_database_url(config.pgdata, "airflow")
    news_url = config.database_url or embedded_database_url(config.pgdata)
    migrate(news_url)
    api = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "NEWSFLOW_HOME": str(config.home),  # absolute: tasks resolve the same home
            "AIRFLOW_HOME": str(files.home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(metadata_url),
            "AIRFLOW_CONN_NEWS_DB": airflow_conn_uri(news_url),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",  # default 32; 2-core machines
            "AIRFLOW__API__HOST": "127.0.0.1",  # default 0.0.0.0
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": api,
            # Tasks reach the API here; the default, derived from base_url, may say "localhost".
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": _secret(files.home / "jwt_secret"),
            "AIRFLOW__CORE__FERNET_KEY": _secret(files.home / "fernet_key", fernet=True),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(files.home / "logs"),
        }
    )
    env.update(extra or {})
    return env


def _secret(path: Path, *, fernet: bool = False) -> str:
    """Read a secret kept in ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    if fernet:
        from cryptography.fernet import Fernet

        value = Fernet.generate_key().decode("ascii")
    else:
        value = secrets.token_urlsafe(64)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return value


# --- processes --------------------------------------------------------------------------------


def _airflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def _read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is still an Airflow process, else None."""
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if not cmdline:
            # Empty for a zombie, and also for a moment right after Popen() returns (vfork):
            # a process just started is alive.
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
            return None if state in ("Z", "X") else pid
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"airflow" in cmdline else None  # guards against a reused pid


def running(files: Layout) -> dict[str, int]:
    """Components that are running, with their pids."""
    found = {}
    for component in COMPONENTS:
        pid = _read_pid(files.pid_file(component))
        if pid is not None:
            found[component] = pid
    return found


def migrate_metadata(env: Mapping[str, str], files: Layout) -> None:
    """``airflow db migrate``; its output goes to ``run/db-migrate.log``."""
    log = files.run_dir / "db-migrate.log"
    started = time.monotonic()
    with log.open("wb") as out:
        code = subprocess.call(
            _airflow("db", "migrate"), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_DIR
        )
    if code != 0:
        raise RuntimeError(f"airflow db migrate failed ({code}):\n{_tail(log)}")
    LOGGER.info("metadata database migrated in %.1f s", time.monotonic() - started)


def start(
    config: Config,
    *,
    port: int = 8080,
    files: Layout | None = None,
    metadata_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Layout:
    """Start every component in the background, wait until Airflow is healthy and the DAG parsed,
    and create the crawl pool if missing. On any failure, what was started is stopped."""
    files = files or layout(config)
    already = running(files)
    if already:
        LOGGER.info("already running: %s", ", ".join(f"{c} (pid {p})" for c, p in already.items()))
        if set(already) == set(COMPONENTS):
            return files
        raise RuntimeError("some components are running, some not: run with --stop first")
    started = time.monotonic()
    files.run_dir.mkdir(parents=True, exist_ok=True)
    env = airflow_env(config, port=port, files=files, metadata_url=metadata_url, extra=extra_env)
    migrate_metadata(env, files)
    for component in COMPONENTS:
        with files.log_file(component).open("ab") as out:
            proc = subprocess.Popen(
                _airflow(component),
                env=env,
                cwd=REPO_DIR,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole, no orphans
            )
        files.pid_file(component).write_text(f"{proc.pid}\n", encoding="utf-8")
        LOGGER.info("started %s (pid %d), log %s", component, proc.pid, files.log_file(component))
    try:
        _wait_healthy(files, port)
        _wait_dag_parsed(files, port)
        ensure_pool(port, api_token(files, port), CRAWL_POOL, CRAWL_POOL_SLOTS)
    except BaseException:
        stop(config, files=files)
        raise
    LOGGER.info("Airflow is up in %.0f s", time.monotonic() - started)
    return files


def stop(config: Config, *, files: Layout | None = None) -> list[str]:
    """Stop every running component (SIGTERM, SIGKILL after a grace period); returns their names.

    The scheduler goes first, so that it launches no task while the others stop; the others are
    then stopped together (the triggerer alone takes about 10 s).
    """
    files = files or layout(config)
    found = running(files)
    order = [c for c in reversed(COMPONENTS) if c in found]
    for batch in (order[:1], order[1:]):
        _terminate_groups({c: found[c] for c in batch})
    _terminate_strays(files)
    for component in COMPONENTS:
        files.pid_file(component).unlink(missing_ok=True)
    return order


def instance_processes(files: Layout) -> list[int]:
    """Live processes of this instance: those whose environment holds its ``AIRFLOW_HOME``.

    Catches the children that left the components' process groups (``setsid``), which the
    group signals of :func:`stop` do not reach. Only processes we may read are seen.
    """
    marker = f"AIRFLOW_HOME={files.home}".encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def _terminate_strays(files: Layout) -> None:
    """SIGTERM, then SIGKILL, what :func:`instance_processes` still finds after the groups."""
    strays = instance_processes(files)
    if not strays:
        return
    LOGGER.warning(
        "stopping %d process(es) outside the components' groups: %s", len(strays), strays
    )
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for pid in strays:
                _reap(pid)
            strays = [pid for pid in strays if pid in instance_processes(files)]
            if not strays:
                return
            time.sleep(0.2)


def _terminate_groups(pids: Mapping[str, int]) -> None:
    """SIGTERM each component (it stops its children), then SIGKILL what is left of its group."""
    for component, pid in pids.items():
        LOGGER.info("stopping %s (pid %d)", component, pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE
    alive = dict(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        for pid in alive.values():
            _reap(pid)
        alive = {c: pid for c, pid in alive.items() if _group_alive(pid)}
    for component, pid in alive.items():
        LOGGER.warning(
            "%s (pid %d) alive %.0f s after SIGTERM: SIGKILL", component, pid, _STOP_GRACE
        )
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _reap(pid: int) -> None:
    """Collect the exit status if ``pid`` is our own child (started with ``--foreground``)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


# --- health -----------------------------------------------------------------------------------


def _get_json(url: str, token: str | None = None) -> object:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def _wait_until(files: Layout, what: str, probe: Callable[[], bool]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        for component in COMPONENTS:
            if _read_pid(files.pid_file(component)) is None:
                log = files.log_file(component)
                raise RuntimeError(f"{component} exited while waiting for {what}:\n{_tail(log)}")
        try:
            result = probe()
        except (OSError, ValueError):  # not up yet (URLError is an OSError)
            result = False
        if result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {_START_TIMEOUT:.0f} s; logs in {files.run_dir}")
        time.sleep(1)


def _wait_healthy(files: Layout, port: int) -> None:
    url = f"http://127.0.0.1:{port}/api/v2/monitor/health"

    def healthy() -> bool:
        health = _get_json(url)
        assert isinstance(health, dict)
        return all(
            health.get(k, {}).get("status") == "healthy" for k in ("metadatabase", "scheduler")
        )

    _wait_until(files, "healthy API", healthy)
    LOGGER.info("healthy: %s", url)


def api_token(files: Layout, port: int) -> str:
    """An API token for ``admin``, with the generated password (without one, if the instance
    runs with ``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True``: no password file then)."""
    if not files.password_file.exists():
        all_admins = _get_json(f"http://127.0.0.1:{port}/auth/token")
        assert isinstance(all_admins, dict)
        return str(all_admins["access_token"])
    passwords = json.loads(files.password_file.read_text(encoding="utf-8"))
    body = json.dumps({"username": "admin", "password": passwords["admin"]}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return str(json.load(response)["access_token"])


def _wait_dag_parsed(files: Layout, port: int) -> None:
    api = f"http://127.0.0.1:{port}/api/v2"

    def parsed() -> bool:
        token = api_token(files, port)
        errors = _get_json(f"{api}/importErrors", token)
        assert isinstance(errors, dict)
        if errors.get("import_errors"):
            found = [(e["filename"], e["stack_trace"]) for e in errors["import_errors"]]
            raise RuntimeError(f"DAG import errors: {found}")
        try:
            _get_json(f"{api}/dags/{DAG_ID}", token)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise
        return True

    _wait_until(files, f"DAG {DAG_ID} parsed", parsed)
    LOGGER.info("DAG %s parsed, no import errors", DAG_ID)


# --- REST API ---------------------------------------------------------------------------------


def api(port: int, token: str, method: str, path: str, body: object = None) -> Any:
    """One call to the REST API v2 (``path`` after ``/api/v2``); returns the decoded JSON."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v2{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def ensure_pool(port: int, token: str, name: str, slots: int) -> None:
    """Create the pool if it does not exist; an existing one is left as it is (idempotent)."""
    result = api(
        port,
        token,
        "PATCH",
        "/pools",
        {
            "actions": [
                {
                    "action": "create",
                    "action_on_existence": "skip",
                    "entities": [
                        {
                            "name": name,
                            "slots": slots,
                            "description": "newsflow crawls running at once, across all runs",
                        }
                    ],
                }
            ]
        },
    )
    errors = (result or {}).get("create", {}).get("errors")
    if errors:
        raise RuntimeError(f"cannot create pool {name!r}: {errors}")
    LOGGER.info("pool %s present", name)


def unpause(port: int, token: str, dag_id: str = DAG_ID) -> None:
    """Unpause a DAG (runs of a paused DAG are never scheduled, even triggered ones)."""
    api(port, token, "PATCH", f"/dags/{dag_id}?update_mask=is_paused", {"is_paused": False})


def trigger_dag_run(port: int, token: str, dag_id: str = DAG_ID) -> str:
    """Trigger a run without a logical date (no data interval: every source is due); its run_id."""
    run = api(port, token, "POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None})
    return str(run["dag_run_id"])


def first_dag_run(port: int, token: str, dag_id: str = DAG_ID, *, timeout: float = 60.0) -> str:
    """The run_id of the DAG's first run, waiting for the scheduler to create one."""
    deadline = time.monotonic() + timeout
    while True:
        found = api(port, token, "GET", f"/dags/{dag_id}/dagRuns?order_by=run_after&limit=1")
        if found["dag_runs"]:
            return str(found["dag_runs"][0]["dag_run_id"])
        if time.monotonic() > deadline:
            raise TimeoutError(f"no run of {dag_id} created after {timeout:.0f} s")
        time.sleep(1)


def wait_dag_run(
    port: int, token: str, run_id: str, dag_id: str = DAG_ID, *, timeout: float = 300.0
) -> str:
    """Wait until the run ends; returns its final state (``success`` or ``failed``)."""
    deadline = time.monotonic() + timeout
    while True:
        state = str(api(port, token, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"])
        if state in ("success", "failed"):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id} run {run_id} still {state} after {timeout:.0f} s")
        time.sleep(1)


def task_instances(
    port: int, token: str, run_id: str, dag_id: str = DAG_ID
) -> list[dict[str, Any]]:
    """The run's task instances (mapped ones included) as the API returns them."""
    found = api(port, token, "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
    return list(found["task_instances"])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


# --- command line -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.airflow_local",
        description="Start (default) or stop a local Airflow for newsflow.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--stop", action="store_true", help="stop the running components")
    action.add_argument("--status", action="store_true", help="list the running components")
    action.add_argument(
        "--foreground", action="store_true", help="start, then stop on Ctrl-C / SIGTERM"
    )
    parser.add_argument("--port", type=int, default=8080, help="API/UI port (default 8080)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = load_config()
    files = layout(config)

    if args.stop:
        stopped = stop(config)
        LOGGER.info("stopped: %s", ", ".join(stopped) if stopped else "nothing was running")
        return 0
    if args.status:
        found = running(files)
        for component in COMPONENTS:
            state = f"running (pid {found[component]})" if component in found else "stopped"
            LOGGER.info("%-13s %s", component, state)
        return 0 if found else 1

    try:
        start(config, port=args.port)
    except (RuntimeError, TimeoutError) as exc:
        LOGGER.error("%s", exc)
        return 1
    LOGGER.info(
        "UI: http://127.0.0.1:%d  user: admin  password: in %s",
        args.port,
        files.password_file,
    )
    if not args.foreground:
        LOGGER.info("logs: %s; stop with: python -m tools.airflow_local --stop", files.run_dir)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while len(running(files)) == len(COMPONENTS):
            time.sleep(2)
        LOGGER.error("a component exited; logs in %s", files.run_dir)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
