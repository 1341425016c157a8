-- name: upsert_articles
-- Insert new articles, update changed ones (content_hash differs), leave unchanged ones alone.
-- Returns one row per inserted or updated article: inserted = true for new rows.
INSERT INTO articles (url, source, title, body, authors, published_at, modified_at, language,
                      section, tags, image_url, description, site_name, content_hash,
                      fetched_url, fetched_at, run_id)
VALUES %s
ON CONFLICT (url) DO UPDATE
SET source = excluded.source,
    title = excluded.title,
    body = excluded.body,
    authors = excluded.authors,
    published_at = excluded.published_at,
    modified_at = excluded.modified_at,
    language = excluded.language,
    section = excluded.section,
    tags = excluded.tags,
    image_url = excluded.image_url,
    description = excluded.description,
    site_name = excluded.site_name,
    content_hash = excluded.content_hash,
    fetched_url = excluded.fetched_url,
    fetched_at = excluded.fetched_at,
    run_id = excluded.run_id,
    updated_at = now()
WHERE articles.content_hash IS DISTINCT FROM excluded.content_hash
RETURNING url, (xmax = 0) AS inserted;
