-- This run found far fewer new articles than usual: under a quarter of the median of the source's
-- succeeded runs started in the 7 days before it. Checked only with a baseline worth the name:
-- at least 3 earlier runs and a median of at least 5. A broken feed, a changed URL pattern or a
-- block usually shows here first. Zero rows = pass; the row names the source and the figures.
WITH this_run AS (
    SELECT started_at, articles_new
    FROM crawl_runs
    WHERE source = %(source)s AND run_id = %(run_id)s
),
baseline AS (
    SELECT count(*) AS runs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.articles_new) AS median
    FROM crawl_runs AS c, this_run AS t
    WHERE c.source = %(source)s
      AND c.run_id <> %(run_id)s
      AND c.status = 'succeeded'
      AND c.started_at >= t.started_at - interval '7 days'
      AND c.started_at < t.started_at
)
SELECT 'source ' || %(source)s || ': ' || t.articles_new
       || ' new article(s) in this run, far below its 7-day median of ' || b.median
       || ' (' || b.runs || ' runs)' AS message,
       t.articles_new,
       b.median,
       b.runs
FROM this_run AS t, baseline AS b
WHERE b.runs >= 3
  AND b.median >= 5
  AND t.articles_new < 0.25 * b.median;
