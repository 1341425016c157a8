"""
# news_consumer_refresh

Keeps the consumer schema `news` fresh: runs whenever the `articles` asset is updated (each
source's `load` in `news_ingest` updates it) and refreshes every **materialized view** of schema
`news` (found in `pg_matviews`, so a view added by a migration is picked up without touching
this DAG). Plain views need nothing.

| task | does | on failure |
|---|---|---|
| `refresh_materialized_views` | `REFRESH MATERIALIZED VIEW CONCURRENTLY` each view (readers never wait); a plain `REFRESH` where PostgreSQL refuses the concurrent form (no unique index, or never populated), logged with the reason; logs when there is no materialized view at all | retried, backing off |

## Operating it

- Updates that arrive while a refresh runs are merged into the next run (`max_active_runs=1`):
  there is at most one refresh running and one waiting.
- To refresh by hand, press *Trigger*; the run's log lists each view and how it was refreshed.
- The asset's events (one per source load, with `source`, `run_id`, new and updated counts) are
  under *Assets → articles*.
"""

from __future__ import annotations

from datetime import timedelta

from airflow import sdk

from crawler.tasks.defaults import ARTICLES_ASSET, START_DATE, TAG, default_args, on_failure

# The `articles` table, which each load of dags/news_ingest.py updates.
ARTICLES = sdk.Asset(**ARTICLES_ASSET)


@sdk.dag(
    dag_id="news_consumer_refresh",
    schedule=[ARTICLES],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[TAG, "consumer"],
    on_failure_callback=on_failure,
    # A refresh is short: a shorter timeout and shorter retry delays than the other DAGs.
    default_args=default_args(
        execution_timeout=timedelta(minutes=30),
        retry_delay=timedelta(minutes=2),
        max_retry_delay=timedelta(minutes=30),
    ),
)
def news_consumer_refresh() -> None:
    @sdk.task
    def refresh_materialized_views() -> list[str]:
        from crawler.tasks import housekeeping

        return housekeeping.refresh_consumer_views()

    refresh_materialized_views()


dag = news_consumer_refresh()

if __name__ == "__main__":
    dag.test()
