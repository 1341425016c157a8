-- Least privilege for the two roles of 0004 and for this database.
--
-- The pipeline (Airflow's news_db connection) runs as newsflow_writer, which owns nothing, so the
-- two housekeeping statements that need ownership go through SECURITY DEFINER functions owned by
-- the migrating role: ANALYZE of the pipeline's tables, and REFRESH of a `news` materialized view
-- (PostgreSQL 17's MAINTAIN privilege would do, but Debian 12 ships PostgreSQL 15). Each function
-- does one fixed thing; its search_path is pinned so a caller cannot slip in objects of its own.
CREATE FUNCTION newsflow_analyze() RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    name text;
BEGIN
    -- The tables that the daily prune and load change.
    FOREACH name IN ARRAY ARRAY['articles', 'raw_pages', 'fetch_errors', 'crawl_runs',
                                'article_revisions'] LOOP
        EXECUTE format('ANALYZE public.%I', name);
        RETURN NEXT name;
    END LOOP;
END
$$;

CREATE FUNCTION newsflow_refresh_matview(view_name text, concurrent boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_matviews WHERE schemaname = 'news' AND matviewname = view_name
    ) THEN
        RAISE EXCEPTION 'news.% is not a materialized view', view_name;
    END IF;
    EXECUTE format(
        'REFRESH MATERIALIZED VIEW %s news.%I',
        CASE WHEN concurrent THEN 'CONCURRENTLY' ELSE '' END,
        view_name
    );
END
$$;

REVOKE ALL ON FUNCTION newsflow_analyze() FROM PUBLIC;
REVOKE ALL ON FUNCTION newsflow_refresh_matview(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION newsflow_analyze() TO newsflow_writer;
GRANT EXECUTE ON FUNCTION newsflow_refresh_matview(text, boolean) TO newsflow_writer;

-- Only the owner and the two roles may connect (PostgreSQL lets PUBLIC connect to every
-- database by default), and nobody else may create temporary tables here.
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format(
        'GRANT CONNECT ON DATABASE %I TO newsflow_reader, newsflow_writer', current_database()
    );
END
$$;

-- Consumers are many and their queries ad hoc: a runaway query is cut off, and they cannot take
-- every connection slot from the pipeline. Roles are cluster-wide; changing them needs
-- CREATEROLE (and, from PostgreSQL 16, ADMIN on the role, which its creator has). Where the
-- migrating role may not, a DBA sets the same and the migration says so instead of failing.
DO $$
BEGIN
    ALTER ROLE newsflow_reader CONNECTION LIMIT 20;
    ALTER ROLE newsflow_reader SET statement_timeout = '60s';
    ALTER ROLE newsflow_reader SET idle_in_transaction_session_timeout = '5min';
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'newsflow_reader has no connection limit or statement timeout (%): a DBA can set them as above', SQLERRM;
END
$$;
