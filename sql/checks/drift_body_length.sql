-- Drift of the median body length: the articles first seen on this run's UTC day against those
-- first seen in the drift_baseline_days before it (the source's own baseline). Fails when the
-- median falls below drift_body_length_min_ratio × the baseline's, or rises above
-- drift_body_length_max_ratio × it: a template change that cuts bodies short or fills them with
-- boilerplate. Checked with drift_min_articles articles that day and drift_min_baseline_days
-- days with articles before it. Thresholds: the source's `drift` key. Zero rows = pass; the row
-- names the source, the measure, the day, today's value and the baseline.
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
           length(a.body) AS chars
    FROM bounds AS b
    JOIN articles AS a
      ON a.source = %(source)s AND a.first_seen_at >= b.baseline_start AND a.first_seen_at < b.day_end
),
measured AS (
    SELECT count(*) FILTER (WHERE today) AS articles,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY chars) FILTER (WHERE today) AS today,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY chars) FILTER (WHERE NOT today) AS baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || b.day || ': median body length '
       || round(m.today::numeric) || ' characters (' || m.articles || ' articles), baseline '
       || round(m.baseline::numeric) || ' (' || m.baseline_days || ' days before); alarm below '
       || %(drift_body_length_min_ratio)s || ' or above ' || %(drift_body_length_max_ratio)s
       || ' x baseline' AS message,
       %(source)s AS source,
       'median_body_length' AS measure,
       b.day,
       round(m.today::numeric) AS today,
       round(m.baseline::numeric) AS baseline
FROM measured AS m, bounds AS b
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND (m.today < %(drift_body_length_min_ratio)s * m.baseline
       OR m.today > %(drift_body_length_max_ratio)s * m.baseline);
