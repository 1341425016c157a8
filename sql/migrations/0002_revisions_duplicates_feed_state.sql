-- Revisions of changed articles, near-duplicate links, and conditional-request state of
-- discovery URLs (feeds and sitemaps).

ALTER TABLE articles
    ADD COLUMN revision_count integer NOT NULL DEFAULT 1,  -- 1 + rows in article_revisions
    ADD COLUMN body_simhash   bigint,                       -- 64-bit SimHash of the body (signed)
    ADD COLUMN duplicate_of   text REFERENCES articles (url) ON UPDATE CASCADE ON DELETE SET NULL;
CREATE INDEX articles_duplicate_of ON articles (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Earlier versions of an article, written when a revisit finds changed content.
CREATE TABLE article_revisions (
    id            bigserial PRIMARY KEY,
    article_url   text NOT NULL REFERENCES articles (url) ON UPDATE CASCADE ON DELETE CASCADE,
    revision      integer NOT NULL,                 -- 1 = the first version stored
    title         text NOT NULL,
    body          text NOT NULL,
    authors       text[] NOT NULL DEFAULT '{}',
    published_at  timestamptz,
    modified_at   timestamptz,
    content_hash  text NOT NULL,
    fetched_at    timestamptz NOT NULL,
    superseded_at timestamptz NOT NULL,             -- when the next version replaced it
    run_id        text NOT NULL,                    -- run that wrote this version
    UNIQUE (article_url, revision)
);

-- Validators of the last response of each feed or sitemap, for If-None-Match/If-Modified-Since.
CREATE TABLE discovery_state (
    url            text PRIMARY KEY,
    source         text NOT NULL REFERENCES sources (name),
    etag           text,
    last_modified  text,
    last_status    integer,
    last_fetched_at timestamptz NOT NULL
);
