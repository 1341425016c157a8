"""Exceptions raised by newsflow; rejections of single pages are values, not exceptions."""

from __future__ import annotations


class NewsflowError(Exception):
    """Base class of every error newsflow raises on purpose."""


class ConfigError(NewsflowError):
    """Raised by ``config.load_config`` when the environment names something unusable."""


class SourceConfigError(NewsflowError):
    """Raised by ``sources.load_sources`` when the sources file is malformed; names source and key."""


class MigrationError(NewsflowError):
    """Raised by ``crawler.db.migrate`` when a migration fails or an applied one has changed."""


class CrawlError(NewsflowError):
    """Raised by ``run.crawl_source`` when the crawl child process fails as a whole."""


class CheckFailed(NewsflowError):
    """Raised by ``check.run_checks`` callers when data-quality checks return failing rows."""
