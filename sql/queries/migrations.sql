-- name: create_migrations_table
-- The ledger of applied migrations (created before the first migration runs).
CREATE TABLE IF NOT EXISTS schema_migrations (
    filename   text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: applied_migration
-- Checksum recorded for one migration, if applied.
SELECT checksum FROM schema_migrations WHERE filename = %(filename)s;

-- name: record_migration
-- Mark a migration applied.
INSERT INTO schema_migrations (filename, checksum) VALUES (%(filename)s, %(checksum)s);

-- name: list_migrations
-- Every applied migration with its checksum.
SELECT filename, checksum FROM schema_migrations ORDER BY filename;

-- name: migrations_table_exists
-- Whether the ledger exists (roles without CREATE on the schema, e.g. newsflow_writer, can read it).
SELECT to_regclass('schema_migrations') IS NOT NULL;
