-- name: upsert_articles
-- Insert new articles; for changed ones (content_hash differs) first copy the stored version
-- into article_revisions, then overwrite it and count the revision; leave unchanged ones alone.
-- A stored article is overwritten only by the page it was stored from or by the page at its URL
-- (crawler.load.articles decides which page writes an article; this guards against a race):
-- another page whose canonical link names it never takes it over.
-- Returns one row per inserted or updated article: inserted = true for new rows.
WITH incoming (url, source, title, body, authors, published_at, modified_at, language, section,
               tags, image_url, description, site_name, content_hash, fetched_url, fetched_at,
               run_id, body_simhash, label) AS (
    VALUES %s
),
superseded AS (
    INSERT INTO article_revisions (article_url, revision, title, body, authors, published_at,
                                   modified_at, content_hash, fetched_at, superseded_at, run_id)
    SELECT a.url, a.revision_count, a.title, a.body, a.authors, a.published_at, a.modified_at,
           a.content_hash, a.fetched_at, i.fetched_at, a.run_id
    FROM incoming AS i
    JOIN articles AS a ON a.url = i.url
    WHERE a.content_hash IS DISTINCT FROM i.content_hash
      AND (a.fetched_url = i.fetched_url OR i.fetched_url = i.url)
    ON CONFLICT (article_url, revision) DO NOTHING
)
INSERT INTO articles (url, source, title, body, authors, published_at, modified_at, language,
                      section, tags, image_url, description, site_name, content_hash,
                      fetched_url, fetched_at, run_id, body_simhash, label)
SELECT * FROM incoming
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
    body_simhash = excluded.body_simhash,
    label = excluded.label,
    revision_count = articles.revision_count + 1,
    updated_at = now()
WHERE articles.content_hash IS DISTINCT FROM excluded.content_hash
  AND (articles.fetched_url = excluded.fetched_url OR excluded.fetched_url = excluded.url)
RETURNING url, (xmax = 0) AS inserted;

-- name: stored_articles
-- Of the given (canonical) URLs, the stored articles: the page each was stored from, and its
-- content_hash. A page may write an article only if it is that page or the page at its URL.
SELECT url, fetched_url, content_hash
FROM articles
WHERE url = ANY(%(urls)s);

-- name: link_near_duplicates
-- For the given (new or changed) articles: duplicate_of = the root of the earliest-stored other
-- article whose body SimHash is within Hamming distance %(max_distance)s and which was first seen
-- at most %(window_days)s days before it (NULL when there is none). Candidates are found by the
-- five 13/12-bit bands (indexed with first_seen_at, sql/migrations/0007: any two fingerprints
-- within 4 bits share one), so the distance must be at most 4; only earlier articles count, so links
-- never form a cycle. Returns the articles whose link changed.
WITH RECURSIVE m AS MATERIALIZED (  -- once per article: inlined, the lookup would run twice
    SELECT p.url,
           (SELECT a.url
            FROM articles AS a
            WHERE a.body_simhash IS NOT NULL
              AND ((a.body_simhash & 8191) = (p.body_simhash & 8191)
                OR ((a.body_simhash >> 13) & 8191) = ((p.body_simhash >> 13) & 8191)
                OR ((a.body_simhash >> 26) & 8191) = ((p.body_simhash >> 26) & 8191)
                OR ((a.body_simhash >> 39) & 8191) = ((p.body_simhash >> 39) & 8191)
                OR ((a.body_simhash >> 52) & 4095) = ((p.body_simhash >> 52) & 4095))
              AND bit_count((a.body_simhash # p.body_simhash)::bit(64)) <= %(max_distance)s
              AND (a.first_seen_at, a.id) < (p.first_seen_at, p.id)
              AND a.first_seen_at >= p.first_seen_at - %(window_days)s * interval '1 day'
            ORDER BY a.first_seen_at, a.id
            LIMIT 1) AS nearest
    FROM articles AS p
    WHERE p.url = ANY(%(urls)s) AND p.body_simhash IS NOT NULL
),
-- The earliest near article may be one of these, whose own link this statement sets (its stored
-- duplicate_of is not that yet): follow such links to the last (each goes to an earlier article).
hops (url, hop, depth) AS (
    SELECT url, nearest, 0 FROM m WHERE nearest IS NOT NULL
    UNION ALL
    SELECT h.url, m.nearest, h.depth + 1
    FROM hops AS h
    JOIN m ON m.url = h.hop
    WHERE m.nearest IS NOT NULL
),
last_hop AS (
    SELECT DISTINCT ON (url) url, hop FROM hops ORDER BY url, depth DESC
),
linked AS (  -- a last hop among these is a root; another is stored with its root's link
    SELECT m.url,
           CASE WHEN l.hop IN (SELECT url FROM m) THEN l.hop
                ELSE coalesce(a.duplicate_of, a.url) END AS original
    FROM m
    LEFT JOIN last_hop AS l ON l.url = m.url
    LEFT JOIN articles AS a ON a.url = l.hop
)
UPDATE articles AS t
SET duplicate_of = linked.original
FROM linked
WHERE t.url = linked.url AND t.duplicate_of IS DISTINCT FROM linked.original
RETURNING t.url, t.duplicate_of;

-- name: leak_suspects
-- Articles of one run that newsflow_leak_reason marks, with the reason (for the eval's report of
-- the checks on gold articles; the articles_boilerplate_leak check judges the rate).
SELECT url, newsflow_leak_reason(body) AS reason
FROM articles
WHERE source = %(source)s
  AND run_id = %(run_id)s
  AND newsflow_leak_reason(body) IS NOT NULL
ORDER BY url;
