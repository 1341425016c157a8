-- Drift of the share of articles with a title, a publication date and an author: the articles
-- first seen on this run's UTC day against those of the drift_baseline_days before it. Fails,
-- one row per measure, when a share is more than drift_metadata_share_drop below the baseline's
-- (0.3: from 95 to under 65 percent): the page's metadata moved where extraction does not look.
-- Checked with drift_min_articles articles that day and drift_min_baseline_days days with
-- articles before it. Zero rows = pass; each row names the source, the measure, the day, today's
-- share and the baseline's.
WITH seen AS (
    SELECT d.run_day, d.today, d.seen_day AS day,
           (btrim((d.article).title) <> '')::integer AS has_title,
           ((d.article).published_at IS NOT NULL)::integer AS has_date,
           (cardinality((d.article).authors) > 0)::integer AS has_author
    FROM newsflow_drift_articles(%(source)s, %(run_id)s, %(drift_baseline_days)s) AS d
    WHERE %(drift_enabled)s
),
measured AS (
    SELECT max(run_day) AS day,
           count(*) FILTER (WHERE today) AS articles,
           count(DISTINCT day) FILTER (WHERE NOT today) AS baseline_days,
           avg(has_title) FILTER (WHERE today) AS title_today,
           avg(has_title) FILTER (WHERE NOT today) AS title_baseline,
           avg(has_date) FILTER (WHERE today) AS date_today,
           avg(has_date) FILTER (WHERE NOT today) AS date_baseline,
           avg(has_author) FILTER (WHERE today) AS author_today,
           avg(has_author) FILTER (WHERE NOT today) AS author_baseline
    FROM seen
)
SELECT 'source ' || %(source)s || ' on ' || m.day || ': ' || v.measure || ' '
       || round(100 * v.today, 1) || ' percent (' || m.articles || ' articles), baseline '
       || round(100 * v.baseline, 1) || ' percent (' || m.baseline_days
       || ' days before); alarm when more than ' || round(100 * %(drift_metadata_share_drop)s, 1)
       || ' points below' AS message,
       %(source)s AS source,
       v.measure,
       m.day,
       round(v.today, 3) AS today,
       round(v.baseline, 3) AS baseline
FROM measured AS m
CROSS JOIN LATERAL (
    VALUES ('share_with_title', m.title_today, m.title_baseline),
           ('share_with_date', m.date_today, m.date_baseline),
           ('share_with_author', m.author_today, m.author_baseline)
) AS v (measure, today, baseline)
WHERE m.articles >= %(drift_min_articles)s
  AND m.baseline_days >= %(drift_min_baseline_days)s
  AND v.today < v.baseline - %(drift_metadata_share_drop)s;
