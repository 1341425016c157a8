"""Exceptions raised by newsflow; rejections of single pages are values, not exceptions."""

from __future__ import annotations


class NewsflowError(Exception):
    """Base class of every error newsflow raises on purpose."""


class ConfigError(NewsflowError):
    """Raised by ``config.load_config`` when the environment names something unusable."""


class SourceConfigError(NewsflowError):
    """Raised by ``sources.load_sources`` when the sources file is malformed; names source and key."""


class DatabaseUnreachable(NewsflowError):
    """Raised by ``crawler.db.check_reachable`` when no session can be opened on the database."""


class MigrationError(NewsflowError):
    """Raised by ``crawler.db.migrate`` when a migration fails or an applied one has changed."""


class CrawlError(NewsflowError):
    """Raised by the crawl step when the crawl fails as a whole (its child process, or the
    database it records into)."""


class LoadError(NewsflowError):
    """Raised by the load step when the load fails as a whole (the database went away, say);
    its pages stay pending for the next load."""


class CheckFailed(NewsflowError):
    """Raised by ``check.run_checks`` callers when data-quality checks return failing rows."""
