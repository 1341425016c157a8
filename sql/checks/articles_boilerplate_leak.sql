-- Articles written by this run whose body still holds a headline list: a line that is a known
-- list heading (related / latest / most-read blocks, in the languages we crawl), or six or more
-- consecutive short lines (1-40 characters each: headlines, not paragraphs). The two patterns
-- are parameters (crawler.quality.check.LEAK_PATTERNS); drift_leak_rate.sql counts leaks the
-- same way. Zero rows = pass.
SELECT url,
       coalesce(
           'list heading ' || quote_literal((regexp_match(body, %(leak_heading_pattern)s, 'in'))[2]),
           'a run of 6+ short lines'
       ) AS leak
FROM articles
WHERE source = %(source)s
  AND run_id = %(run_id)s
  AND (body ~* %(leak_heading_pattern)s OR body ~ %(leak_short_lines_pattern)s);
