-- Stored pages are zstd frames from now on (crawler/compression.py); rows stored before keep
-- their gzip stream, told apart by its magic number. The column is renamed for what it holds.
ALTER TABLE raw_pages RENAME COLUMN html_gzip TO html_compressed;

-- The value is compressed already: PostgreSQL's own TOAST compression would only spend CPU
-- finding that out, so store it out of line as it is.
ALTER TABLE raw_pages ALTER COLUMN html_compressed SET STORAGE EXTERNAL;

COMMENT ON COLUMN raw_pages.html_compressed IS
    'response body: a zstd frame (gzip for rows stored before migration 0006); empty = pruned';

-- The load reads pending pages of one source in URL order (sql/queries/pages.sql,
-- pending_pages): index exactly that, or the planner may walk the whole table by primary key.
DROP INDEX raw_pages_pending;
CREATE INDEX raw_pages_pending ON raw_pages (source, url) WHERE state = 'pending';
