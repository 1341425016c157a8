-- Page labels (crawler/labels.py): what each fetched page is. article, paywall_teaser, listing,
-- consent_wall, js_shell, bot_block, error_page, not_html, too_short and the other rejection
-- reasons. The load step labels stored pages and the crawl labels HTTP error answers. Both count
-- their labels into crawl_runs.labels (migration 0011).

-- The label of a stored page's last extraction; NULL while it waits for one (state 'pending').
ALTER TABLE raw_pages ADD COLUMN label text;
-- Pages extracted before labels existed take the label their outcome implies: articles are
-- 'article' (no teaser was told apart then), rejected pages their reason ('listing_page' is
-- labelled 'listing'). A refetch whose bytes have not changed keeps this label, and the crawl
-- counts it.
UPDATE raw_pages
SET label = CASE WHEN state = 'article' THEN 'article'
                 WHEN reject_reason = 'listing_page' THEN 'listing'
                 ELSE reject_reason END
WHERE state <> 'pending';

-- Articles are 'article' or 'paywall_teaser': a teaser is stored, and a consumer can filter it
-- out.
ALTER TABLE articles
    ADD COLUMN label text NOT NULL DEFAULT 'article'
    CHECK (label IN ('article', 'paywall_teaser'));

-- An HTTP error answer's label: 'bot_block' (a 403, 429 or 503 that carries a challenge) or
-- 'error_page'. NULL for a failure with no answer (a timeout, DNS, a refused connection).
ALTER TABLE fetch_errors ADD COLUMN label text;

-- The consumer views show the label (a column added at the end keeps the views' other columns
-- where they were).
CREATE OR REPLACE VIEW news.articles AS
SELECT a.url,
       a.source,
       a.title,
       a.body,
       a.description,
       a.authors,
       a.published_at,
       a.modified_at,
       a.language,
       a.section,
       a.tags,
       a.image_url,
       a.site_name,
       a.duplicate_of,
       a.revision_count,
       a.first_seen_at,
       a.updated_at,
       a.fetched_at,
       a.label
FROM public.articles AS a;
COMMENT ON VIEW news.articles IS 'Latest version of every article, one row per canonical URL; label paywall_teaser marks the free part of a paywalled one';

CREATE OR REPLACE VIEW news.recent_articles AS
SELECT *
FROM news.articles
WHERE published_at >= now() - interval '7 days'
ORDER BY published_at DESC, url;

-- Pages fetched per UTC day (of the run's start), source and label, over the ingest runs
-- (re-extraction runs label pages again and are not counted): the label mix that the
-- label-share drift check and the Sources page read, as a table.
CREATE VIEW news.page_labels AS
SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day,
       c.source,
       l.label,
       sum(l.pages::integer)::integer AS pages
FROM public.crawl_runs AS c
CROSS JOIN LATERAL jsonb_each_text(c.labels) AS l (label, pages)
WHERE c.kind = 'ingest'
GROUP BY 1, 2, 3;
COMMENT ON VIEW news.page_labels IS 'Pages fetched per UTC day, source and page label (article, paywall_teaser, consent_wall, bot_block, ...)';
