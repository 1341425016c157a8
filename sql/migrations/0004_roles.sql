-- Roles: newsflow_reader (consumers: the `news` schema only) and newsflow_writer (the pipeline:
-- reads and writes the internal tables). Roles are cluster-wide, so they are created only if
-- missing (a second database on the same server migrates cleanly), NOLOGIN and without a
-- password; `newsflow db roles` gives them LOGIN and the passwords from the environment.
-- Creating roles needs CREATEROLE; where the migrating role lacks it, a DBA can create the two
-- roles beforehand and this migration only grants. Grants are per database.

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['newsflow_reader', 'newsflow_writer'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration created it at the same moment
            END;
        END IF;
    END LOOP;
END
$$;

-- Reader: USAGE on `news`, SELECT on its views, EXECUTE on news.search; nothing on the tables.
GRANT USAGE ON SCHEMA news TO newsflow_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA news TO newsflow_reader;
GRANT EXECUTE ON FUNCTION news.search(text, text, timestamptz, integer) TO newsflow_reader;
-- Views added by later migrations (run by the same role) are readable without another grant.
ALTER DEFAULT PRIVILEGES IN SCHEMA news GRANT SELECT ON TABLES TO newsflow_reader;

-- Writer: DML on the internal tables and their sequences; no DDL, no TRUNCATE.
GRANT USAGE ON SCHEMA public TO newsflow_writer;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON sources, crawl_runs, raw_pages, articles, fetch_errors, article_revisions, discovery_state
    TO newsflow_writer;
GRANT SELECT ON schema_migrations TO newsflow_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO newsflow_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO newsflow_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO newsflow_writer;
-- The pipeline may read what consumers read.
GRANT USAGE ON SCHEMA news TO newsflow_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA news TO newsflow_writer;
GRANT EXECUTE ON FUNCTION news.search(text, text, timestamptz, integer) TO newsflow_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA news GRANT SELECT ON TABLES TO newsflow_writer;
