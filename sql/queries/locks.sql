-- name: try_advisory_lock
-- Take a session-level advisory lock (crawl of a domain, load of a source) without waiting; true if taken.
SELECT pg_try_advisory_lock(%(namespace)s, %(key)s);

-- name: advisory_lock_holder
-- Who holds an advisory lock (for the line of a waiting run).
SELECT a.pid, a.application_name, a.backend_start
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory'
  AND l.granted
  AND l.classid::bigint = (%(namespace)s::bigint & 4294967295)
  AND l.objid::bigint = (%(key)s::bigint & 4294967295)
  AND l.objsubid = 2;
