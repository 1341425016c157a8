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

-- name: articles_without_fingerprint
-- The data step of migrations that change the SimHash definition (0009): articles whose
-- fingerprint was cleared, in id order after %(after)s (index articles_simhash_missing).
SELECT id, body
FROM articles
WHERE body_simhash IS NULL AND id > %(after)s
ORDER BY id
LIMIT %(limit)s;

-- name: set_fingerprints
-- Recomputed fingerprints (id, body_simhash); not a change of the article: updated_at stays.
UPDATE articles AS a
SET body_simhash = v.body_simhash
FROM (VALUES %s) AS v (id, body_simhash)
WHERE a.id = v.id;
