"""Runtime configuration: the only module that reads the environment.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | unset: embedded PostgreSQL under ``$NEWSFLOW_HOME/pgdata`` | libpq URL of the news database |
| ``NEWSFLOW_HOME`` | ``./.newsflow`` | working directory for the embedded database and logs |
| ``NEWSFLOW_SOURCES`` | the packaged ``crawler/sources.yaml`` | sources file used when ``--sources`` is not given |
| ``NEWSFLOW_CONTACT_URL`` | the project's homepage | contact URL sent in the User-Agent |
| ``NEWSFLOW_EXTRACT_WORKERS`` | number of CPUs | processes extracting articles during a load |
| ``NEWSFLOW_READER_PASSWORD_FILE`` | unset | file holding the password ``newsflow db roles`` gives the read-only consumer role (a Docker or Kubernetes secret) |
| ``NEWSFLOW_WRITER_PASSWORD_FILE`` | unset | file holding the password ``newsflow db roles`` gives the pipeline's role |
| ``NEWSFLOW_READER_PASSWORD`` | unset: ``newsflow_reader`` stays unable to log in | the reader's password itself, where no file is given |
| ``NEWSFLOW_WRITER_PASSWORD`` | unset: ``newsflow_writer`` stays unable to log in | the writer's password itself, where no file is given |
| ``NEWSFLOW_ALERT_WEBHOOK`` | unset: failures are only logged | URL that Airflow task failures are POSTed to (JSON) |
| ``NEWSFLOW_RAW_HTML_RETENTION_DAYS`` | 90 | ``news_maintenance`` drops stored HTML of processed pages fetched longer ago |
| ``NEWSFLOW_FETCH_ERRORS_RETENTION_DAYS`` | 30 | ``news_maintenance`` deletes fetch errors last tried longer ago |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCES = PACKAGE_DIR / "sources.yaml"
DEFAULT_CONTACT_URL = "https://github.com/newsflow/newsflow"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings resolved once from the environment."""

    database_url: str | None
    home: Path
    sources_path: Path
    contact_url: str
    extract_workers: int
    # Passwords of the database roles (``newsflow db roles``); kept out of repr() so they are
    # never printed or logged with the config.
    reader_password: str | None = field(default=None, repr=False)
    writer_password: str | None = field(default=None, repr=False)
    alert_webhook: str | None = field(default=None, repr=False)  # may embed a token
    raw_html_retention_days: int = 90
    fetch_errors_retention_days: int = 30

    @property
    def pgdata(self) -> Path:
        """Directory of the embedded PostgreSQL cluster (used when ``database_url`` is None)."""
        return self.home / "pgdata"


def load_config(environ: os._Environ[str] | dict[str, str] | None = None) -> Config:
    """Read the environment (``os.environ`` by default) into a :class:`Config`."""
    env = os.environ if environ is None else environ
    home = Path(env.get("NEWSFLOW_HOME") or ".newsflow").resolve()
    return Config(
        database_url=env.get("DATABASE_URL") or None,
        home=home,
        sources_path=Path(env.get("NEWSFLOW_SOURCES") or DEFAULT_SOURCES),
        contact_url=env.get("NEWSFLOW_CONTACT_URL") or DEFAULT_CONTACT_URL,
        extract_workers=max(1, _int(env, "NEWSFLOW_EXTRACT_WORKERS", os.cpu_count() or 1)),
        reader_password=_secret(env, "NEWSFLOW_READER_PASSWORD"),
        writer_password=_secret(env, "NEWSFLOW_WRITER_PASSWORD"),
        alert_webhook=env.get("NEWSFLOW_ALERT_WEBHOOK") or None,
        raw_html_retention_days=_int(env, "NEWSFLOW_RAW_HTML_RETENTION_DAYS", 90),
        fetch_errors_retention_days=_int(env, "NEWSFLOW_FETCH_ERRORS_RETENTION_DAYS", 30),
    )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    """``$NAME`` as a whole number (``default`` when unset or empty)."""
    text = env.get(name)
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r}: expected a whole number, e.g. {default}") from None


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """``$NAME_FILE``'s content (one trailing newline dropped), else ``$NAME``, else None.

    A file keeps the secret out of the process list, the shell history and ``docker inspect``.
    """
    path = env.get(f"{name}_FILE")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").removesuffix("\n")
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
        if not value:
            raise ConfigError(f"{name}_FILE: {path} is empty")
        return value
    return env.get(name) or None
