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
-- bookkeeping (tests of the consumer views only; the pipeline uses upsert_articles).
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
