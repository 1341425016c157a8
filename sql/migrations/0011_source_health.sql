-- Source health: where each article was discovered (provenance), the outcome of every run's
-- data-quality checks, and the `news` views that the Sources page of Airflow's UI and a coverage
-- audit read (sql/README.md).

-- Provenance ------------------------------------------------------------------------------------

-- Every (URL, channel) pair discovery ever listed: feeds (RSS and Atom), news sitemaps (entries
-- with <news:news>), other sitemaps, listing pages. Only article URLs (Source.is_article_url) are
-- recorded, fetched or not (known, over max_articles, outside a backfill window), so a URL found
-- by a second channel in a later run still counts for that channel. The first row of a pair is
-- kept: discovered_at is when that channel first listed it.
CREATE TABLE url_discoveries (
    url           text NOT NULL,                   -- normalised URL as discovered (raw_pages.url)
    channel       text NOT NULL CHECK (channel IN ('feed', 'sitemap', 'news_sitemap', 'listing')),
    source        text NOT NULL REFERENCES sources (name),
    run_id        text NOT NULL,                   -- run that first saw the pair
    discovered_at timestamptz NOT NULL,
    PRIMARY KEY (url, channel)
);
-- Stored pages by the article they produced: an article's provenance is that of every URL that
-- led to it (a feed's tracking URL and a sitemap's canonical one both end in one article).
CREATE INDEX raw_pages_article_url ON raw_pages (article_url) WHERE article_url IS NOT NULL;

-- Runs ------------------------------------------------------------------------------------------

ALTER TABLE crawl_runs
    -- 'reextract' for the runs of `newsflow reextract` (run id reextract__…), else 'ingest'.
    ADD COLUMN kind text NOT NULL DEFAULT 'ingest' CHECK (kind IN ('ingest', 'reextract')),
    -- The Airflow task instance that crawled it (news_ingest's mapped `source` group); NULL for
    -- runs of the command line. Links the Sources page to the run's task instances.
    ADD COLUMN dag_id text,
    ADD COLUMN map_index integer,
    -- Fetched pages per page label ({"article": 120, "consent_wall": 3, …}); '{}' until the crawl
    -- labels pages. Read by the label-share drift check and shown on the Sources page.
    ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';
UPDATE crawl_runs SET kind = 'reextract' WHERE run_id LIKE 'reextract\_\_%';
-- One source's runs, newest first: its last run, last success, articles per day.
CREATE INDEX crawl_runs_source_started ON crawl_runs (source, started_at);

-- Articles first seen on a day, per source: the drift checks' "today" and 30-day baseline.
CREATE INDEX articles_source_first_seen ON articles (source, first_seen_at);

-- The outcome of the data-quality checks (sql/checks/) of each checked run: written by the check
-- step, rewritten when `newsflow reextract` checks a repaired run again.
CREATE TABLE check_runs (
    source         text NOT NULL REFERENCES sources (name),
    run_id         text NOT NULL,
    run_started_at timestamptz,                     -- crawl_runs.started_at of the run
    day            date NOT NULL,                   -- its UTC day: the drift checks' "today"
    checked_at     timestamptz NOT NULL,
    checks         integer NOT NULL,                -- how many checks ran
    failed         jsonb NOT NULL DEFAULT '[]',     -- [{check, failing, repairable, sample: [{column: value}]}]
    -- Some failed check is one that re-extraction can repair (crawler.quality.check).
    repairable     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (source, run_id)
);
-- A source's latest checked run (news.source_health's order: one index row, no sort).
CREATE INDEX check_runs_source_started
    ON check_runs (source, run_started_at DESC NULLS LAST, checked_at DESC);

-- Views -----------------------------------------------------------------------------------------

-- Where each article was found: the channels that listed it (under any URL that led to it), the
-- first one and when. Articles stored before migration 0011 have no row.
CREATE VIEW news.article_discovery AS
SELECT a.url,
       a.source,
       p.first_channel,
       p.first_discovered_at,
       p.channels
FROM public.articles AS a
JOIN LATERAL (
    SELECT (array_agg(d.channel ORDER BY d.discovered_at, d.channel))[1] AS first_channel,
           min(d.discovered_at) AS first_discovered_at,
           array_agg(DISTINCT d.channel ORDER BY d.channel) AS channels
    FROM public.url_discoveries AS d
    WHERE d.url = ANY (array_append(
        ARRAY(SELECT r.url FROM public.raw_pages AS r WHERE r.article_url = a.url), a.url
    ))
    HAVING count(*) > 0
) AS p ON true;
COMMENT ON VIEW news.article_discovery IS 'Discovery channels of each article, the first one and when';

