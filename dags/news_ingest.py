"""
# news_ingest

Daily news ingestion: for every enabled source in the sources file, **crawl** new pages with
Scrapy, **load** them (Trafilatura extraction + idempotent upsert into `articles`), then
**check** the run's data quality.

| task | does | on failure |
|---|---|---|
| `list_sources` | reads the sources file, returns the enabled sources' names | retried |
| `source.crawl` | fetches new pages into `raw_pages` (Scrapy in a child process) | retried |
| `source.load` | extracts pending pages, upserts `articles`, counts into `crawl_runs` | retried |
| `source.check` | runs `sql/checks/*.sql` for the run | fails at once: a retry cannot fix data |

`source` is a mapped task group: one instance per source, labelled with the source's name.
Every step is keyed by `(source, run_id)`, so a retry or a re-run adds no duplicate rows.

**Configuration**

- Connection `news_db` (e.g. `AIRFLOW_CONN_NEWS_DB=postgresql://user@%2Fsocket%2Fdir/news`):
  the news database.
- Variable `newsflow_sources` (optional): path of the sources file; default `NEWSFLOW_SOURCES`,
  else the packaged `crawler/sources.yaml`.

Each run's counts: `SELECT * FROM crawl_runs WHERE run_id = '<run_id>'`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow import sdk

# Labels each mapped instance with its source in the UI (instead of 0, 1, 2…).
_SOURCE_LABEL = "{{ task.op_kwargs['source_name'] }}"


@sdk.dag(
    dag_id="news_ingest",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsflow", "ingest"],
    default_args={
        "owner": "newsflow",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,  # 5 min, then 10 min
        "max_retry_delay": timedelta(hours=1),
        "execution_timeout": timedelta(hours=2),  # per task; a stuck crawl is killed, then retried
    },
)
def news_ingest() -> None:
    @sdk.task
    def list_sources() -> list[str]:
        from crawler import airflow_support

        return airflow_support.list_source_names()

    @sdk.task_group(group_id="source")
    def per_source(source_name: str) -> None:
        @sdk.task(map_index_template=_SOURCE_LABEL)
        def crawl(source_name: str) -> dict[str, object]:
            from crawler import airflow_support

            return airflow_support.crawl(source_name, sdk.get_current_context()["run_id"])

        @sdk.task(map_index_template=_SOURCE_LABEL)
        def load(source_name: str) -> dict[str, object]:
            from crawler import airflow_support

            return airflow_support.load(source_name, sdk.get_current_context()["run_id"])

        @sdk.task(map_index_template=_SOURCE_LABEL)
        def check(source_name: str) -> None:
            from crawler import airflow_support

            airflow_support.check(source_name, sdk.get_current_context()["run_id"])

        (
            crawl(source_name=source_name)
            >> load(source_name=source_name)
            >> check(source_name=source_name)
        )

    per_source.expand(source_name=list_sources())


dag = news_ingest()

if __name__ == "__main__":
    dag.test()
