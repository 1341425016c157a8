-- Why an article body looks like it still holds a headline list, or NULL: a line that is a known
-- list heading (related / latest / most-read blocks, in the languages we crawl) over at least
-- three more short lines, or eight headline-like lines in a row (10 to 100 characters, none
-- ending like a sentence). One article's verdict; the articles_boilerplate_leak check judges a
-- source on the share of its articles that have one, and `newsflow eval --checks` lists the gold
-- articles that have one. Headings match a whole line, case-insensitively, with an optional colon.
CREATE FUNCTION newsflow_leak_reason(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
    WHEN heading IS NOT NULL THEN 'list heading ' || quote_literal(heading[2])
    WHEN body ~ ('(^|\n)(' || line || '\n){7}' || line || '(\n|$)')
        THEN 'eight headline-like lines in a row'
END
FROM (
    SELECT regexp_match(
               body,
               '(^|\n)\s*('
               '最新ニュース|関連記事|関連ニュース|人気記事|おすすめ記事|アクセスランキング|ランキング'
               '|相關新聞|相关新闻|延伸閱讀|延伸阅读|熱門新聞|热门新闻|最新新聞|推薦閱讀|推荐阅读|猜你喜欢'
               '|관련기사|관련 기사|많이 본 뉴스|최신 뉴스'
               '|related|related (articles|stories|news|content|topics)|read more|more stories'
               '|most read|most popular|latest news|top stories|you may also like|recommended'
               '|mehr zum thema|meistgelesen|lesen sie auch|à lire aussi|lo más leído'
               ')\s*[:：]?\s*\n([^\n]{1,100}\n){2}[^\n]{1,100}(\n|$)',
               'i'
           ) AS heading,
           -- 10 to 100 characters, the last not a sentence's end
           '[^\n]{9,99}[^\n.!?。．！？…」』"”’)）:：]' AS line
) AS patterns
$$;

-- The pipeline runs the checks as newsflow_writer; the reader has no use for it (0010).
REVOKE ALL ON FUNCTION newsflow_leak_reason(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION newsflow_leak_reason(text) TO newsflow_writer;
