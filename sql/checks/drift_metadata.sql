-- Drift of the share of articles with a title, a publication date and an author: the articles
-- first seen on this run's UTC day against those of the drift_baseline_days before it. Fails,
-- one row per measure, when a share is more than drift_metadata_share_drop below the baseline's
-- (0.3: from 95 to under 65 percent): the page's metadata moved where extraction does not look.
-- Checked with drift_min_articles articles that day and drift_min_baseline_days days with
-- articles before it. Zero rows = pass; each row names the source, the measure, the day, today's
-- share and the baseline's.
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
           (btrim(a.title) <> '')::integer AS has_title,
           (a.published_at IS NOT NULL)::integer AS has_date,
           (cardinality(a.authors) > 0)::integer AS has_author
    FROM bounds AS b
    JOIN articles AS a
      ON a.source = %(source)s AND a.first_seen_at >= b.baseline_start AND a.first_seen_at < b.day_end
),
measured AS (
    SELECT count(*) FILTER (WHERE today) AS articles,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           avg(has_title) FILTER (WHERE today) AS title_today,
           avg(has_title) FILTER (WHERE NOT today) AS title_baseline,
           avg(has_date) FILTER (WHERE today) AS date_today,
           avg(has_date) FILTER (WHERE NOT today) AS date_baseline,
           avg(has_author) FILTER (WHERE today) AS author_today,
           avg(has_author) FILTER (WHERE NOT today) AS author_baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || b.day || ': ' || v.measure || ' '
       || round(100 * v.today, 1) || ' percent (' || m.articles || ' articles), baseline '
       || round(100 * v.baseline, 1) || ' percent (' || m.baseline_days
       || ' days before); alarm when more than ' || round(100 * %(drift_metadata_share_drop)s, 1)
       || ' points below' AS message,
       %(source)s AS source,
       v.measure,
       b.day,
       round(v.today, 3) AS today,
       round(v.baseline, 3) AS baseline
FROM measured AS m
CROSS JOIN bounds AS b
CROSS JOIN LATERAL (
    VALUES ('share_with_title', m.title_today, m.title_baseline),
           ('share_with_date', m.date_today, m.date_baseline),
           ('share_with_author', m.author_today, m.author_baseline)
) AS v (measure, today, baseline)
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND v.today < v.baseline - %(drift_metadata_share_drop)s;
