-- Articles written by this run whose body still holds a headline list: a line that is a known
-- list heading (related / latest / most-read blocks, in the languages we crawl), or six or more
-- consecutive short lines (1-40 characters each: headlines, not paragraphs). Zero rows = pass.
-- Headings match a whole line, case-insensitively, with an optional trailing colon.
SELECT url,
       coalesce(
           'list heading ' || quote_literal((regexp_match(body, headings.pattern, 'in'))[2]),
           'a run of 6+ short lines'
       ) AS leak
FROM articles,
     (SELECT '(^|\n)\s*('
             '最新ニュース|関連記事|関連ニュース|人気記事|おすすめ記事|アクセスランキング|ランキング'
             '|相關新聞|相关新闻|延伸閱讀|延伸阅读|熱門新聞|热门新闻|最新新聞|推薦閱讀|猜你喜欢'
             '|관련기사|관련 기사|많이 본 뉴스|최신 뉴스'
             '|related|related (articles|stories|news|content|topics)|read more|more stories'
             '|most read|most popular|latest news|top stories|you may also like|recommended'
             ')\s*[:：]?\s*(\n|$)' AS pattern) AS headings
WHERE source = %(source)s
  AND run_id = %(run_id)s
  AND (
      body ~* headings.pattern
      OR body ~ '(^|\n)([^\n]{1,40}\n){5}[^\n]{1,40}(\n|$)'
  );
