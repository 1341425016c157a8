"""Local Airflow for newsflow: ``python -m tools.airflow_local [--stop | --status | --foreground]``.

`honcho <https://honcho.readthedocs.io>`_ runs the Airflow components (api-server, dag-processor,
triggerer, scheduler) from a Procfile written into the Airflow home: one background ``honcho``
process per instance, with one pid file. This module prepares the environment, migrates the
metadata database, starts honcho, waits until the API reports healthy and the ``news_ingest`` DAG
is parsed, creates the crawl pool, prints the UI URL and returns. ``--stop`` sends SIGTERM to
honcho, which stops every component (SIGTERM to each one's process group, SIGKILL 5 s after the
first one exited); SIGKILL after a grace period if honcho itself is still alive.
``--foreground`` prints honcho's output to the terminal instead and stops it on Ctrl-C.

Layout under ``$NEWSFLOW_HOME/airflow`` (``NEWSFLOW_HOME`` defaults to ``./.newsflow``), private
to the user (directories 0700, files 0600: the processes run with umask 077):

- ``airflow.cfg``, ``logs/`` — Airflow's own; ``Procfile`` — honcho's, rewritten at each start;
- ``run/honcho.pid``; ``run/honcho.log`` — every component's output, one line each, prefixed with
  the time and the component's name (``12:00:01 scheduler.1 | ...``); ``run/db-migrate.log``;
- ``jwt_secret`` and ``fernet_key`` — generated once, shared by all components.

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
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from crawler.config import Config, load_config
from crawler.tasks.connections import airflow_conn_uri, sqlalchemy_url
from crawler.tasks.defaults import CRAWL_POOL, CRAWL_POOL_SLOTS

LOGGER = logging.getLogger(__name__)

REPO_DIR = Path(__file__).resolve().parent.parent
DAGS_DIR = REPO_DIR / "dags"
DAG_ID = "news_ingest"
COMPONENTS = ("api-server", "dag-processor", "triggerer", "scheduler")  # the Procfile's entries
_START_TIMEOUT = 180.0  # seconds until healthy and the DAG parsed (about 20 s on 2 cores)
# Between SIGTERM and SIGKILL to honcho. honcho SIGKILLs what is left of the components 5 s after
# the first one exited, and exits 5-8 s after SIGTERM; it waits forever only when a process outside
# the components' process groups holds one's output open: the child of a task still running
# (measured with a task running `sleep`). That process is stopped after honcho (_terminate_strays).
_STOP_GRACE = 15.0
_UMASK = 0o077  # the password file, logs and task logs: readable by their user only


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the local Airflow keeps its files."""

    home: Path  # AIRFLOW_HOME

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def procfile(self) -> Path:
        return self.home / "Procfile"

    @property
    def pid_file(self) -> Path:
        """honcho's pid."""
        return self.run_dir / "honcho.pid"

    @property
    def log_file(self) -> Path:
        """honcho's output: every component's, each line prefixed with its name."""
        return self.run_dir / "honcho.log"

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"


def layout(config: Config) -> Layout:
    """The local Airflow's layout for a newsflow config."""
    return Layout(config.home / "airflow")


def _private_dir(path: Path) -> None:
    """Create ``path`` mode 0700, or make it so (homes created by older versions were 0755)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _open_private(path: Path, flags: int) -> IO[str]:
    """Open ``path`` for writing, created mode 0600 if missing."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o600), "w", encoding="utf-8")


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
    _private_dir(files.home)
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
            # Task logs are chmod-ed to these (defaults 0o775 and 0o664), whatever the umask.
            "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS": "0o700",
            "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS": "0o600",
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
    with _open_private(path, os.O_EXCL) as f:
        f.write(value + "\n")
    return value


# --- processes --------------------------------------------------------------------------------


