-- name: news_matviews
-- The materialized views of the consumer schema `news`, with what REFRESH ... CONCURRENTLY needs:
-- the view populated, and a unique index on plain columns (no expression, no WHERE) over all rows.
SELECT m.matviewname,
       m.ispopulated,
       EXISTS (
           SELECT 1
           FROM pg_index AS i
           WHERE i.indrelid = format('%I.%I', m.schemaname, m.matviewname)::regclass
             AND i.indisunique
             AND i.indisvalid
             AND i.indpred IS NULL
             AND i.indexprs IS NULL
       ) AS has_unique_index
FROM pg_matviews AS m
WHERE m.schemaname = 'news'
ORDER BY m.matviewname;

-- name: prune_raw_html
-- Drop the stored HTML (keep the row: it marks the URL as known, so it is not fetched again) of
-- processed pages fetched before the cutoff. An empty html_compressed means "pruned".
UPDATE raw_pages
SET html_compressed = ''::bytea
WHERE state IN ('article', 'rejected')
  AND fetched_at < %(before)s
  AND octet_length(html_compressed) > 0;

-- name: prune_fetch_errors
-- Forget fetch errors last tried before the cutoff (a URL that fails again is recorded anew).
DELETE FROM fetch_errors
WHERE last_try_at < %(before)s;

-- name: analyze_tables
-- Refresh the planner statistics of the pipeline's tables, as their owner (migration 0010).
SELECT newsflow_analyze();

-- name: refresh_matview
-- Refresh one materialized view of `news`, as its owner (migration 0010); CONCURRENTLY needs it
-- populated and uniquely indexed.
SELECT newsflow_refresh_matview(%(name)s, %(concurrently)s);
