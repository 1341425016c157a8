-- The articles a drift check compares (sql/checks/drift_*.sql): those of `p_source` first seen on
-- the UTC day its run `p_run_id` started ("today") and those first seen in the `p_baseline_days`
-- days before it (the source's own baseline), each with the UTC day it was first seen. One
-- definition of the window for every check that measures articles against their baseline.
CREATE FUNCTION newsflow_drift_articles(p_source text, p_run_id text, p_baseline_days integer)
RETURNS TABLE (run_day date, today boolean, seen_day date, article articles)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH bounds AS (
        SELECT r.day,
               (r.day - p_baseline_days)::timestamp AT TIME ZONE 'UTC' AS baseline_start,
               r.day::timestamp AT TIME ZONE 'UTC' AS day_start,
               (r.day + 1)::timestamp AT TIME ZONE 'UTC' AS day_end
        FROM (
            SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day
            FROM crawl_runs AS c
            WHERE c.source = p_source AND c.run_id = p_run_id
        ) AS r
    )
    SELECT b.day, a.first_seen_at >= b.day_start, (a.first_seen_at AT TIME ZONE 'UTC')::date, a
    FROM bounds AS b
    JOIN articles AS a
      ON a.source = p_source AND a.first_seen_at >= b.baseline_start AND a.first_seen_at < b.day_end
$$;

REVOKE ALL ON FUNCTION newsflow_drift_articles(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION newsflow_drift_articles(text, text, integer) TO newsflow_writer;