-- The coverage audit: per UTC day of first discovery, source and channel, the articles the
-- channel found, those it found first, and those no other channel found.
CREATE VIEW news.discovery_coverage AS
SELECT (p.first_discovered_at AT TIME ZONE 'UTC')::date AS day,
       p.source,
       c.channel,
       count(*) AS articles,
       count(*) FILTER (WHERE c.channel = p.first_channel) AS found_first,
       count(*) FILTER (WHERE cardinality(p.channels) = 1) AS found_only_here
FROM news.article_discovery AS p
CROSS JOIN LATERAL unnest(p.channels) AS c (channel)
GROUP BY 1, 2, 3;
COMMENT ON VIEW news.discovery_coverage IS 'Articles per day, source and discovery channel: found, found first, found only there';

-- One row per source for the Sources page (crawler.quality.health): its last ingest run, last
-- success, new articles per UTC day over the 30 days ending today, the checks failing in its last
-- checked run, and the days of the last 30 whose latest check found an alarm that re-extraction
-- can repair. Each part is an index lookup on (source, started_at).
CREATE VIEW news.source_health AS
WITH today AS (
    SELECT (now() AT TIME ZONE 'UTC')::date AS day
)
SELECT s.name AS source,
       coalesce((s.config ->> 'enabled')::boolean, true) AS enabled,
       lr.run_id AS last_run_id,
       lr.status AS last_run_status,
       lr.started_at AS last_run_started_at,
       lr.finished_at AS last_run_finished_at,
       lr.message AS last_run_message,
       lr.errors AS last_run_errors,
       lr.errors_by_class AS last_run_errors_by_class,
       lr.labels AS last_run_labels,
       lr.dag_id AS last_run_dag_id,
       lr.map_index AS last_run_map_index,
       ls.finished_at AS last_success_at,
       apd.articles AS articles_per_day,
       lc.run_id AS checked_run_id,
       lc.checked_at,
       coalesce(lc.failed, '[]') AS failing_checks,
       coalesce(ad.days, '{}') AS repairable_alarm_days
FROM public.sources AS s
CROSS JOIN today AS t
LEFT JOIN LATERAL (
    SELECT c.run_id, c.status, c.started_at, c.finished_at, c.message, c.errors,
           c.errors_by_class, c.labels, c.dag_id, c.map_index
    FROM public.crawl_runs AS c
    WHERE c.source = s.name AND c.kind = 'ingest'
    ORDER BY c.started_at DESC
    LIMIT 1
) AS lr ON true
LEFT JOIN LATERAL (
    SELECT c.finished_at
    FROM public.crawl_runs AS c
    WHERE c.source = s.name AND c.kind = 'ingest' AND c.status = 'succeeded'
    ORDER BY c.started_at DESC
    LIMIT 1
) AS ls ON true
CROSS JOIN LATERAL (
    SELECT array_agg(coalesce(n.articles, 0)::integer ORDER BY g.day) AS articles
    FROM generate_series(0, 29) AS i
    CROSS JOIN LATERAL (SELECT t.day - 29 + i AS day) AS g
    LEFT JOIN (
        SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day, sum(c.articles_new) AS articles
        FROM public.crawl_runs AS c
        WHERE c.source = s.name AND c.kind = 'ingest'
          AND c.started_at >= (t.day - 29)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1
    ) AS n ON n.day = g.day
) AS apd
LEFT JOIN LATERAL (
    SELECT k.run_id, k.checked_at, k.failed
    FROM public.check_runs AS k
    WHERE k.source = s.name
    ORDER BY k.run_started_at DESC NULLS LAST, k.checked_at DESC
    LIMIT 1
) AS lc ON true
LEFT JOIN LATERAL (
    SELECT array_agg(d.day ORDER BY d.day) AS days
    FROM (
        SELECT DISTINCT ON (k.day) k.day, k.repairable
        FROM public.check_runs AS k
        WHERE k.source = s.name
          AND k.run_started_at >= (t.day - 29)::timestamp AT TIME ZONE 'UTC'
        ORDER BY k.day, k.run_started_at DESC, k.checked_at DESC
    ) AS d
    WHERE d.repairable
) AS ad ON true;
COMMENT ON VIEW news.source_health IS 'One row per source: last run, last success, articles per day, failing checks (the Sources page)';
