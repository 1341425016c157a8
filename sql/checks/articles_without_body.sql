-- Articles written by this run with an empty title or a body too short to be an article.
-- Zero rows = pass. (CJK text counts characters; 80 is far below any real article.)
SELECT url, title, length(body) AS body_chars
FROM articles
WHERE source = %(source)s
  AND run_id = %(run_id)s
  AND (btrim(title) = '' OR length(btrim(body)) < 80);
