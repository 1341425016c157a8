"""``make docker-test``: the Docker deployment built and run for real, with two Celery workers.

``python -m tools.docker_test`` (as root, from the repository root):

1. installs Debian's ``docker.io``, ``docker-compose`` and ``debootstrap`` when missing (apt-get);
2. uses the Docker daemon that answers, else starts its own (data root cached in
   ``/var/cache/newsflow-docker``, so images and build layers, pip's cache included, outlive it);
3. builds the images from Debian packages (no image registry is reachable on our machines): a
   debootstrap root, then ``docker/offline/*`` and ``docker/Dockerfile`` on it;
4. starts ``docker/compose.yaml`` with ``compose.offline.yaml`` (PostgreSQL, Redis from Debian) and
   ``compose.demo.yaml`` (crawl targets): CeleryExecutor, two workers; the sources are the
   bundled demo site's four copies and one generated site with enough pages for a load to use
   its process pool;
5. triggers ``news_ingest`` and checks what the deployment did (:func:`check_deployment`);
6. tears everything down, containers, volumes, network and the daemon it started, also on failure,
   after printing the containers' logs and the failed tasks' logs.

``benchmarks/docker_scale.py`` (``make bench-scale``) drives the same machinery.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import yaml

from crawler.demo.sources import demo_sources
from tools import airflow_local

REPO = Path(__file__).resolve().parent.parent
DOCKER_DIR = REPO / "docker"
CACHE = Path("/var/cache/newsflow-docker")  # the daemon's data root: images, layers, pip cache
PROJECT = "newsflow-test"
COMPOSE_FILES = ("compose.yaml", "compose.offline.yaml", "compose.demo.yaml")
APT_PACKAGES = {
    "dockerd": "docker.io",
    "docker-compose": "docker-compose",
    "debootstrap": "debootstrap",
}
# Debian's docker client: its builder is BuildKit without the buildx plugin (the Dockerfile's
# cache mount needs BuildKit); a newer client elsewhere on PATH may insist on buildx.
DOCKER_CLIENT = "/usr/bin/docker"

DEBIAN_IMAGE = "newsflow-debian:bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,ca-certificates,curl,dumb-init,tzdata,netbase"
AIRFLOW_BASE_IMAGE = "newsflow-airflow-base:bookworm"
AIRFLOW_IMAGE = "newsflow-airflow:test"
# image → (Dockerfile, build context), built on DEBIAN_IMAGE; compose.offline.yaml names the last two.
OFFLINE_IMAGES = {
    AIRFLOW_BASE_IMAGE: ("docker/offline/airflow-base.Dockerfile", "docker/offline"),
    "newsflow-postgres:15": ("docker/offline/postgres.Dockerfile", "docker/offline"),
    "newsflow-redis:7": ("docker/offline/redis.Dockerfile", "docker/offline"),
}

# The demo site's articles are dated 16-20 November 2026. Each source takes its own days, so no
# two sources store the same story (the duplicate-rate check would fail them); each is served
# under its own host name (compose.demo.yaml), so their crawls do not wait for one site's lock.
DEMO_SITES = (  # host (an alias of the demo container), port, days of November
    ("news-a", 8001, "1[67]"),
    ("news-b", 8002, "18"),
    ("news-c", 8003, "19"),
    ("news-d", 8004, "20"),
)
# host (an alias of the generated-sites container), port; each serves GENERATED_ARTICLES pages.
GENERATED_SITES = (("site-a", 8101), ("site-b", 8102), ("site-c", 8103), ("site-d", 8104))
TEST_ARTICLES = 60  # per generated site: over the load's pool threshold (40 pending pages)
_PASSWORD_OF = {"airflow": "AIRFLOW_DB", "newsflow": "NEWS_DB", "newsflow_reader": "NEWS_READER"}
STEPS = ("source.crawl", "source.load", "source.check")
RUN_TIMEOUT = 900.0  # seconds for a run: the test's takes ~1 min on 2 shared cores


def say(message: str) -> None:
    print(f"docker-test {time.strftime('%H:%M:%S')} {message}", flush=True)


def run(args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command, its output to ours; raise on failure (check=False to allow it)."""
    kwargs.setdefault("check", True)
    kwargs.setdefault("stdin", subprocess.DEVNULL)  # nobody answers a prompt in CI
    return subprocess.run(list(args), text=True, **kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- tools and daemon --------------------------------------------------------------------------


def ensure_packages() -> None:
    """Install what is missing with apt-get, or stop with a message saying what to install."""
    missing = [pkg for binary, pkg in APT_PACKAGES.items() if not shutil.which(binary)]
    if not Path(DOCKER_CLIENT).exists():
        missing.append(APT_PACKAGES["dockerd"])
    missing = sorted(set(missing))
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(
            f"docker-test: needs {' '.join(missing)} and installing them needs root and apt-get: "
            f"run 'sudo apt-get install -y {' '.join(missing)}' first"
        )
    say(f"installing {' '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", *missing], env=env)


