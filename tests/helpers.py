"""Small helpers shared by the tests: the rows of one query, a free TCP port on 127.0.0.1, a
sources file for sites on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from crawler.db import transaction


def query_rows(
    url: str, statement: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Rows of one statement, run in its own transaction on database ``url``."""
    with transaction(url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_sources_file(path: Path, *entries: Mapping[str, Any]) -> Path:
    """Write a sources file of generated sites on 127.0.0.1 (private network allowed, no delay,
    articles under /news/N.html); each entry adds its name and discovery keys."""
    base = {
        "language": "en",
        "allowed_domains": ["127.0.0.1"],
        "download_delay": 0,
        "allow_private_networks": True,
        "article_url_pattern": r"/news/\d+\.html$",
    }
    path.write_text(yaml.safe_dump({"sources": [{**base, **e} for e in entries]}), "utf-8")
    return path
