-- name: daily_counts_between
-- Articles per UTC day, source and language for days in [start, end) (a consumer's typical query).
SELECT day, source, language, articles
FROM news.daily_counts
WHERE day >= %(start)s AND day < %(end)s
ORDER BY day, source, language;

-- name: recent_articles
-- The last 7 days' articles, newest first (a consumer's typical query).
SELECT url, title, source, language, published_at
FROM news.recent_articles;

-- name: search_articles
-- Ranked search over titles and bodies (news.search; lang, since and lim may be NULL / default).
SELECT url, title, source, language, published_at, snippet, score
FROM news.search(%(query)s, %(lang)s, %(since)s, coalesce(%(lim)s, 20));
