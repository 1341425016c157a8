"""
# news_ingest

Daily news ingestion: for every enabled source that is due, **crawl** new pages with Scrapy,
**load** them (Trafilatura extraction + idempotent upsert into `articles`), then **check** the
run's data quality. Each load updates the `articles` asset, which triggers
`news_consumer_refresh`.

| task | does | on failure |
|---|---|---|
| `list_sources` | checks that the news database has every migration of the deployed code (else fails, naming them: run `newsflow db migrate`), reads the sources file, returns the names of the enabled sources due in this run | retried |
| `source.crawl` | fetches the source's new pages into `raw_pages` for the run's data interval (Scrapy in a child process) | retried, backing off |
| `source.load` | extracts pending pages, upserts `articles`, counts into `crawl_runs`; updates the `articles` asset | retried |
| `source.check` | runs `sql/checks/*.sql` for the run | fails at once: a retry cannot fix data |

`source` is a mapped task group: one instance per source, labelled with the source's name in
the grid. A source that fails fails only its own instances; the other sources go on, and the run
ends *failed* so that the failure is seen. Every step is keyed by `(source, run_id)` and loads
are upserts, so a retry, a cleared task or a re-run of the same interval adds no duplicate rows.

## Operating it

- **Rerun one source**: in the grid, select the source's `crawl` instance (labelled with its
  name) → *Clear* with *Downstream*: its crawl, load and check run again; the other sources are
  untouched.
- **Backfill**: `airflow backfill create --dag-id news_ingest --from-date 2026-11-01
  --to-date 2026-11-07 --max-active-runs 2`; each backfill run crawls its own day: the data
  interval is passed to the crawl as `since`/`until`, and feed and sitemap entries dated outside
  it are not fetched (undated ones are). Re-running a day (`--reprocess-behavior completed`, or
  clearing it) is idempotent: known URLs are skipped, articles are upserted by URL.
- **Daily and manual runs** crawl everything not yet stored, whatever its date: after an outage
  the next run catches up by itself (with `catchup=False` Airflow creates no runs for the missed
  days, and an interval-bound crawl would leave them out).
- **Crawl stats**: each `load` log ends with one `newsflow stats source=… fetched=… new=…
  updated=… unchanged=… rejected=… (by reason) errors=… (by class)` line; the same counts are
  in `crawl_runs` (`SELECT * FROM crawl_runs WHERE run_id = '<run_id>'`).
- **A failed check** names the check and shows a few failing rows (or a message naming the
  source, for the volume and duplicate-rate checks) in the `check` log.

## Concurrency: one crawl per site, one load per source

`max_active_runs=1` keeps daily runs from overlapping, but backfill runs may run beside a daily
run. The pool **`newsflow_crawl`** (4 slots when `make airflow` or the Docker `airflow-init`
creates it; resize it under *Admin → Pools*) bounds the crawls running at once, across all runs.
One crawl per site and one load per source at a time are kept by the steps themselves, with
PostgreSQL advisory locks (`crawler/db/locks.py`), so they also hold against `newsflow run` and
`newsflow reextract`: a step that finds its lock held logs who holds it and waits up to 30 min,
then fails and is retried.

## Per-source schedules

The DAG runs daily, each run over the UTC day before it: data interval [D, D+1), started at
D+1 00:00. A source with a `schedule` key (a cron expression, UTC) in the sources file
is crawled only in runs whose data interval holds one of its times, e.g. `schedule: "0 6 * * 1"`
for Mondays (in a backfill, its window then starts at its previous time, covering its whole
period).
A manual trigger (no data interval) crawls every enabled source.

## Configuration

- Connection `news_db` (e.g. `AIRFLOW_CONN_NEWS_DB=postgresql://user@%2Fsocket%2Fdir/news`).
- Variable `newsflow_sources` (optional): path of the sources file; default `NEWSFLOW_SOURCES`,
  else the packaged `crawler/sources.yaml`.
- `NEWSFLOW_ALERT_WEBHOOK` (optional): failures are POSTed there as JSON (one line in `text`).
"""

from __future__ import annotations

from datetime import timedelta

from airflow import sdk

from crawler.tasks.defaults import (
    ARTICLES_ASSET,
    CRAWL_POOL,
    START_DATE,
    TAG,
    default_args,
    on_failure,
)

# The `articles` table; dags/news_consumer_refresh.py is scheduled on it.
ARTICLES = sdk.Asset(**ARTICLES_ASSET)
# Labels each mapped instance with its source in the UI (instead of 0, 1, 2…).
_SOURCE_LABEL = "{{ task.op_kwargs['source_name'] }}"


@sdk.dag(
    dag_id="news_ingest",
    # Daily runs over real intervals [day, next day), UTC. (A plain "@daily" is a trigger
    # timetable in Airflow 3: its data interval has zero length, useless as a crawl window.)
    schedule=sdk.CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=[TAG, "ingest"],
    on_failure_callback=on_failure,
    # Per task: a stuck crawl is killed, then retried.
    default_args=default_args(execution_timeout=timedelta(hours=2)),
)
def news_ingest() -> None:
    @sdk.task
    def list_sources() -> list[str]:
        from crawler.tasks import ingest

        context = sdk.get_current_context()
        return ingest.list_source_names(
            context.get("data_interval_start"), context.get("data_interval_end")
        )

    @sdk.task_group(group_id="source")
    def per_source(source_name: str) -> None:
        @sdk.task(map_index_template=_SOURCE_LABEL, pool=CRAWL_POOL)
        def crawl(source_name: str) -> dict[str, object]:
            from crawler.tasks import ingest

            context = sdk.get_current_context()
            return ingest.crawl(
                source_name,
                context["run_id"],
                data_interval_start=context.get("data_interval_start"),
                data_interval_end=context.get("data_interval_end"),
                backfill=context["dag_run"].run_type == "backfill",
                dag_id=context["dag"].dag_id,
                map_index=context["ti"].map_index,
            )

        @sdk.task(map_index_template=_SOURCE_LABEL, outlets=[ARTICLES])
        def load(source_name: str) -> dict[str, object]:
            from crawler.tasks import ingest

            context = sdk.get_current_context()
            counts = ingest.load(source_name, context["run_id"])
            context["outlet_events"][ARTICLES].extra = {
                key: counts[key] for key in ("source", "run_id", "articles_new", "articles_updated")
            }
            return counts

        @sdk.task(map_index_template=_SOURCE_LABEL)
        def check(source_name: str) -> None:
            from crawler.tasks import ingest

            ingest.check(source_name, sdk.get_current_context()["run_id"])

        (
            crawl(source_name=source_name)
            >> load(source_name=source_name)
            >> check(source_name=source_name)
        )

    per_source.expand(source_name=list_sources())


dag = news_ingest()

if __name__ == "__main__":
    dag.test()
