-- The consumer schema `news`: views over the internal tables (the stable contract documented in
-- sql/README.md), the search function, and indexes for the common access paths.
--
-- The views are plain views (security_invoker = false, the default) owned by the migrating role:
-- they read the internal tables with the owner's rights, so a role granted SELECT on the views
-- (newsflow_reader, 0004_roles.sql) reads them without any right on the tables behind them.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE SCHEMA news;
COMMENT ON SCHEMA news IS 'newsflow consumer interface: stable read-only views and news.search(); see sql/README.md';

-- Indexes -----------------------------------------------------------------------------------------
-- 0001 has articles_source_published (source, published_at DESC) and articles_published
-- (published_at DESC); recent_articles uses the latter.

-- By language (search and counts filtered by language).
CREATE INDEX articles_language_published ON articles (language, published_at DESC);
-- Daily counts: the view's `day` column is this expression, so a range on `day` is an index range.
CREATE INDEX articles_day_source_language
    ON articles (((published_at AT TIME ZONE 'UTC')::date), source, language)
    WHERE published_at IS NOT NULL;
-- Substring search in any script (pg_trgm: CJK characters count as word characters in a
-- UTF-8 ctype such as C.UTF-8). Serves ILIKE '%…%' for queries of 3 or more characters.
CREATE INDEX articles_title_trgm ON articles USING gin (title gin_trgm_ops);
CREATE INDEX articles_body_trgm ON articles USING gin (body gin_trgm_ops);

-- Views -------------------------------------------------------------------------------------------

-- One row per article URL: its latest version (earlier versions are internal: article_revisions).
CREATE VIEW news.articles AS
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
       a.fetched_at
FROM public.articles AS a;
COMMENT ON VIEW news.articles IS 'Latest version of every article, one row per canonical URL';

-- Articles published per UTC day, source and language (undated articles are not counted).
CREATE VIEW news.daily_counts AS
SELECT (a.published_at AT TIME ZONE 'UTC')::date AS day,
       a.source,
       a.language,
       count(*) AS articles
FROM public.articles AS a
WHERE a.published_at IS NOT NULL
GROUP BY 1, 2, 3;
COMMENT ON VIEW news.daily_counts IS 'Articles per UTC publication day, source and language';

-- Articles published in the last 7 days (relative to the time of the query), newest first.
CREATE VIEW news.recent_articles AS
SELECT *
FROM news.articles
WHERE published_at >= now() - interval '7 days'
ORDER BY published_at DESC, url;
COMMENT ON VIEW news.recent_articles IS 'Articles published in the last 7 days, newest first';

