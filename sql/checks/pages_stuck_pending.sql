-- Pages of this source fetched but still not extracted after the load step: the load lost work.
-- Zero rows = pass.
SELECT url, fetched_at
FROM raw_pages
WHERE source = %(source)s
  AND state = 'pending';
