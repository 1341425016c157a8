"""What the Airflow DAGs run, kept out of the DAG files so that those stay wiring only.

- :mod:`~crawler.tasks.defaults`: what the DAG files share (default_args, failure callback, crawl
  pool, asset, connection and Variable names); standard library only.
- :mod:`~crawler.tasks.ingest`: news_ingest's task bodies (list sources, crawl, load, check).
- :mod:`~crawler.tasks.housekeeping`: news_maintenance and news_consumer_refresh.
- :mod:`~crawler.tasks.schedules`: which sources a run is due to crawl, over which window.
- :mod:`~crawler.tasks.connections`: the news database and sources file through Airflow.
- :mod:`~crawler.tasks.alerts`: the failure alert (log line, webhook).

This file imports nothing: the DAG files import :mod:`crawler.tasks.defaults` at top level, and
the DAG processor must not load the task bodies' dependencies to parse them.
"""
