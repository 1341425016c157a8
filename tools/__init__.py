"""Development tools (local Airflow, UI screenshots, generated sites and data); not shipped.

Run them from the repository root (``python -m tools.NAME``): cron-descriptor, an Airflow
dependency, installs a top-level ``tools`` package too, and only the working directory (or
pytest's ``pythonpath``) puts this one first on ``sys.path``.
"""
