-- Drift of the leak rate: the share of articles first seen on this run's UTC day whose body holds
-- a headline list (newsflow_leak_reason, as articles_boilerplate_leak.sql judges an article), against that share
-- over the drift_baseline_days before it. Fails when it is more than drift_leak_rate_max_rise
-- above the baseline's (0.1: from 2 to over 12 percent): the template changed and a block now slips
-- into bodies. Checked with drift_min_articles articles that day and drift_min_baseline_days days
-- with articles before it. Zero rows = pass; the row names the source, the measure, the day,
-- today's rate and the baseline's.
WITH seen AS (
    SELECT d.run_day, d.today, d.seen_day AS day,
           (newsflow_leak_reason((d.article).body) IS NOT NULL)::integer AS leaks
    FROM newsflow_drift_articles(%(source)s, %(run_id)s, %(drift_baseline_days)s) AS d
    WHERE %(drift_enabled)s
),
measured AS (
    SELECT max(run_day) AS day,
           count(*) FILTER (WHERE today) AS articles,
           avg(leaks) FILTER (WHERE today) AS today,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           avg(leaks) FILTER (WHERE NOT today) AS baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || m.day || ': leak rate '
       || round(100 * m.today, 1) || ' percent (' || m.articles || ' articles), baseline '
       || round(100 * m.baseline, 1) || ' percent (' || m.baseline_days
       || ' days before); alarm when more than ' || round(100 * %(drift_leak_rate_max_rise)s, 1)
       || ' points above' AS message,
       %(source)s AS source,
       'leak_rate' AS measure,
       m.day,
       round(m.today, 3) AS today,
       round(m.baseline, 3) AS baseline
FROM measured AS m
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND m.today > m.baseline + %(drift_leak_rate_max_rise)s;
