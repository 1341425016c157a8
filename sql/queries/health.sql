-- name: read_as_reader
-- The rest of the transaction reads as newsflow_reader (the Sources page sees what a consumer
-- may see), with times in UTC.
SET LOCAL ROLE newsflow_reader;
SET LOCAL TIME ZONE 'UTC';

-- name: source_health
-- Today's UTC date (the last day of each row's articles_per_day), then every source's row of
-- news.source_health.
SELECT (now() AT TIME ZONE 'UTC')::date AS today, h.*
FROM news.source_health AS h
ORDER BY h.source;
