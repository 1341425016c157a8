-- name: start_crawl_run
-- Open (or reopen, on a retry) the row of one source's run, with the Airflow task instance
-- running it (dag_id, map_index; NULL from the command line).
INSERT INTO crawl_runs (source, run_id, started_at, status, dag_id, map_index)
VALUES (%(source)s, %(run_id)s, %(started_at)s, 'running', %(dag_id)s, %(map_index)s)
ON CONFLICT (source, run_id) DO UPDATE
SET started_at = excluded.started_at, status = 'running', message = NULL, finished_at = NULL,
    dag_id = excluded.dag_id, map_index = excluded.map_index;

-- name: finish_crawl
-- Record the crawl step's counts.
UPDATE crawl_runs
SET status = %(status)s,
    crawled_at = %(crawled_at)s,
    pages_fetched = %(pages_fetched)s,
    errors = %(errors)s,
    errors_by_class = %(errors_by_class)s,
    crawl_stats = %(crawl_stats)s,
    message = %(message)s,
    -- pages the crawl labelled itself: HTTP error answers, and refetched pages whose bytes had
    -- not changed (their stored label); the load step adds the labels of the pages it extracts
    labels = %(labels)s,
    -- the load step adds to these; stored articles skipped as known, and revisited ones whose
    -- bytes had not changed, count as unchanged (known rejected pages do not: they are in
    -- crawl_stats, newsflow/known_skipped and newsflow/unchanged_pages/rejected)
    articles_new = 0,
    articles_updated = 0,
    articles_unchanged = %(articles_unchanged)s,
    rejected = 0,
    rejected_by_reason = '{}'
WHERE source = %(source)s AND run_id = %(run_id)s;

-- name: lock_crawl_run
-- The load step's current counts, locked while it adds its own.
SELECT articles_new, articles_updated, articles_unchanged, rejected, rejected_by_reason, labels
FROM crawl_runs
WHERE source = %(source)s AND run_id = %(run_id)s
FOR UPDATE;

-- name: finish_load
-- Record the load step's counts (added to those of an earlier attempt of the same run).
-- A run whose crawl failed stays failed (the CLI loads what a failed crawl stored); one whose
-- earlier load failed (fail_load set finished_at) succeeds now that a load has finished.
UPDATE crawl_runs
SET status = CASE WHEN status = 'failed' AND finished_at IS NULL THEN 'failed'
                  ELSE 'succeeded' END,
    message = CASE WHEN status = 'failed' AND finished_at IS NOT NULL THEN NULL ELSE message END,
    finished_at = %(finished_at)s,
    articles_new = %(articles_new)s,
    articles_updated = %(articles_updated)s,
    articles_unchanged = %(articles_unchanged)s,
    rejected = %(rejected)s,
    rejected_by_reason = %(rejected_by_reason)s,
    labels = %(labels)s
WHERE source = %(source)s AND run_id = %(run_id)s;

-- name: get_crawl_run
-- One source's run with all its counts.
SELECT source, run_id, status, pages_fetched, articles_new, articles_updated, articles_unchanged,
       rejected, errors, rejected_by_reason, errors_by_class, message, labels
FROM crawl_runs
WHERE source = %(source)s AND run_id = %(run_id)s;

-- name: start_reextract_run
-- Open the row of a re-extraction run: nothing to crawl, so it starts as 'crawled'.
INSERT INTO crawl_runs (source, run_id, kind, started_at, crawled_at, status, message)
VALUES (%(source)s, %(run_id)s, 'reextract', %(started_at)s, %(started_at)s, 'crawled', %(message)s)
ON CONFLICT (source, run_id) DO UPDATE
SET started_at = excluded.started_at, crawled_at = excluded.crawled_at, status = 'crawled',
    message = excluded.message;

-- name: fail_load
-- The load failed as a whole (the database went away, say): the run is finished as failed with
-- the reason, never left running; its pages stay pending for the next load. A failed crawl is
-- recorded by finish_crawl instead (finished_at stays NULL: no load has finished).
UPDATE crawl_runs
SET status = 'failed', finished_at = %(finished_at)s, message = %(message)s
WHERE source = %(source)s AND run_id = %(run_id)s;
