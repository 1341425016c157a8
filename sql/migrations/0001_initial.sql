-- Initial schema: sources, crawl runs, raw pages (compressed HTML), articles, fetch errors.

CREATE TABLE sources (
    name            text PRIMARY KEY,
    language        text NOT NULL,
    allowed_domains text[] NOT NULL,
    config          jsonb NOT NULL,             -- the validated entry from the sources file
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per source per run; counts filled by the crawl and the load.
CREATE TABLE crawl_runs (
    id                 bigserial PRIMARY KEY,
    source             text NOT NULL REFERENCES sources (name),
    run_id             text NOT NULL,           -- Airflow run_id, or a generated id for the CLI
    started_at         timestamptz NOT NULL DEFAULT now(),
    crawled_at         timestamptz,             -- when the crawl step finished
    finished_at        timestamptz,             -- when the load step finished
    status             text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'crawled', 'succeeded', 'failed')),
    pages_fetched      integer NOT NULL DEFAULT 0,
    articles_new       integer NOT NULL DEFAULT 0,
    articles_updated   integer NOT NULL DEFAULT 0,
    articles_unchanged integer NOT NULL DEFAULT 0,
    rejected           integer NOT NULL DEFAULT 0,
    errors             integer NOT NULL DEFAULT 0,
    rejected_by_reason jsonb NOT NULL DEFAULT '{}',
    errors_by_class    jsonb NOT NULL DEFAULT '{}',
    crawl_stats        jsonb NOT NULL DEFAULT '{}',  -- Scrapy's stats, for diagnosis
    message            text,
    UNIQUE (source, run_id)
);

-- The last fetched HTML of every article-like URL, kept so articles can be re-extracted offline.
CREATE TABLE raw_pages (
    url            text PRIMARY KEY,               -- normalised fetched URL
    source         text NOT NULL REFERENCES sources (name),
    run_id         text NOT NULL,
    fetched_at     timestamptz NOT NULL,
    http_status    integer NOT NULL,
    content_type   text,
    encoding       text,                            -- charset declared by the HTTP response, if any
    html_gzip      bytea NOT NULL,                  -- gzip-compressed response body
    body_sha256    text NOT NULL,
    state          text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'article', 'rejected')),
    reject_reason  text,
    article_url    text,                            -- canonical URL of the article it produced
    processed_at   timestamptz
);
CREATE INDEX raw_pages_pending ON raw_pages (source) WHERE state = 'pending';

CREATE TABLE articles (
    id             bigserial PRIMARY KEY,
    url            text NOT NULL UNIQUE,            -- canonical URL
    source         text NOT NULL REFERENCES sources (name),
    title          text NOT NULL,
    body           text NOT NULL,
    authors        text[] NOT NULL DEFAULT '{}',
    published_at   timestamptz,
    modified_at    timestamptz,
    language       text,
    section        text,
    tags           text[] NOT NULL DEFAULT '{}',
    image_url      text,
    description    text,
    site_name      text,
    content_hash   text NOT NULL,                   -- sha256 of the extracted fields
    fetched_url    text NOT NULL,                   -- the URL the page was fetched from
    fetched_at     timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    run_id         text NOT NULL                    -- run that last wrote the row
);
CREATE INDEX articles_source_published ON articles (source, published_at DESC);
CREATE INDEX articles_published ON articles (published_at DESC);

-- Failed fetches, one row per URL, kept for diagnosis and retry.
CREATE TABLE fetch_errors (
    url          text PRIMARY KEY,
    source       text NOT NULL REFERENCES sources (name),
    run_id       text NOT NULL,
    http_status  integer,
    error_class  text NOT NULL,                     -- e.g. http_404, timeout, dns, robots
    message      text,
    attempts     integer NOT NULL DEFAULT 1,
    first_try_at timestamptz NOT NULL DEFAULT now(),
    last_try_at  timestamptz NOT NULL DEFAULT now()
);
