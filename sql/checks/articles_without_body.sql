-- Articles written by this run with an empty title or a body too short to be an article: under
-- 12 units, counted as the extractor counts them (a CJK character or another word; its
-- MIN_BRIEF_UNITS), so a two-sentence brief in any language passes. Zero rows = pass.
SELECT url, title, body_units
FROM (
    SELECT url,
           title,
           regexp_count(body, cjk) + regexp_count(regexp_replace(body, cjk, ' ', 'g'),
                                                  '[^[:space:][:punct:]]+') AS body_units
    FROM articles,
         (SELECT '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff'
                 '\u3130-\u318f\uac00-\ud7af]' AS cjk) AS pattern
    WHERE source = %(source)s
      AND run_id = %(run_id)s
) AS run
WHERE btrim(title) = '' OR body_units < 12;
