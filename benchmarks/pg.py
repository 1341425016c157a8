"""The PostgreSQL server a benchmark runs on: ``DATABASE_URL``'s, or a throwaway embedded one."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.config import load_config


@contextmanager
def postgres_server() -> Iterator[tuple[str, Path | None]]:
    """URL of ``DATABASE_URL``'s server and None, or of a throwaway embedded server (deleted on
    exit) and its data directory. Benchmarks create their databases on it (needs CREATEDB)."""
    config = load_config()
    if config.database_url:
        yield config.database_url, None
        return
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp:
        os.chmod(tmp, 0o755)  # pgserver runs postgres as its own user
        runtime = Path(tmp) / "run"
        runtime.mkdir(mode=0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        import pgserver

        pgdata = Path(tmp) / "pgdata"
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
        try:
            yield server.get_uri(), pgdata
        finally:
            server.cleanup()
