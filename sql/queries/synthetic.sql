-- name: generate_synthetic_articles
-- Fill sources and articles with %(n)s generated rows (tests and benchmarks only): 5 sources,
-- Japanese, Chinese and English titles and bodies, one article every 10 minutes back from %(now)s.
-- Each body has 4 of its language's 8 common sentences; one article in 997 also has a rare one.
WITH src AS (
    INSERT INTO sources (name, language, allowed_domains, config)
    SELECT 'synthetic-' || s, (ARRAY['ja', 'zh', 'en'])[1 + mod(s, 3)], ARRAY['example.com'], '{}'
    FROM generate_series(0, 4) AS s
    ON CONFLICT (name) DO NOTHING
    RETURNING name
), phrase (lang, rare, words) AS (
    VALUES
    ('ja', '量子暗号通信の実証実験が始まった。', ARRAY['米中貿易交渉が再び停滞している。', '日銀は政策金利を据え置いた。',
                 '東京都心で記録的な大雨となった。', '半導体の輸出が過去最高を更新した。',
                 '京都市の宿泊税引き上げ案が可決された。', '大阪湾に新しいフェリー航路ができる。',
                 '全国の空き家が過去最多となった。', '政府は次世代半導体の支援策を決めた。']),
    ('zh', '量子加密通信试验正式启动。', ARRAY['深圳电动车出口大幅增长。', '台北捷运环状线北段动工。', '中美贸易谈判再度陷入僵局。',
                 '央行维持利率不变。', '半导体出口创历史新高。', '上海港集装箱吞吐量上升。',
                 '北京发布新的空气质量报告。', '广州举办国际汽车展览会。']),
    ('en', 'A quantum encrypted link trial began. ', ARRAY['The central bank held interest rates steady. ', 'Trade talks between the two countries stalled. ',
                 'The harbour bridge reopened after repairs. ', 'City council approved the budget vote. ',
                 'A coral reef survey found widespread bleaching. ', 'Marathon results surprised the organisers. ',
                 'Heat pump subsidies were expanded in Berlin. ', 'Chip investment reached a record high. '])
), gen AS (
    SELECT i, (ARRAY['ja', 'zh', 'en'])[1 + mod(i, 3)] AS lang FROM generate_series(1, %(n)s) AS i
)
INSERT INTO articles (url, source, title, body, published_at, language, content_hash,
                      fetched_url, fetched_at, run_id)
SELECT 'https://example.com/' || g.lang || '/' || g.i,
       'synthetic-' || mod(g.i, 5),
       p.words[1 + mod(g.i, 8)] || ' #' || g.i,
       p.words[1 + mod(g.i * 7, 8)] || p.words[1 + mod(g.i * 3 + 1, 8)] || p.words[1 + mod(g.i * 5 + 2, 8)]
           || p.words[1 + mod(g.i / 8, 8)] || CASE WHEN mod(g.i, 997) = 0 THEN p.rare ELSE '' END
           || ' ' || g.i,
       %(now)s::timestamptz - g.i * interval '10 minutes',
       g.lang,
       md5(g.i::text),
       'https://example.com/' || g.lang || '/' || g.i,
       %(now)s::timestamptz,
       'synthetic'
FROM gen AS g
JOIN phrase AS p ON p.lang = g.lang
CROSS JOIN (SELECT count(*) FROM src) AS wait_for_sources;

-- name: put_articles
-- Insert or overwrite articles as given, bypassing the pipeline's revision and duplicate
-- bookkeeping (tests of the consumer views, and the eval's gold articles in a scratch database:
-- crawler.quality.alarms; the pipeline uses upsert_articles).
INSERT INTO articles (url, source, title, body, authors, published_at, modified_at, language,
                      section, tags, image_url, description, site_name, content_hash,
                      fetched_url, fetched_at, run_id)
VALUES %s
ON CONFLICT (url) DO UPDATE
SET title = excluded.title,
    body = excluded.body,
    published_at = excluded.published_at,
    language = excluded.language,
    content_hash = excluded.content_hash,
    updated_at = now();

-- name: generate_synthetic_raw_pages
-- Fill raw_pages with %(n)s pages of source %(source)s already extracted (benchmarks only): URLs
-- %(prefix)s || i || %(suffix)s for i from %(first)s, stored as articles without their HTML.
INSERT INTO raw_pages (url, source, run_id, fetched_at, http_status, content_type,
                       html_compressed, body_sha256, state, processed_at)
SELECT %(prefix)s || i || %(suffix)s, %(source)s, 'synthetic', %(now)s, 200, 'text/html',
       ''::bytea, md5(i::text), 'article', %(now)s