@dataclass
class Docker:
    """The docker client with its environment (DOCKER_HOST)."""

    env: dict[str, str]

    def __call__(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return run([DOCKER_CLIENT, *args], env=self.env, **kwargs)

    def answers(self) -> bool:
        return self("info", capture_output=True, check=False).returncode == 0

    def has_image(self, name: str) -> bool:
        return self("image", "inspect", name, capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def docker_daemon() -> Iterator[Docker]:
    """The daemon that answers (DOCKER_HOST or the default socket), else one of our own, stopped
    on exit. Ours keeps its data root in CACHE, locked against a second run on this machine."""
    docker = Docker({**os.environ, "DOCKER_BUILDKIT": "1"})
    if docker.answers():
        say("using the running Docker daemon")
        yield docker
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    lock = (CACHE / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"docker-test: another run holds {CACHE}/lock") from None
    run_dir = Path(tempfile.mkdtemp(prefix="newsflow-dockerd-"))  # short: a socket path < 108 B
    socket_path, log = run_dir / "docker.sock", CACHE / "dockerd.log"
    say(f"starting dockerd (data root {CACHE / 'data-root'}, log {log})")
    with log.open("w") as out:
        daemon = subprocess.Popen(
            ["dockerd", "--data-root", str(CACHE / "data-root"), "--exec-root", str(run_dir / "exec"),
             "--host", f"unix://{socket_path}", "--pidfile", str(run_dir / "dockerd.pid")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    docker.env["DOCKER_HOST"] = f"unix://{socket_path}"
    try:
        deadline = time.monotonic() + 60
        while not docker.answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"docker-test: dockerd did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield docker
    finally:
        say("stopping dockerd")
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(run_dir, ignore_errors=True)
        lock.close()


# --- images ------------------------------------------------------------------------------------


def debian_image(docker: Docker) -> None:
    """Debian 12 from debootstrap, imported as DEBIAN_IMAGE (once per data root: about 1 min).

    The host's own CA certificates (/usr/local/share/ca-certificates) are added: where an egress
    proxy re-signs TLS, as here, builds from this base trust what the host trusts."""
    if docker.has_image(DEBIAN_IMAGE):
        return
    say(f"building {DEBIAN_IMAGE} with debootstrap")
    with tempfile.TemporaryDirectory(prefix="newsflow-rootfs-") as tmp:
        root = Path(tmp) / "root"
        run(["debootstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", "bookworm",
             str(root), "http://deb.debian.org/debian"], stdout=subprocess.DEVNULL)  # fmt: skip
        local_cas = list(Path("/usr/local/share/ca-certificates").glob("*.crt"))
        for cert in local_cas:
            shutil.copy(cert, root / "usr/local/share/ca-certificates" / cert.name)
        if local_cas:
            run(["chroot", str(root), "update-ca-certificates"], stdout=subprocess.DEVNULL)
        tar = subprocess.Popen(
            ["tar", "-C", str(root), "-c", "--exclude=./proc/*", "--exclude=./sys/*",
             "--exclude=./dev/*", "."], stdout=subprocess.PIPE,
        )  # fmt: skip
        docker("import", "-", DEBIAN_IMAGE, stdin=tar.stdout, stdout=subprocess.DEVNULL)
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap root failed")


def build_images(docker: Docker) -> None:
    """Every image of the offline deployment; Docker's layer cache makes a rebuild seconds."""
    debian_image(docker)
    started = time.monotonic()
    for image, (dockerfile, context) in OFFLINE_IMAGES.items():
        _build(docker, image, REPO / dockerfile, REPO / context, DEBIAN_BASE=DEBIAN_IMAGE)
    _build(docker, AIRFLOW_IMAGE, DOCKER_DIR / "Dockerfile", REPO, BASE_IMAGE=AIRFLOW_BASE_IMAGE)
    say(f"images built in {time.monotonic() - started:.0f} s")


def _build(docker: Docker, image: str, dockerfile: Path, context: Path, **args: str) -> None:
    say(f"building {image} ({dockerfile.relative_to(REPO)}, {', '.join(args.values())})")
    options = [f"--build-arg={name}={value}" for name, value in args.items()]
    command = ["build", "--quiet", *options, "-t", image, "-f", str(dockerfile), str(context)]
    docker(*command, stdout=subprocess.DEVNULL)


# --- the deployment ----------------------------------------------------------------------------


def write_test_sources(path: Path) -> list[str]:
    """The test's sources file: the four demo sites and the first generated site."""
    services = yaml.safe_load((DOCKER_DIR / "compose.demo.yaml").read_text())["services"]
    for service, sites in (("demo", DEMO_SITES), ("generated-sites", GENERATED_SITES)):
        aliases = services[service]["networks"]["default"]["aliases"]
        assert aliases == [site[0] for site in sites], f"compose.demo.yaml's {service}: {aliases}"
    entries = [
        demo_sources(
            f"http://{host}:{port}",
            name=f"demo-{host}",
            article_url_pattern=rf"/news/2026/11/{days}/",
            allowed_domains=[host],
        )["sources"][0]
        for host, port, days in DEMO_SITES
    ]
    return write_sources(path, [*entries, generated_source(*GENERATED_SITES[0])])


def generated_source(host: str, port: int) -> dict[str, object]:
    """A source for one generated site: its sitemap, no politeness delay (the site is ours)."""
    return {
        "name": f"generated-{host}",
        "language": "en",
        "allowed_domains": [host],
        "sitemaps": [f"http://{host}:{port}/sitemap.xml"],
        "article_url_pattern": r"/news/\d+\.html$",
        "download_delay": 0,
        "allow_private_networks": True,
    }


def write_sources(path: Path, entries: list[dict[str, object]]) -> list[str]:
    """Write a sources file the containers can read; returns the sources' names."""
    path.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False), encoding="utf-8")
    path.chmod(0o644)  # read by the containers' airflow user
    return [str(entry["name"]) for entry in entries]


@dataclass
class Deployment:
    """One compose project of the offline deployment, CeleryExecutor, ``workers`` workers."""

    docker: Docker
    workdir: Path
    workers: int = 2
    extra_files: tuple[str, ...] = ()
    write_sources: Callable[[Path], list[str]] = write_test_sources  # → the sources' names
    generated_articles: int = TEST_ARTICLES
    secrets: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    postgres_port: int = 0
    ui_port: int = 0

    def __post_init__(self) -> None:
        # What docker/.env.example asks for, fresh for each deployment.
        self.secrets = {
            f"{role}_PASSWORD": secrets.token_hex(12)
            for role in ("POSTGRES", "AIRFLOW_DB", "NEWS_DB", "NEWS_WRITER", "NEWS_READER")
        }
        self.secrets["AIRFLOW_FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.secrets["AIRFLOW_JWT_SECRET"] = secrets.token_hex(32)
        self.postgres_port, self.ui_port = free_port(), free_port()
        self.sources = self.write_sources(self.workdir / "sources.yaml")

    @property
    def env(self) -> dict[str, str]:
        return {
            **self.docker.env,
            **self.secrets,
            "AIRFLOW_EXECUTOR": "CeleryExecutor",
            "GENERATED_ARTICLES": str(self.generated_articles),
            "NEWSFLOW_IMAGE": AIRFLOW_IMAGE,
            "NEWSFLOW_SOURCES_FILE": str(self.workdir / "sources.yaml"),
            "POSTGRES_PORT": str(self.postgres_port),
            "AIRFLOW_UI_PORT": str(self.ui_port),
        }

    def compose(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        files = [arg for name in (*COMPOSE_FILES, *self.extra_files) for arg in ("-f", name)]
        return run(
            ["docker-compose", "-p", PROJECT, *files, "--profile", "celery", *args],
            cwd=DOCKER_DIR,
            env=self.env,
            **kwargs,
        )

    def up(self) -> None:
        say(
            f"starting the deployment: {self.workers} Celery worker(s), {len(self.sources)} sources"
        )
        started = time.monotonic()
        self.compose("up", "-d", "--no-build", "--scale", f"airflow-worker={self.workers}")
        say(f"containers up in {time.monotonic() - started:.0f} s (airflow-init done)")

    def down(self) -> None:
        say("removing containers, volumes and network")
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)

    def print_logs(self) -> None:
        say("container logs (last 60 lines each):")
        self.compose("logs", "--no-color", "--tail", "60", check=False)

    def leftovers(self) -> list[str]:
        """The project's containers, volumes and networks still there (after down: none)."""
        label = f"label=com.docker.compose.project={PROJECT}"
        found = []
        for kind, *options in (("container", "--all"), ("volume",), ("network",)):
            listing = self.docker(
                kind, "ls", "-q", *options, "--filter", label, capture_output=True
            )
            found += [f"{kind} {name}" for name in listing.stdout.split()]
        return found

    def worker_hostnames(self) -> set[str]:
        ids = self.compose("ps", "-q", "airflow-worker", capture_output=True).stdout.split()
        return {
            self.docker(
                "inspect", "-f", "{{.Config.Hostname}}", cid, capture_output=True
            ).stdout.strip()
            for cid in ids
        }

    def database_url(self, user: str, database: str) -> str:
        """A URL of the published PostgreSQL port for ``user``, a key of _PASSWORD_OF."""
        password = self.secrets[f"{_PASSWORD_OF[user]}_PASSWORD"]
        return f"postgresql://{user}:{password}@127.0.0.1:{self.postgres_port}/{database}"

    def api_token(self) -> str:
        """A token for ``admin``, with the password the API server generated in its volume."""
        text = self.compose(
            "exec", "-T", "airflow-apiserver", "cat", "/opt/airflow/auth/passwords.json",
            capture_output=True,
        ).stdout  # fmt: skip
        return airflow_local.login_token(self.ui_port, json.loads(text)["admin"])

    def wait_api(self, timeout: float = 600.0) -> str:
        """Wait until the API answers and news_ingest is parsed; returns a token."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                token = self.api_token()
                airflow_local.api(self.ui_port, token, "GET", f"/dags/{airflow_local.DAG_ID}")
                return token
            except (OSError, urllib.error.URLError, subprocess.CalledProcessError, ValueError):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"Airflow's API or news_ingest not ready in {timeout:.0f} s"
                    ) from None
                time.sleep(3)


@contextlib.contextmanager
def deployment(docker: Docker, **options: Any) -> Iterator[Deployment]:
    """A started deployment (``options``: :class:`Deployment`'s), torn down on exit; on an
    exception, its logs are printed first."""
    with tempfile.TemporaryDirectory(prefix="newsflow-docker-test-") as tmp:
        deployed = Deployment(docker, Path(tmp), **options)
        deployed.down()  # what an interrupted earlier run left
        try:
            deployed.up()
            yield deployed
        except BaseException:
            deployed.print_logs()
            raise
        finally:
            deployed.down()
            if left := deployed.leftovers():
                raise RuntimeError(f"left after docker-compose down: {left}")


def ingest(deployed: Deployment) -> tuple[str, str, float]:
    """Trigger the day's news_ingest run, unpause it and the consumer DAG, wait for the run to end:
    (token, run_id, seconds from trigger to end).

    The run is triggered for the logical date the scheduler would give the day's run: unpausing
    then creates no second run of that day (one would queue behind ours: max_active_runs=1)."""
    token = deployed.wait_api()
    port = deployed.ui_port
    airflow_local.unpause(port, token, "news_consumer_refresh")
    dag = airflow_local.api(port, token, "GET", f"/dags/{airflow_local.DAG_ID}")
    logical_date = dag["next_dagrun_logical_date"]
    path = f"/dags/{airflow_local.DAG_ID}/dagRuns"
    run_id = str(
        airflow_local.api(port, token, "POST", path, {"logical_date": logical_date})["dag_run_id"]
    )
    airflow_local.unpause(port, token)
    say(f"triggered news_ingest run {run_id}; waiting for it")
    started = time.monotonic()
    state = wait_run(deployed, token, run_id)
    say(f"news_ingest run {run_id}: {state} after {time.monotonic() - started:.0f} s")
    return token, run_id, time.monotonic() - started


def wait_run(deployed: Deployment, token: str, run_id: str, dag_id: str = "news_ingest") -> str:
    """Wait until the run ends; its final state. An API call that times out is retried: two cores
    running nine containers answer slowly at times."""
    deadline, state = time.monotonic() + RUN_TIMEOUT, "unknown"
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):  # URLError and socket timeouts included
            run = airflow_local.api(
                deployed.ui_port, token, "GET", f"/dags/{dag_id}/dagRuns/{run_id}"
            )
            state = str(run["state"])
            if state in ("success", "failed"):
                return state
        time.sleep(3)
    raise TimeoutError(f"{dag_id} run {run_id} still {state} after {RUN_TIMEOUT:.0f} s")


# --- checks ------------------------------------------------------------------------------------


def check_deployment(deployed: Deployment, token: str, run_id: str) -> list[str]:
    """What must hold after the run; returns the failures (empty: all good)."""
    port, failures = deployed.ui_port, []
    run = airflow_local.api(port, token, "GET", f"/dags/news_ingest/dagRuns/{run_id}")
    if run["state"] != "success":
        failures.append(f"news_ingest run {run_id} ended {run['state']}")
    instances = airflow_local.task_instances(port, token, run_id)
    by_step = {
        step: {ti["rendered_map_index"]: ti["state"] for ti in instances if ti["task_id"] == step}
        for step in STEPS
    }
    for step, states in by_step.items():
        expected = dict.fromkeys(deployed.sources, "success")
        if states != expected:
            failures.append(f"{step}: {states}, expected {expected}")
    hosts = {ti["hostname"] for ti in instances if ti["task_id"] in STEPS}
    workers = deployed.worker_hostnames()
    say(f"task hosts {sorted(hosts)}; workers {sorted(workers)}")
    if len(workers) != deployed.workers or hosts != workers:
        failures.append(f"tasks ran on {sorted(hosts)}, not on both workers {sorted(workers)}")

    with psycopg2.connect(deployed.database_url("newsflow", "news")) as conn, conn.cursor() as cur:
        cur.execute("SELECT source, count(*) FROM articles GROUP BY source")
        stored = dict(cur.fetchall())
    say(f"articles per source: {stored}")
    if set(stored) != set(deployed.sources) or not all(stored.values()):
        failures.append(f"articles per source {stored}, expected some for {deployed.sources}")
    failures += check_reader(deployed, sum(stored.values()))

    runs = consumer_runs(deployed, token)
    say(f"news_consumer_refresh runs: {runs}")
    if ("asset_triggered", "success") not in runs:
        failures.append(f"news_consumer_refresh did not run on the asset event: {runs}")
    return failures


def consumer_runs(
    deployed: Deployment, token: str, timeout: float = 180.0
) -> list[tuple[str, str]]:
    """news_consumer_refresh's runs as (run_type, state), once one triggered by the loads' asset
    events has ended (it starts after the last load, so it may still run when news_ingest ends)."""
    deadline, runs = time.monotonic() + timeout, []
    while True:
        with contextlib.suppress(OSError):
            found = airflow_local.api(
                deployed.ui_port, token, "GET", "/dags/news_consumer_refresh/dagRuns"
            )
            runs = [(str(r["run_type"]), str(r["state"])) for r in found["dag_runs"]]
            if any(
                kind == "asset_triggered" and state in ("success", "failed") for kind, state in runs
            ):
                return runs
        if time.monotonic() > deadline:
            return runs
        time.sleep(3)


def check_reader(deployed: Deployment, articles: int) -> list[str]:
    """newsflow_reader reads news.articles and may write nothing."""
    failures = []
    conn = psycopg2.connect(deployed.database_url("newsflow_reader", "news"))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM news.articles")
            if cur.fetchone() != (articles,):
                failures.append(f"newsflow_reader does not see the {articles} articles")
        conn.rollback()
        say(f"newsflow_reader reads news.articles ({articles} rows); trying to write")
        for statement in ("DELETE FROM news.articles", "DELETE FROM articles"):
            try:
                with conn.cursor() as cur:
                    cur.execute(statement)
                failures.append(f"newsflow_reader could run {statement!r}")
            except psycopg2.errors.InsufficientPrivilege:
                pass
            finally:
                conn.rollback()
    finally:
        conn.close()
    return failures


def print_failed_task_logs(deployed: Deployment, token: str, run_id: str) -> None:
    for ti in airflow_local.task_instances(deployed.ui_port, token, run_id):
        if ti["state"] == "success":
            continue
        path = (
            f"/dags/news_ingest/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/"
            f"{max(ti['try_number'], 1)}?map_index={ti['map_index']}&full_content=true"
        )
        with contextlib.suppress(OSError, urllib.error.URLError):
            content = airflow_local.api(deployed.ui_port, token, "GET", path).get("content", [])
            lines = [
                str(part.get("event", part)) if isinstance(part, dict) else str(part)
                for part in content
            ]
            say(f"log of {ti['task_id']}[{ti['rendered_map_index']}] ({ti['state']}):")
            print("\n".join(lines[-40:]), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    # CI's timeout sends SIGTERM: exit through the `finally` blocks, which tear everything down.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    started = time.monotonic()
    ensure_packages()
    with docker_daemon() as docker:
        build_images(docker)
        with deployment(docker) as deployed:
            token, run_id, _ = ingest(deployed)
            failures = check_deployment(deployed, token, run_id)
            if failures:
                print_failed_task_logs(deployed, token, run_id)
                deployed.print_logs()
    elapsed = time.monotonic() - started
    if failures:
        say(f"FAILED after {elapsed:.0f} s:\n  " + "\n  ".join(failures))
        return 1
    say(f"passed in {elapsed:.0f} s: two workers shared the tasks, everything is stored")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
