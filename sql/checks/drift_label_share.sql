-- Drift of the page labels: for each label but `article`, its share of the pages the source's
-- runs fetched on this run's UTC day (crawl_runs.labels: page counts per label) against its share
-- over the drift_baseline_days before it. Fails, one row per label, when the share is more than
-- drift_label_share_max_rise above the baseline's: a consent wall, a bot challenge, paywall
-- teasers or JavaScript shells where articles were. Checked with drift_min_articles labelled
-- pages that day and drift_min_baseline_days days with labelled pages before it (no row while the
-- crawl records no labels). Zero rows = pass; each row names the source, the measure
-- (label_share:<label>), the day, today's share and the baseline's.
WITH run AS (
    SELECT (started_at AT TIME ZONE 'UTC')::date AS day
    FROM crawl_runs
    WHERE source = %(source)s AND run_id = %(run_id)s AND %(drift_enabled)s
),
bounds AS (
    SELECT day,
           (day - %(drift_baseline_days)s)::timestamp AT TIME ZONE 'UTC' AS baseline_start,
           (day + 1)::timestamp AT TIME ZONE 'UTC' AS day_end
    FROM run
),
pages AS (
    SELECT (c.started_at AT TIME ZONE 'UTC')::date = b.day AS today,
           (c.started_at AT TIME ZONE 'UTC')::date AS day,
           l.label,
           l.pages::numeric AS pages
    FROM bounds AS b
    JOIN crawl_runs AS c
      ON c.source = %(source)s AND c.started_at >= b.baseline_start AND c.started_at < b.day_end
    CROSS JOIN LATERAL jsonb_each_text(c.labels) AS l (label, pages)
    WHERE c.kind = 'ingest' AND (c.status = 'succeeded' OR c.run_id = %(run_id)s)
),
totals AS (
    SELECT coalesce(sum(pages) FILTER (WHERE today), 0) AS today,
           coalesce(sum(pages) FILTER (WHERE NOT today), 0) AS baseline,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days
    FROM pages
),
shares AS (
    SELECT p.label,
           coalesce(sum(p.pages) FILTER (WHERE p.today), 0) / nullif(t.today, 0) AS today,
           coalesce(sum(p.pages) FILTER (WHERE NOT p.today), 0) / nullif(t.baseline, 0) AS baseline
    FROM pages AS p, totals AS t
    WHERE p.label <> 'article'
    GROUP BY p.label, t.today, t.baseline
)
SELECT 'source ' || %(source)s || ' on ' || b.day || ': ' || s.label || ' pages '
       || round(100 * s.today, 1) || ' percent of ' || t.today || ', baseline '
       || round(100 * s.baseline, 1) || ' percent (' || t.baseline_days
       || ' days before); alarm when more than ' || round(100 * %(drift_label_share_max_rise)s, 1)
       || ' points above' AS message,
       %(source)s AS source,
       'label_share:' || s.label AS measure,
       b.day,
       round(s.today, 3) AS today,
       round(s.baseline, 3) AS baseline
FROM shares AS s, totals AS t, bounds AS b
WHERE t.today >= %(drift_min_articles)s
  AND t.baseline_days >= %(drift_min_baseline_days)s
  AND s.today > s.baseline + %(drift_label_share_max_rise)s;
