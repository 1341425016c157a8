"""
# news_reextract

Manually triggered: **re-extract** stored articles from their raw HTML, without fetching
anything, after the extraction rules changed. Articles whose extracted content changes keep
their previous version in `article_revisions`; unchanged ones are not written.

| param | meaning |
|---|---|
| `source` | one source's name; empty = every enabled source |
| `since` | only pages fetched on or after this date (`YYYY-MM-DD` or ISO time); empty = all |

Each source's pass is a `crawl_runs` row with run id `reextract__<this run's id>`.

Pages whose stored HTML `news_maintenance` pruned (older than `NEWSFLOW_RAW_HTML_RETENTION_DAYS`)
cannot be re-extracted: they are skipped and keep their article or rejection. How many, per
source: the task log (`skipped N whose HTML was pruned`), the `crawl_runs` message and the
task's XCom (`queued`, `skipped_pruned`).

Configuration as for `news_ingest`: connection `news_db`, Variable `newsflow_sources`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow import sdk

from crawler.tasks.defaults import START_DATE, TAG, default_args, on_failure


@sdk.dag(
    dag_id="news_reextract",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[TAG, "maintenance"],
    on_failure_callback=on_failure,
    params={
        "source": sdk.Param("", type="string", description="source name; empty = all enabled"),
        "since": sdk.Param(
            "", type="string", description="fetched on/after (YYYY-MM-DD); empty = all"
        ),
    },
    # Re-extracts every stored page: a long timeout, and one retry after a fixed delay.
    default_args=default_args(
        execution_timeout=timedelta(hours=6), retries=1, max_retry_delay=None
    ),
)
def news_reextract() -> None:
    @sdk.task
    def reextract() -> list[dict[str, object]]:
        from crawler.reextract import reextract_task

        context = sdk.get_current_context()
        params = context["params"]
        return reextract_task(params["source"] or None, params["since"] or None, context["run_id"])

    reextract()


dag = news_reextract()

if __name__ == "__main__":
    dag.test()
