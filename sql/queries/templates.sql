-- name: template_pages
-- How many of a source's pages its template statistics counted (no row: none yet).
SELECT pages FROM template_sources WHERE source = %(source)s;

-- name: template_lines
-- A source's counted lines: hash, pages it was on, the source's page count when first seen.
SELECT line_hash, pages, first_page FROM template_lines WHERE source = %(source)s;

-- name: count_template_lines
-- Store a source's statistics after a write: its page count and the lines whose counts changed
-- (parallel arrays; the values are the load's running totals, so a retried write is harmless).
WITH counted AS (
    INSERT INTO template_sources AS s (source, pages, updated_at)
    VALUES (%(source)s, %(pages)s, %(seen_at)s)
    ON CONFLICT (source) DO UPDATE SET pages = excluded.pages, updated_at = excluded.updated_at
)
INSERT INTO template_lines AS t (source, line_hash, pages, first_page, last_seen)
SELECT %(source)s, h, n, f, %(seen_at)s
FROM unnest(%(hashes)s::bigint[], %(counts)s::integer[], %(firsts)s::bigint[]) AS u (h, n, f)
ON CONFLICT (source, line_hash) DO UPDATE
SET pages = excluded.pages, first_page = excluded.first_page, last_seen = excluded.last_seen;

-- name: prune_template_lines
-- Keep a source's statistics small: forget the lines not seen since a time, those far below the
-- template share after enough pages (an article's quote, a story's shared line), and those past
-- a number of lines of highest share (the most recently seen first among equals).
DELETE FROM template_lines AS t
WHERE t.source = %(source)s
  AND (
    t.last_seen < %(seen_after)s
    OR (%(pages)s - t.first_page >= %(rare_after_pages)s
        AND t.pages < %(rare_share)s * (%(pages)s - t.first_page))
    OR t.line_hash IN (
        SELECT line_hash
        FROM template_lines
        WHERE source = %(source)s
        ORDER BY pages::float8 / GREATEST(%(pages)s - first_page, 1) DESC, last_seen DESC
        OFFSET %(keep)s
    )
  );
