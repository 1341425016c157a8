-- Drift of the articles per day: new articles of the source's runs started on this run's UTC day
-- (this run and the day's earlier succeeded ones) against the median of its daily totals over the
-- drift_baseline_days before it (days with a succeeded run only: a weekly source's quiet days are
-- not zeros). Fails below drift_articles_per_day_min_ratio × that median: discovery finds far
-- fewer articles (a feed moved, a block, a changed URL pattern). Checked with
-- drift_min_baseline_days days with runs and a median of at least drift_min_articles.
-- Zero rows = pass; the row names the source, the measure, the day, today's count and the median.
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
daily AS (
    SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day, sum(c.articles_new) AS articles
    FROM bounds AS b
    JOIN crawl_runs AS c
      ON c.source = %(source)s AND c.started_at >= b.baseline_start AND c.started_at < b.day_end
    WHERE c.kind = 'ingest' AND (c.status = 'succeeded' OR c.run_id = %(run_id)s)
    GROUP BY 1
),
measured AS (
    SELECT coalesce(sum(d.articles) FILTER (WHERE d.day = b.day), 0) AS today,
           count(*) FILTER (WHERE d.day < b.day) AS baseline_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.articles) FILTER (WHERE d.day < b.day)
               AS baseline
    FROM bounds AS b
    LEFT JOIN daily AS d ON true
)
SELECT 'source ' || %(source)s || ' on ' || b.day || ': ' || m.today
       || ' new articles, baseline ' || m.baseline || ' a day (median of ' || m.baseline_days
       || ' days before); alarm below ' || %(drift_articles_per_day_min_ratio)s || ' x baseline'
           AS message,
       %(source)s AS source,
       'articles_per_day' AS measure,
       b.day,
       m.today::numeric AS today,
       m.baseline::numeric AS baseline
FROM measured AS m, bounds AS b
WHERE m.baseline_days >= %(drift_min_baseline_days)s
  AND m.baseline >= %(drift_min_articles)s
  AND m.today < %(drift_articles_per_day_min_ratio)s * m.baseline;
