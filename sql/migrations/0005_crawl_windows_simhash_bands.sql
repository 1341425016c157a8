-- Backfill windows of discovery validators, and banded lookup of near-duplicate bodies.

-- The listing-date window of the crawl that stored these validators (NULL = unbounded).
-- A conditional request is only safe when that window covered the one now asked for:
-- a 304 means "nothing new since then", and what fell outside the window then was skipped.
ALTER TABLE discovery_state
    ADD COLUMN window_since timestamptz,
    ADD COLUMN window_until timestamptz;

-- SimHash bands: two 64-bit fingerprints within Hamming distance 3 agree exactly on at least
-- one of four 16-bit bands (pigeonhole), so each band is an equality lookup.
CREATE INDEX articles_simhash_band0 ON articles (((body_simhash >> 48) & 65535)) WHERE body_simhash IS NOT NULL;
CREATE INDEX articles_simhash_band1 ON articles (((body_simhash >> 32) & 65535)) WHERE body_simhash IS NOT NULL;
CREATE INDEX articles_simhash_band2 ON articles (((body_simhash >> 16) & 65535)) WHERE body_simhash IS NOT NULL;
CREATE INDEX articles_simhash_band3 ON articles ((body_simhash & 65535)) WHERE body_simhash IS NOT NULL;

-- Re-extraction selects stored pages by source and fetch time.
CREATE INDEX raw_pages_source_fetched ON raw_pages (source, fetched_at);
