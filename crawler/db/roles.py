"""The database roles of sql/migrations/0004_roles.sql: passwords for the reader and the writer."""

from __future__ import annotations

import logging

import psycopg2
import psycopg2.extensions

from crawler.config import Config
from crawler.db import query, transaction
from crawler.errors import MigrationError

LOGGER = logging.getLogger(__name__)

READER_ROLE = "newsflow_reader"  # SELECT on the `news` schema only (sql/migrations/0004_roles.sql)


WRITER_ROLE = "newsflow_writer"  # the pipeline: DML on the internal tables


def set_role_passwords(url: str, config: Config) -> dict[str, bool]:
    """Give the reader and writer roles LOGIN and their configured passwords.

    Returns role → whether it was changed: a role whose password is not configured
    (``NEWSFLOW_READER_PASSWORD`` / ``NEWSFLOW_WRITER_PASSWORD``) is left as it is.
    """
    from psycopg2 import sql

    passwords = {READER_ROLE: config.reader_password, WRITER_ROLE: config.writer_password}
    changed: dict[str, bool] = {}
    with transaction(url) as conn, conn.cursor() as cur:
        for role, password in passwords.items():
            changed[role] = False
            if password is None:
                continue
            cur.execute(query("role_exists"), {"role": role})
            if cur.fetchone() is None:
                raise MigrationError(f"role {role} does not exist: run `newsflow db migrate`")
            # ALTER ROLE cannot take bind parameters, so the value is quoted by psycopg2.sql.Literal.
            # It is a SCRAM verifier computed here by libpq (PQencryptPasswordConn, using the
            # server's password_encryption), so the password itself never reaches the server, its
            # statement log or pg_stat_activity. Never log either.
            verifier = psycopg2.extensions.encrypt_password(password, role, conn)
            statement = sql.SQL(query("set_role_password")).format(
                role=sql.Identifier(role), password=sql.Literal(verifier)
            )
            cur.execute(statement)
            LOGGER.info("role %s: LOGIN enabled, password set", role)
            changed[role] = True
    return changed
