-- Too many duplicates among the articles written by this run: more than 30 percent of them (counted
-- when the run wrote at least 10) are near-duplicates (duplicate_of set by the load) or have a
-- body identical to another article's. (content_hash covers the URL, so identical bodies are
-- compared by md5(body), indexed.) Zero rows = pass; the row names the source and the rate.
WITH run AS (
    SELECT url, duplicate_of, md5(body) AS body_md5
    FROM articles
    WHERE source = %(source)s AND run_id = %(run_id)s
),
counts AS (
    SELECT count(*) AS articles,
           count(*) FILTER (
               WHERE duplicate_of IS NOT NULL
                  OR EXISTS (
                      SELECT 1
                      FROM articles AS other
                      WHERE md5(other.body) = run.body_md5
                        AND other.url <> run.url
                  )
           ) AS duplicates
    FROM run
)
SELECT 'source ' || %(source)s || ': ' || duplicates || ' of ' || articles
       || ' articles of this run are duplicates (' || round(100.0 * duplicates / articles, 1)
       || ' percent, limit 30)' AS message,
       articles,
       duplicates
FROM counts
WHERE articles >= 10
  AND duplicates > 0.3 * articles;