FROM generate_series(%(first)s::bigint, %(first)s::bigint + %(n)s - 1) AS i;

-- name: generate_health_history
-- Source health history (the Sources page's benchmark and screenshot only): %(sources)s sources
-- named %(prefix)s0001…, each with one ingest run a day for the %(days)s days up to %(now)s and
-- the outcome of its checks. About one run in 47 fails at the crawl (DNS errors; today: source 2's)
-- and one checked run in 23 fails a repairable check (leak rate; today: source 4's); new articles
-- vary from 20 to 49 a day.
WITH src AS (
    INSERT INTO sources (name, language, allowed_domains, config)
    SELECT %(prefix)s || lpad(s::text, 4, '0'), 'en', ARRAY['example.com'], '{}'
    FROM generate_series(1, %(sources)s) AS s
    ON CONFLICT (name) DO NOTHING
    RETURNING name
), numbered AS (
    SELECT name, row_number() OVER (ORDER BY name) AS s FROM src
), plan AS (
    SELECT n.name, n.s, d.n AS day_n,
           date_trunc('day', %(now)s::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
               - d.n * interval '1 day' AS day,
           mod(n.s * 7 + d.n, 47) = 14 AS crawl_failed,
           mod(n.s * 3 + d.n, 23) = 12 AS leaked,
           20 + mod(n.s * 13 + d.n * 7, 30) AS articles
    FROM numbered AS n
    CROSS JOIN generate_series(0, %(days)s - 1) AS d (n)
), runs AS (
    INSERT INTO crawl_runs (source, run_id, kind, started_at, crawled_at, finished_at, status,
                            pages_fetched, articles_new, errors, errors_by_class, labels, dag_id,
                            map_index, message)
    SELECT p.name,
           'scheduled__' || to_char(p.day AT TIME ZONE 'UTC', 'YYYY-MM-DD') || 'T00:00:00+00:00',
           'ingest',
           p.day + interval '5 minutes',
           p.day + interval '15 minutes',
           CASE WHEN NOT p.crawl_failed THEN p.day + interval '20 minutes' END,
           CASE WHEN p.crawl_failed THEN 'failed' ELSE 'succeeded' END,
           CASE WHEN p.crawl_failed THEN 0 ELSE p.articles + 5 END,
           CASE WHEN p.crawl_failed THEN 0 ELSE p.articles END,
           CASE WHEN p.crawl_failed THEN 6 ELSE mod(p.day_n, 3) END,
           CASE WHEN p.crawl_failed THEN '{"dns": 6}'::jsonb
                WHEN mod(p.day_n, 3) > 0 THEN jsonb_build_object('http_404', mod(p.day_n, 3))
                ELSE '{}'::jsonb END,
           CASE WHEN p.crawl_failed THEN '{}'::jsonb
                ELSE jsonb_build_object('article', p.articles, 'listing', 3) END,
           'news_ingest',
           p.s - 1,
           CASE WHEN p.crawl_failed
                THEN 'source ' || quote_literal(p.name) || ': no feed, sitemap or listing answered' END
    FROM plan AS p
    RETURNING source, run_id, started_at, status
)
INSERT INTO check_runs (source, run_id, run_started_at, day, checked_at, checks, failed, repairable)
SELECT r.source, r.run_id, r.started_at, (r.started_at AT TIME ZONE 'UTC')::date,
       r.started_at + interval '30 minutes', 16,
       CASE WHEN p.leaked THEN jsonb_build_array(jsonb_build_object(
           'check', 'drift_leak_rate', 'failing', 1, 'repairable', true,
           'sample', jsonb_build_array(jsonb_build_object(
               'message', 'source ' || r.source || ' on ' || (r.started_at AT TIME ZONE 'UTC')::date
                   || ': leak rate 38.0 percent (40 articles), baseline 1.2 percent (30 days before)',
               'measure', 'leak_rate', 'today', 0.38, 'baseline', 0.012))))
            ELSE '[]'::jsonb END,
       p.leaked
FROM runs AS r
JOIN plan AS p
  ON p.name = r.source AND p.day + interval '5 minutes' = r.started_at
WHERE r.status = 'succeeded';

-- name: delete_health_history
-- Remove what generate_health_history made for a prefix (so that it can be made again, up to a
-- new date): those sources' checks, runs and the sources. Their names start with %(prefix)s.
WITH gone_checks AS (
    DELETE FROM check_runs WHERE starts_with(source, %(prefix)s)
), gone_runs AS (
    DELETE FROM crawl_runs WHERE starts_with(source, %(prefix)s)
)
DELETE FROM sources
WHERE starts_with(name, %(prefix)s)
  AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.source = sources.name);