-- Stories with duplicates: every article of a story, the story being the article that the
-- duplicate_of links lead to (followed through chains: C -> B -> A puts C in A's story).
CREATE VIEW news.story_duplicates AS
WITH RECURSIVE member (story_url, url, depth) AS (
    SELECT o.url, o.url, 0
    FROM public.articles AS o
    WHERE o.duplicate_of IS NULL
      AND EXISTS (SELECT 1 FROM public.articles AS d WHERE d.duplicate_of = o.url)
    UNION ALL
    SELECT m.story_url, d.url, m.depth + 1
    FROM member AS m
    JOIN public.articles AS d ON d.duplicate_of = m.url
)
SELECT m.story_url,
       s.title AS story_title,
       count(*) OVER (PARTITION BY m.story_url) AS story_size,
       m.url,
       a.source,
       a.title,
       a.language,
       a.published_at,
       m.depth = 0 AS is_original,
       a.duplicate_of
FROM member AS m
JOIN public.articles AS s ON s.url = m.story_url
JOIN public.articles AS a ON a.url = m.url;
COMMENT ON VIEW news.story_duplicates IS 'Near-duplicate articles grouped by story (the article their duplicate_of chain leads to)';

-- Search ------------------------------------------------------------------------------------------
-- Substring search that needs no word segmentation, so Japanese and Chinese work like English.
-- The query is split on white space into terms; an article matches when every term occurs
-- (case-insensitively) in its title or body. The longest term is the index condition
-- (title ILIKE … OR body ILIKE …: a BitmapOr of the two trigram indexes); the other terms are
-- checked on the rows found. Terms shorter than 3 characters have no trigram, so a query made
-- only of 1–2-character terms is answered by scanning (correct, slower).
-- Score: 3 if the whole query occurs in the title, + 1 if it occurs in the body,
-- + pg_trgm word_similarity(query, title) (0–1), + up to 0.5 the earlier the longest term occurs
-- in the body. Ties: newest first.
--
-- SECURITY INVOKER (the default) and STABLE: it reads only news.articles, so it can do nothing
-- its caller could not do with a SELECT. It is PL/pgSQL so that the statement is planned with the
-- actual pattern (EXECUTE … USING), which lets the planner pick the trigram indexes.
CREATE FUNCTION news.search(
    query text,
    lang text DEFAULT NULL,
    since timestamptz DEFAULT NULL,
    lim integer DEFAULT 20
)
RETURNS TABLE (
    url text,
    title text,
    source text,
    language text,
    published_at timestamptz,
    snippet text,
    score real
)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $fn$
DECLARE
    q       text := btrim(regexp_replace(coalesce(query, ''), '\s+', ' ', 'g'));
    terms   text[];
    longest text;
    pattern text;
BEGIN
    IF q = '' OR coalesce(lim, 0) <= 0 THEN
        RETURN;
    END IF;
    terms := string_to_array(q, ' ');
    SELECT t INTO longest FROM unnest(terms) AS t ORDER BY length(t) DESC, t LIMIT 1;
    -- LIKE metacharacters in the query are literal.
    pattern := '%' || replace(replace(replace(longest, '\', '\\'), '%', '\%'), '_', '\_') || '%';
    RETURN QUERY EXECUTE $sql$
        SELECT a.url,
               a.title,
               a.source,
               a.language,
               a.published_at,
               -- ~160 characters around the first occurrence of the longest term (else the
               -- start of the body), on one line, with … where cut.
               CASE WHEN p.start > 1 THEN '…' ELSE '' END
               || translate(substr(a.body, p.start, 160), E'\n\r\t', '   ')
               || CASE WHEN length(a.body) >= p.start + 160 THEN '…' ELSE '' END AS snippet,
               (CASE WHEN strpos(lower(a.title), lower($2)) > 0 THEN 3 ELSE 0 END
                + CASE WHEN strpos(lower(a.body), lower($2)) > 0 THEN 1 ELSE 0 END
                + word_similarity($2, a.title)
                + CASE WHEN p.pos > 0 THEN 0.5 * (1 - least(p.pos, 1000) / 1000.0) ELSE 0 END
               )::real AS score
        FROM news.articles AS a
        CROSS JOIN LATERAL (SELECT strpos(lower(a.body), lower($3)) AS pos) AS p0
        CROSS JOIN LATERAL (SELECT p0.pos, greatest(p0.pos - 40, 1) AS start) AS p
        WHERE (a.title ILIKE $1 OR a.body ILIKE $1)
          AND ($4::text IS NULL OR a.language = $4)
          AND ($5::timestamptz IS NULL OR a.published_at >= $5)
          AND NOT EXISTS (
              SELECT 1 FROM unnest($6::text[]) AS t (term)
              WHERE strpos(lower(a.title), lower(t.term)) = 0
                AND strpos(lower(a.body), lower(t.term)) = 0
          )
        ORDER BY score DESC, a.published_at DESC NULLS LAST, a.url
        LIMIT $7
    $sql$
    USING pattern, q, longest, lang, since, terms, lim;
END
$fn$;
COMMENT ON FUNCTION news.search(text, text, timestamptz, integer) IS
    'Ranked substring search over titles and bodies, any script; see sql/README.md';
-- Functions are executable by PUBLIC by default (and a per-schema default privilege cannot
-- revoke that): only the roles granted in 0004_roles.sql may call it.
REVOKE ALL ON FUNCTION news.search(text, text, timestamptz, integer) FROM PUBLIC;
