-- name: known_urls
-- Of the given URLs (one batch of a crawl's candidates), those of a source already fetched, less
-- those due for a revisit (articles published, or first seen when undated, within revisit_hours
-- of as_of: not the last fetch, which every revisit moves), and whether each is a stored article
-- (not a rejected page, nor one still waiting for extraction).
SELECT r.url, r.state = 'article' AS is_article
FROM raw_pages AS r
LEFT JOIN articles AS a ON a.url = r.article_url
WHERE r.url = ANY(%(urls)s::text[])
  AND r.source = %(source)s
  AND NOT (
      %(revisit_hours)s::float8 IS NOT NULL
      AND r.state = 'article'
      AND coalesce(a.published_at, a.first_seen_at, r.fetched_at) > %(as_of)s - %(revisit_hours)s::float8 * interval '1 hour'
  );

-- name: upsert_raw_pages
-- Store fetched pages (compressed HTML); a refetched page whose bytes changed (or whose stored
-- HTML was pruned) is queued for extraction again, its label cleared until then.
INSERT INTO raw_pages (url, source, run_id, fetched_at, http_status, content_type, encoding,
                       html_compressed, body_sha256, state, reject_reason, processed_at)
VALUES %s
ON CONFLICT (url) DO UPDATE
SET source = excluded.source,
    run_id = excluded.run_id,
    fetched_at = excluded.fetched_at,
    http_status = excluded.http_status,
    content_type = excluded.content_type,
    encoding = excluded.encoding,
    html_compressed = excluded.html_compressed,
    body_sha256 = excluded.body_sha256,
    state = excluded.state,
    reject_reason = excluded.reject_reason,
    processed_at = excluded.processed_at,
    label = NULL;

-- name: stored_pages
-- Of the given URLs, those already in raw_pages, with the sha256 of their bytes, their declared
-- encoding, their state, their label and whether their HTML is still stored (not pruned). A
-- refetch with the same bytes and encoding as a page already extracted keeps that outcome (and
-- label) instead of being extracted again; URLs not listed here are new and are stored with
-- copy_new_pages (crawler.fetch.store.store_pages).
SELECT url, body_sha256, encoding, state, label, octet_length(html_compressed) > 0 AS html_kept
FROM raw_pages
WHERE url = ANY(%(urls)s);

-- name: copy_new_pages
-- Store pages whose URL is not in raw_pages yet, in binary COPY format
-- (crawler.binary_copy: the compressed HTML travels as bytes, not as a hex literal). A URL stored
-- in the meantime by another crawl makes it fail; the caller then upserts the rows instead.
COPY raw_pages (url, source, run_id, fetched_at, http_status, content_type, encoding,
                html_compressed, body_sha256, state, reject_reason)
FROM STDIN WITH (FORMAT binary);

-- name: touch_unchanged_pages
-- Refetched pages whose bytes had not changed: only when, by which run and with which status they
-- were fetched; the stored HTML, state and outcome stay.
UPDATE raw_pages AS r
SET fetched_at = v.fetched_at, run_id = v.run_id, http_status = v.http_status
FROM (VALUES %s) AS v (url, fetched_at, run_id, http_status)
WHERE r.url = v.url;

-- name: clear_fetch_errors
-- A URL fetched successfully has no error any more.
DELETE FROM fetch_errors WHERE url = ANY(%(urls)s);

-- name: upsert_fetch_errors
-- Record failed fetches, counting attempts (requests, retries included) per URL across runs; an
-- HTTP error answer has its page label (bot_block, error_page).
INSERT INTO fetch_errors (url, source, run_id, http_status, error_class, message, first_try_at,
                          last_try_at, attempts, label)
VALUES %s
ON CONFLICT (url) DO UPDATE
SET run_id = excluded.run_id,
    http_status = excluded.http_status,
    error_class = excluded.error_class,
    message = excluded.message,
    attempts = fetch_errors.attempts + excluded.attempts,
    last_try_at = excluded.last_try_at,
    label = excluded.label;

-- name: pending_pages
-- The next batch of fetched pages of a source waiting for extraction (keyset pagination by URL),
-- leaving out the pages the load has already claimed (read, being extracted or written).
SELECT url, html_compressed, encoding, reject_reason
FROM raw_pages
WHERE source = %(source)s AND state = 'pending' AND url > %(after)s
  AND url <> ALL(%(claimed)s::text[])
ORDER BY url
LIMIT %(limit)s;

-- name: mark_pages
-- Record the outcome of extraction for a batch of pages:
-- (url, state, reject_reason, article_url, label).
UPDATE raw_pages AS r
SET state = v.state, reject_reason = v.reject_reason, article_url = v.article_url,
    label = v.label, processed_at = now()
FROM (VALUES %s) AS v (url, state, reject_reason, article_url, label)
WHERE r.url = v.url;

-- name: raw_page
-- One stored page, for re-extraction and inspection.
SELECT url, source, html_compressed, encoding, fetched_at FROM raw_pages WHERE url = %(url)s;

-- name: revisit_urls
-- Stored article URLs of a source due for a revisit at as_of (published, or first seen when
-- undated, within revisit_hours): requested directly, whether or not a listing still names them.
SELECT r.url
FROM raw_pages AS r
LEFT JOIN articles AS a ON a.url = r.article_url
WHERE r.source = %(source)s
  AND %(revisit_hours)s::float8 IS NOT NULL
  AND r.state = 'article'
  AND coalesce(a.published_at, a.first_seen_at, r.fetched_at) > %(as_of)s - %(revisit_hours)s::float8 * interval '1 hour'
ORDER BY r.url;

-- name: discovery_validators
-- ETag / Last-Modified of a source's feeds and sitemaps whose last complete fetch covered the
-- window [since, until) now asked for (NULL bounds = unbounded).
SELECT url, etag, last_modified
FROM discovery_state
WHERE source = %(source)s
  AND (etag IS NOT NULL OR last_modified IS NOT NULL)
  AND (window_since IS NULL OR window_since <= %(since)s::timestamptz)
  AND (window_until IS NULL OR window_until >= %(until)s::timestamptz);

-- name: upsert_discovery_state
-- Validators of feed and sitemap responses of a finished crawl: (url, source, etag,
-- last_modified, last_status, last_fetched_at, window_since, window_until).
INSERT INTO discovery_state (url, source, etag, last_modified, last_status, last_fetched_at,
                             window_since, window_until)
VALUES %s
ON CONFLICT (url) DO UPDATE
SET source = excluded.source,
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    last_status = excluded.last_status,
    last_fetched_at = excluded.last_fetched_at,
    window_since = excluded.window_since,
    window_until = excluded.window_until;

-- name: requeue_pages
-- Re-extraction: queue a source's stored pages (fetched since a time) for extraction again.
-- Pages stored without a body (not_html) stay as they are, and so do pages whose HTML
-- news_maintenance pruned (html_compressed emptied: nothing to extract, so their state, rejection and
-- article are kept). Returns the pages queued and the pruned pages skipped.
WITH stored AS (
    SELECT url, octet_length(html_compressed) > 0 AS has_html
    FROM raw_pages
    WHERE source = %(source)s
      AND (%(since)s::timestamptz IS NULL OR fetched_at >= %(since)s::timestamptz)
      AND reject_reason IS DISTINCT FROM 'not_html'
      AND state <> 'pending'
), queued AS (
    UPDATE raw_pages AS r
    SET state = 'pending', reject_reason = NULL, label = NULL, processed_at = NULL
    FROM stored AS s
    WHERE r.url = s.url AND s.has_html
    RETURNING r.url
)
SELECT (SELECT count(*) FROM queued) AS queued,
       (SELECT count(*) FROM stored WHERE NOT has_html) AS skipped_pruned;

-- name: retry_urls
-- Article URLs of a source whose last fetch failed, fewer than max_attempts times: requested
-- again directly, since the feed or sitemap that named them may now answer 304 and name nothing.
SELECT url
FROM fetch_errors
WHERE source = %(source)s
  AND attempts < %(max_attempts)s
ORDER BY last_try_at, url;

-- name: insert_url_discoveries
-- The article URLs discovery channels listed (arrays of equal length: url, channel, time); a
-- (URL, channel) pair already recorded keeps its first run and time.
INSERT INTO url_discoveries (url, channel, source, run_id, discovered_at)
SELECT d.url, d.channel, %(source)s, %(run_id)s, d.discovered_at
FROM unnest(%(urls)s::text[], %(channels)s::text[], %(discovered_at)s::timestamptz[])
     AS d (url, channel, discovered_at)
ON CONFLICT (url, channel) DO NOTHING;
