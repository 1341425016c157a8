"""Small helpers shared by the tests: the rows of one query, a free TCP port on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Any

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
