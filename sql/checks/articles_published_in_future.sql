-- Articles of this run dated more than a day after they were fetched: a wrong time zone or a
-- misparsed date. Zero rows = pass.
SELECT url, published_at, fetched_at
FROM articles
WHERE source = %(source)s
  AND run_id = %(run_id)s
  AND published_at > fetched_at + interval '1 day';