def _airflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def write_procfile(files: Layout) -> None:
    """honcho's Procfile: one line per component (``exec``: honcho's child is Airflow, no shell)."""
    with _open_private(files.procfile, os.O_TRUNC) as f:
        f.writelines(f"{c}: exec {shlex.join(_airflow(c))}\n" for c in COMPONENTS)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not); reaps it first if it is our child."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def running(files: Layout) -> int | None:
    """The pid of the instance's honcho if it runs, else None."""
    try:
        pid = int(files.pid_file.read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    # Empty for a moment right after Popen() returns (vfork); else it guards against a reused pid.
    return pid if _alive(pid) and (not cmdline or b"honcho" in cmdline) else None


def migrate_metadata(env: Mapping[str, str], files: Layout) -> None:
    """``airflow db migrate``; its output goes to ``run/db-migrate.log``."""
    log = files.run_dir / "db-migrate.log"
    started = time.monotonic()
    with _open_private(log, os.O_TRUNC) as out:
        code = subprocess.call(
            _airflow("db", "migrate"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_DIR,
            umask=_UMASK,
        )
    if code != 0:
        raise RuntimeError(f"airflow db migrate failed ({code}):\n{_tail(log)}")
    LOGGER.info("metadata database migrated in %.1f s", time.monotonic() - started)


def _start_honcho(
    env: Mapping[str, str], files: Layout, *, foreground: bool
) -> subprocess.Popen[bytes]:
    """honcho with the Procfile, its output appended to the log (or to ours in the foreground).

    Its own session: the terminal's Ctrl-C reaches only us, and :func:`stop` stops it.
    """
    write_procfile(files)
    command = [sys.executable, "-m", "honcho", "start", "--no-colour"]
    command += ["--procfile", str(files.procfile), "--app-root", str(files.home)]
    with contextlib.ExitStack() as stack:
        out = (
            None if foreground else stack.enter_context(_open_private(files.log_file, os.O_APPEND))
        )
        honcho = subprocess.Popen(
            command,
            env={**env, "PYTHONUNBUFFERED": "1"},  # lines reach the log when written
            cwd=REPO_DIR,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=_UMASK,
        )
    with _open_private(files.pid_file, os.O_TRUNC) as f:
        f.write(f"{honcho.pid}\n")
    LOGGER.info(
        "started honcho (pid %d): %s; output: %s",
        honcho.pid,
        ", ".join(COMPONENTS),
        "below" if foreground else files.log_file,
    )
    return honcho


def start(
    config: Config,
    *,
    port: int = 8080,
    files: Layout | None = None,
    metadata_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    foreground: bool = False,
) -> Layout:
    """Start the components under honcho, wait until Airflow is healthy and the DAG parsed, and
    create the crawl pool if missing. On any failure, what was started is stopped.

    With ``foreground``, honcho's output goes to ours instead of the log file (the caller then
    waits for honcho and calls :func:`stop`).
    """
    files = files or layout(config)
    pid = running(files)
    if pid is not None:
        LOGGER.info("already running (honcho pid %d)", pid)
        return files
    started = time.monotonic()
    env = airflow_env(config, port=port, files=files, metadata_url=metadata_url, extra=extra_env)
    _private_dir(files.run_dir)
    migrate_metadata(env, files)
    try:
        honcho = _start_honcho(env, files, foreground=foreground)
        log = None if foreground else files.log_file
        _wait_healthy(honcho, log, port)
        _wait_dag_parsed(honcho, log, files, port)
        ensure_pool(port, api_token(files, port), CRAWL_POOL, CRAWL_POOL_SLOTS)
    except BaseException:
        stop(config, files=files)
        raise
    LOGGER.info("Airflow is up in %.0f s", time.monotonic() - started)
    return files


def stop(config: Config, *, files: Layout | None = None) -> bool:
    """Stop the instance: SIGTERM to honcho, which stops the components; whether it was running.

    SIGKILL to honcho's group (honcho and its reader processes) if it outlives the grace period;
    then :func:`instance_processes` left over are stopped too.
    """
    files = files or layout(config)
    pid = running(files)
    if pid is not None:
        LOGGER.info("stopping honcho (pid %d) and the components", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            LOGGER.warning("honcho (pid %d) alive %.0f s after SIGTERM: SIGKILL", pid, _STOP_GRACE)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    _terminate_strays(files)
    files.pid_file.unlink(missing_ok=True)
    return pid is not None


def instance_processes(files: Layout) -> list[int]:
    """Live processes of this instance: those whose environment holds its ``AIRFLOW_HOME``.

    Only processes we may read are seen.
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
    """SIGTERM, then SIGKILL, the instance's processes still alive once honcho is gone.

    honcho signals each component's process group. Airflow runs every task in a group of its own
    (``setpgid`` in ``airflow.sdk.execution_time.supervisor``), with the task's children (the
    crawl child): a task still running when its component is SIGKILLed outlives it. So do the
    components if honcho itself had to be SIGKILLed.
    """
    strays = instance_processes(files)
    if not strays:
        return
    LOGGER.warning("stopping %d process(es) left after honcho: %s", len(strays), strays)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while strays and time.monotonic() < deadline:
            time.sleep(0.2)
            strays = [pid for pid in strays if _alive(pid)]
        if not strays:
            return


# --- health -----------------------------------------------------------------------------------


def _get_json(url: str, token: str | None = None) -> object:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def _wait_until(
    honcho: subprocess.Popen[bytes], log: Path | None, what: str, probe: Callable[[], bool]
) -> None:
    """Poll ``probe`` until it holds; ``log`` is honcho's (None: it writes to our output)."""
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        # honcho exits as soon as one component exits (it stops the others first).
        if honcho.poll() is not None:
            raise RuntimeError(f"honcho exited ({honcho.returncode}) before {what}; {_output(log)}")
        try:
            result = probe()
        except (OSError, ValueError):  # not up yet (URLError is an OSError)
            result = False
        if result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {_START_TIMEOUT:.0f} s; {_output(log)}")
        time.sleep(1)


def _output(log: Path | None) -> str:
    return f"honcho's output, {log}:\n{_tail(log)}" if log else "honcho's output is above"


def _wait_healthy(honcho: subprocess.Popen[bytes], log: Path | None, port: int) -> None:
    url = f"http://127.0.0.1:{port}/api/v2/monitor/health"

    def healthy() -> bool:
        health = _get_json(url)
        assert isinstance(health, dict)
        return all(
            health.get(k, {}).get("status") == "healthy" for k in ("metadatabase", "scheduler")
        )

    _wait_until(honcho, log, "healthy API", healthy)
    LOGGER.info("healthy: %s", url)


def api_token(files: Layout, port: int) -> str:
    """An API token for ``admin``, with the generated password (without one, if the instance
    runs with ``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True``: no password file then)."""
    if not files.password_file.exists():
        all_admins = _get_json(f"http://127.0.0.1:{port}/auth/token")
        assert isinstance(all_admins, dict)
        return str(all_admins["access_token"])
    passwords = json.loads(files.password_file.read_text(encoding="utf-8"))
    return login_token(port, passwords["admin"])


def login_token(port: int, password: str, user: str = "admin") -> str:
    """An API token from ``POST /auth/token`` with a user's password."""
    body = json.dumps({"username": user, "password": password}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["access_token"])


def _wait_dag_parsed(
    honcho: subprocess.Popen[bytes], log: Path | None, files: Layout, port: int
) -> None:
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

    _wait_until(honcho, log, f"DAG {DAG_ID} parsed", parsed)
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


def log_tail(files: Layout, lines: int = 30) -> str:
    """The last lines of honcho's log (every component's output)."""
    return _tail(files.log_file, lines)


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
    action.add_argument("--stop", action="store_true", help="stop honcho and the components")
    action.add_argument("--status", action="store_true", help="say whether it runs")
    action.add_argument(
        "--foreground",
        action="store_true",
        help="honcho's output to the terminal; stop on Ctrl-C / SIGTERM",
    )
    parser.add_argument("--port", type=int, default=8080, help="API/UI port (default 8080)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = load_config()
    files = layout(config)

    if args.stop:
        LOGGER.info("stopped" if stop(config) else "nothing was running")
        return 0
    if args.status:
        pid = running(files)
        if pid is None:
            LOGGER.info("stopped")
            return 1
        LOGGER.info("running: honcho pid %d; output: %s", pid, files.log_file)
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        start(config, port=args.port, foreground=args.foreground)
    except (RuntimeError, TimeoutError) as exc:
        LOGGER.error("%s", exc)
        return 1
    LOGGER.info(
        "UI: http://127.0.0.1:%d  user: admin  password: in %s",
        args.port,
        files.password_file,
    )
    if not args.foreground:
        LOGGER.info("output: %s; stop with: python -m tools.airflow_local --stop", files.log_file)
        return 0
    pid = running(files)
    try:
        if pid is not None:
            os.waitpid(pid, 0)  # honcho exits by itself when a component exits
            LOGGER.error("honcho exited: a component stopped (its output is above)")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
