-- The data-quality checks (sql/checks/) read the articles of one run: index them by run, so a
-- check costs what the run wrote, not a scan of every article ever stored. The duplicate-rate
-- check looks up bodies identical to the run's by md5(body): index that too (before, it hashed
-- every body in the table on every run).
CREATE INDEX articles_run ON articles (run_id, source);
CREATE INDEX articles_body_md5 ON articles (md5(body));
