-- Drift of the leak rate: the share of articles first seen on this run's UTC day whose body holds
-- a headline list (newsflow_leak_reason, as articles_boilerplate_leak.sql judges an article), against that share
-- over the drift_baseline_days before it. Fails when it is more than drift_leak_rate_max_rise
-- above the baseline's (0.1: from 2 to over 12 percent): the template changed and a block now slips
-- into bodies. Checked with drift_min_articles articles that day and drift_min_baseline_days days
-- with articles before it. Zero rows = pass; the row names the source, the measure, the day,
-- today's rate and the baseline's.
WITH run AS (
    SELECT (started_at AT TIME ZONE 'UTC')::date AS day
    FROM crawl_runs
    WHERE source = %(source)s AND run_id = %(run_id)s AND %(drift_enabled)s
),
bounds AS (
    SELECT day,
           (day - %(drift_baseline_days)s)::timestamp AT TIME ZONE 'UTC' AS baseline_start,
           day::timestamp AT TIME ZONE 'UTC' AS day_start,
           (day + 1)::timestamp AT TIME ZONE 'UTC' AS day_end
    FROM run
),
seen AS (
    SELECT a.first_seen_at >= b.day_start AS today,
           (a.first_seen_at AT TIME ZONE 'UTC')::date AS day,
           (newsflow_leak_reason(a.body) IS NOT NULL)::integer AS leaks
    FROM bounds AS b
    JOIN articles AS a
      ON a.source = %(source)s AND a.first_seen_at >= b.baseline_start AND a.first_seen_at < b.day_end
),
measured AS (
    SELECT count(*) FILTER (WHERE today) AS articles,
           avg(leaks) FILTER (WHERE today) AS today,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           avg(leaks) FILTER (WHERE NOT today) AS baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || b.day || ': leak rate '
       || round(100 * m.today, 1) || ' percent (' || m.articles || ' articles), baseline '
       || round(100 * m.baseline, 1) || ' percent (' || m.baseline_days
       || ' days before); alarm when more than ' || round(100 * %(drift_leak_rate_max_rise)s, 1)
       || ' points above' AS message,
       %(source)s AS source,
       'leak_rate' AS measure,
       b.day,
       round(m.today, 3) AS today,
       round(m.baseline, 3) AS baseline
FROM measured AS m, bounds AS b
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND m.today > m.baseline + %(drift_leak_rate_max_rise)s;
