"""Runtime configuration: the only module that reads the environment.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | unset: embedded PostgreSQL under ``$NEWSFLOW_HOME/pgdata`` | libpq URL of the news database |
| ``NEWSFLOW_HOME`` | ``./.newsflow`` | working directory for the embedded database and logs |
| ``NEWSFLOW_SOURCES`` | the packaged ``crawler/sources.yaml`` | sources file used when ``--sources`` is not given |
| ``NEWSFLOW_CONTACT_URL`` | the project's homepage | contact URL sent in the User-Agent |
| ``NEWSFLOW_EXTRACT_WORKERS`` | number of CPUs | processes extracting articles during a load |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def pgdata(self) -> Path:
        """Directory of the embedded PostgreSQL cluster (used when ``database_url`` is None)."""
        return self.home / "pgdata"


def load_config(environ: os._Environ[str] | dict[str, str] | None = None) -> Config:
    """Read the environment (``os.environ`` by default) into a :class:`Config`."""
    env = os.environ if environ is None else environ
    home = Path(env.get("NEWSFLOW_HOME") or ".newsflow").resolve()
    workers = env.get("NEWSFLOW_EXTRACT_WORKERS")
    return Config(
        database_url=env.get("DATABASE_URL") or None,
        home=home,
        sources_path=Path(env.get("NEWSFLOW_SOURCES") or DEFAULT_SOURCES),
        contact_url=env.get("NEWSFLOW_CONTACT_URL") or DEFAULT_CONTACT_URL,
        extract_workers=max(1, int(workers)) if workers else max(1, os.cpu_count() or 1),
    )
