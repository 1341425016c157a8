-- Drift of the median body length: the articles first seen on this run's UTC day against those
-- first seen in the drift_baseline_days before it (the source's own baseline). Fails when the
-- median falls below drift_body_length_min_ratio × the baseline's, or rises above
-- drift_body_length_max_ratio × it: a template change that cuts bodies short or fills them with
-- boilerplate. Checked with drift_min_articles articles that day and drift_min_baseline_days
-- days with articles before it. Thresholds: the source's `drift` key. Zero rows = pass; the row
-- names the source, the measure, the day, today's value and the baseline.
WITH seen AS (
    SELECT d.run_day, d.today, d.seen_day AS day,
           length((d.article).body) AS chars
    FROM newsflow_drift_articles(%(source)s, %(run_id)s, %(drift_baseline_days)s) AS d
    WHERE %(drift_enabled)s
),
measured AS (
    SELECT max(run_day) AS day,
           count(*) FILTER (WHERE today) AS articles,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY chars) FILTER (WHERE today) AS today,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY chars) FILTER (WHERE NOT today) AS baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || m.day || ': median body length '
       || round(m.today::numeric) || ' characters (' || m.articles || ' articles), baseline '
       || round(m.baseline::numeric) || ' (' || m.baseline_days || ' days before); alarm below '
       || %(drift_body_length_min_ratio)s || ' or above ' || %(drift_body_length_max_ratio)s
       || ' x baseline' AS message,
       %(source)s AS source,
       'median_body_length' AS measure,
       m.day,
       round(m.today::numeric) AS today,
       round(m.baseline::numeric) AS baseline
FROM measured AS m
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND (m.today < %(drift_body_length_min_ratio)s * m.baseline
       OR m.today > %(drift_body_length_max_ratio)s * m.baseline);
