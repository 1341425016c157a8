-- Headline lists left in the bodies of this run's articles, judged on the source's rate: fails
-- when at least 3 of the run's articles, and more than a quarter of them, have a leak reason
-- (newsflow_leak_reason: a list heading over short lines, or eight headline-like lines in a row).
-- A template that leaks does so on most of a source's pages; one article with a bullet list or
-- a cast list is no alarm. Zero rows = pass; the row names the source, the rate and examples.
WITH run AS (
    SELECT url, newsflow_leak_reason(body) AS reason
    FROM articles
    WHERE source = %(source)s AND run_id = %(run_id)s
),
counts AS (
    SELECT count(*) AS articles,
           count(reason) AS suspects,
           (array_agg(url || ' (' || reason || ')' ORDER BY url)
               FILTER (WHERE reason IS NOT NULL))[1:3] AS examples
    FROM run
)
SELECT 'source ' || %(source)s || ': ' || suspects || ' of ' || articles
       || ' articles of this run hold a headline list (' || round(100.0 * suspects / articles, 1)
       || ' percent, limit 25), e.g. ' || array_to_string(examples, '; ') AS message,
       articles,
       suspects
FROM counts
WHERE suspects >= 3
  AND suspects > 0.25 * articles;
