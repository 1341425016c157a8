-- SimHash version 2 (crawler/simhash.py: each token hashed once, a shingle's hash the XOR of its
-- tokens' hashes; half the CPU of version 1, which hashed every shingle). Fingerprints of the two
-- versions cannot be compared, so the stored ones are cleared here and `newsflow db migrate`
-- recomputes them from articles.body right after (crawler.db.fill_missing_fingerprints), finding
-- them by the partial index below. It stays small afterwards: only a body without a single word
-- has no fingerprint. duplicate_of links found with version 1 are kept: they stay true.
UPDATE articles SET body_simhash = NULL WHERE body_simhash IS NOT NULL;
CREATE INDEX articles_simhash_missing ON articles (id) WHERE body_simhash IS NULL;
