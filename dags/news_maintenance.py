"""
# news_maintenance

Daily housekeeping of the news database.

| task | does | on failure |
|---|---|---|
| `prune` | drops the stored HTML of processed pages fetched more than `NEWSFLOW_RAW_HTML_RETENTION_DAYS` (default 90) days before the run's data interval end; deletes `fetch_errors` rows last tried more than `NEWSFLOW_FETCH_ERRORS_RETENTION_DAYS` (default 30) days before it | retried |
| `analyze` | `ANALYZE` of the pipeline's tables, so the planner knows about the day's rows | retried |

**What pruning keeps.** `raw_pages` rows are never deleted: a row marks its URL as already
fetched, and without it the next crawl would fetch again every old article still listed in a
sitemap. Only `html_compressed` is emptied (an empty value means "pruned"); such a page cannot be
re-extracted offline (`news_reextract` skips it). Pages still `pending` keep their HTML. The
space is reused by PostgreSQL after autovacuum; no `VACUUM FULL` is run (it locks the table).

## Operating it

- The cutoffs are relative to the run's data interval, so a re-run or a backfill of an old day
  prunes exactly what that day would have pruned; running it twice changes nothing more.
- Retention is set in the environment of the Airflow workers (see the two variables above).
- Figures of each run: the `prune` log line, or its XCom (`raw_html_pruned`,
  `fetch_errors_deleted`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow import sdk

from crawler.tasks.defaults import START_DATE, TAG, default_args, on_failure


@sdk.dag(
    dag_id="news_maintenance",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[TAG, "maintenance"],
    on_failure_callback=on_failure,
    default_args=default_args(execution_timeout=timedelta(hours=1)),
)
def news_maintenance() -> None:
    @sdk.task
    def prune() -> dict[str, int]:
        from crawler.tasks import housekeeping

        context = sdk.get_current_context()
        # The data interval's end, not the wall clock: re-runs and backfills prune the same rows.
        as_of = context.get("data_interval_end") or context.get("logical_date")
        return housekeeping.prune(as_of or datetime.now(UTC))

    @sdk.task
    def analyze() -> list[str]:
        from crawler.tasks import housekeeping

        return housekeeping.analyze_tables()

    prune() >> analyze()


dag = news_maintenance()

if __name__ == "__main__":
    dag.test()
