-- name: record_check_run
-- The outcome of one run's data-quality checks (crawler.quality.check.record_checks); checking
-- the run again replaces it. The run's start and UTC day come from crawl_runs (the day is that of
-- the check when the run has no crawl_runs row).
INSERT INTO check_runs (source, run_id, run_started_at, day, checked_at, checks, failed, repairable)
SELECT %(source)s, %(run_id)s, c.started_at,
       (coalesce(c.started_at, %(checked_at)s::timestamptz) AT TIME ZONE 'UTC')::date,
       %(checked_at)s, %(checks)s, %(failed)s::jsonb, %(repairable)s
FROM (SELECT 1) AS one
LEFT JOIN crawl_runs AS c ON c.source = %(source)s AND c.run_id = %(run_id)s
ON CONFLICT (source, run_id) DO UPDATE
SET run_started_at = excluded.run_started_at,
    day = excluded.day,
    checked_at = excluded.checked_at,
    checks = excluded.checks,
    failed = excluded.failed,
    repairable = excluded.repairable;

-- name: repairable_check_runs
-- Checked runs of a source (of UTC days from since, if given) whose checks found an alarm that
-- re-extraction can repair: checked again after `newsflow reextract`, oldest first.
SELECT run_id
FROM check_runs
WHERE source = %(source)s
  AND repairable
  AND (%(since)s::date IS NULL OR day >= %(since)s::date)
ORDER BY run_started_at NULLS FIRST, run_id;
