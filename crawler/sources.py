"""Sources file: a YAML ``sources:`` list, validated strictly into :class:`Source` records.

Every error names the source and the key, e.g. ``source 'nhk': key 'feeds': expected a list of URLs``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.errors import SourceConfigError

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_LANG_RE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
)


@dataclass(frozen=True, slots=True)
class DriftThresholds:
    """When a source's day counts as drifting from its own baseline: the drift checks
    (``sql/checks/drift_*.sql``) compare the articles first seen on a run's UTC day with those of
    the ``baseline_days`` before it. The ``drift`` key of a source sets any of these (defaults and
    meaning: docs/how_to_add_a_source.md)."""

    enabled: bool = True
    baseline_days: int = 30
    min_baseline_days: int = 7  # days with articles (with runs, for articles per day) needed
    min_articles: int = 10  # on the day checked (shares, medians); as a daily baseline (volume)
    body_length_min_ratio: float = 0.5  # median body length below this × the baseline's
    body_length_max_ratio: float = 2.0  # … or above this × the baseline's
    metadata_share_drop: float = 0.3  # share with a title, date, author down by more than this
    articles_per_day_min_ratio: float = 0.4  # new articles below this × the daily median
    leak_rate_max_rise: float = 0.1  # share of bodies with a leak up by more than this
    label_share_max_rise: float = 0.1  # share of pages with a label (not `article`) up by more


@dataclass(frozen=True, slots=True)
class Source:
    """One news site to crawl, as declared in the sources file."""

    name: str
    language: str
    allowed_domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    article_url_pattern: str | None = None
    timezone: str | None = None  # zone of dates printed without an offset (extract.py)
    # Bounds of one crawl; None: the defaults of crawler/fetch/settings.py (NEWSFLOW_MAX_ARTICLES,
    # NEWSFLOW_MAX_DISCOVERED, CLOSESPIDER_TIMEOUT, MEMUSAGE_LIMIT_MB).
    max_articles: int | None = None  # article requests per run
    max_discovered: int | None = None  # distinct candidate URLs read from discovery per run
    max_crawl_seconds: float | None = None  # the crawl's duration
    max_memory_mb: int | None = None  # the crawl process's peak memory (RSS)
    follow_depth: int = 1  # listing pages: how many "next page" hops beyond start_urls
    download_delay: float | None = None  # seconds between requests to this site (settings.py: 0.25)
    concurrency: int | None = None  # concurrent requests to this site (settings.py: 4)
    revisit_hours: float | None = None  # refetch stored articles younger than this, once per run
    download_timeout: float | None = (
        None  # seconds per request (settings.DOWNLOAD_TIMEOUT if unset)
    )
    # Fetch hosts in private, loopback or link-local ranges (never, unless set: see middlewares.py).
    allow_private_networks: bool = False
    # Cron expression (UTC): the daily Airflow DAG crawls the source only in runs whose data
    # interval holds one of its times (crawler.tasks.schedules.due); unset = every run.
    schedule: str | None = None
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    enabled: bool = True

    def is_article_url(self, url: str) -> bool:
        """True if ``url`` is on an allowed domain and matches ``article_url_pattern``."""
        host = (urlsplit(url).hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            return False
        # re caches compiled patterns, so this stays cheap per call.
        return re.search(self.article_url_pattern or "", url) is not None

    @property
    def entry_points(self) -> tuple[str, ...]:
        """All configured discovery URLs."""
        return self.feeds + self.sitemaps + self.start_urls


# key -> (validator, description used in messages)
def _url_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of URLs")
    for v in value:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {v!r}")
    return tuple(value)


def _domains(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a non-empty list of domain names")
    out = []
    for v in value:
        d = v.strip().lower()
        if not _DOMAIN_RE.match(d):
            raise ValueError(f"not a domain name (no scheme, port or path): {v!r}")
        out.append(d)
    return tuple(out)


def _pattern(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a regular expression string")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    return value


def _language(value: Any) -> str:
    if not isinstance(value, str) or not _LANG_RE.match(value):
        raise ValueError("expected an ISO 639-1 code such as 'ja' or 'zh-TW'")
    return value


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str):
        raise ValueError("expected an IANA zone name such as 'Asia/Tokyo'")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _number(*, integer: bool, minimum: float, strict: bool, expected: str) -> Callable[[Any], Any]:
    """A validator of numbers (ints, or ints and floats) at least ``minimum`` (above it if
    ``strict``); booleans are refused although Python counts them as ints."""
    kinds = int if integer else int | float

    def check(value: Any) -> Any:
        wrong_type = isinstance(value, bool) or not isinstance(value, kinds)
        if wrong_type or value < minimum or (strict and value == minimum):
            raise ValueError(f"expected {expected}")
        return value if integer else float(value)

    return check


_positive_int = _number(integer=True, minimum=0, strict=False, expected="a non-negative integer")
_positive_number = _number(integer=False, minimum=0, strict=False, expected="a non-negative number")
_int_at_least_one = _number(
    integer=True, minimum=1, strict=False, expected="an integer of at least 1"
)
_number_above_zero = _number(integer=False, minimum=0, strict=True, expected="a number above 0")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _cron(value: Any) -> str:
    from croniter import croniter

    if not isinstance(value, str) or not croniter.is_valid(value):
        raise ValueError(f"expected a cron expression such as '0 6 * * 1', got {value!r}")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError("expected a number above 0 and at most 1")
    return float(value)


def _at_least_one(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise ValueError("expected a number of at least 1")
    return float(value)


_DRIFT_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "enabled": _boolean,
    "baseline_days": _int_at_least_one,
    "min_baseline_days": _int_at_least_one,
    "min_articles": _int_at_least_one,
    "body_length_min_ratio": _fraction,
    "body_length_max_ratio": _at_least_one,
    "metadata_share_drop": _fraction,
    "articles_per_day_min_ratio": _fraction,
    "leak_rate_max_rise": _fraction,
    "label_share_max_rise": _fraction,
}


def _drift(value: Any) -> DriftThresholds:
    """The ``drift`` mapping; errors name the inner key (``drift.min_articles: …``)."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of thresholds, got {value!r}")
    values = {}
    for key, item in value.items():
        if key not in _DRIFT_VALIDATORS:
            known = ", ".join(_DRIFT_VALIDATORS)
            raise ValueError(f"unknown key drift.{key} (known: {known})")
        try:
            values[key] = _DRIFT_VALIDATORS[key](item)
        except ValueError as exc:
            raise ValueError(f"drift.{key}: {exc}") from None
    drift = DriftThresholds(**values)
    if drift.min_baseline_days > drift.baseline_days:
        raise ValueError(
            f"drift.min_baseline_days ({drift.min_baseline_days}) exceeds"
            f" drift.baseline_days ({drift.baseline_days})"
        )
    return drift


_VALIDATORS = {
    "name": None,  # checked separately: it names the source in every message
    "language": _language,
    "allowed_domains": _domains,
    "feeds": _url_list,
    "sitemaps": _url_list,
    "start_urls": _url_list,
    "article_url_pattern": _pattern,
    "timezone": _timezone,
    "max_articles": _positive_int,
    "max_discovered": _int_at_least_one,
    "max_crawl_seconds": _number_above_zero,
    "max_memory_mb": _int_at_least_one,
    "follow_depth": _positive_int,
    "download_delay": _positive_number,
    "concurrency": _int_at_least_one,  # 0 would let Scrapy download nothing, for ever
    "revisit_hours": _positive_number,
    "download_timeout": _number_above_zero,  # 0 would time every request out at once
    "allow_private_networks": _boolean,
    "schedule": _cron,
    "drift": _drift,
    "enabled": _boolean,
}
_REQUIRED = ("name", "language", "allowed_domains")
# `language: no` (Norwegian) or `name: off` reach us as False: YAML 1.1 reads those words so.
_YAML_BOOLEAN = "YAML read it as true/false (yes, no, on, off are booleans there): quote it"


def parse_source(entry: Any, position: int) -> Source:
    """Validate one entry of the ``sources:`` list."""
    if not isinstance(entry, dict):
        raise SourceConfigError(f"source #{position}: expected a mapping of keys, got {entry!r}")
    name = entry.get("name")
    if isinstance(name, bool):
        raise SourceConfigError(f"source #{position}: key 'name': {_YAML_BOOLEAN}")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise SourceConfigError(
            f"source #{position}: key 'name': expected lowercase letters, digits, '-' or '_', got {name!r}"
        )
    for key in entry:
        if key not in _VALIDATORS:
            known = ", ".join(sorted(_VALIDATORS))
            raise SourceConfigError(f"source {name!r}: unknown key {key!r} (known keys: {known})")
    for key in _REQUIRED:
        if key not in entry:
            raise SourceConfigError(f"source {name!r}: missing required key {key!r}")
    values: dict[str, Any] = {"name": name}
    for key, value in entry.items():
        validator = _VALIDATORS[key]
        if validator is None:
            continue
        if isinstance(value, bool) and validator is not _boolean:
            raise SourceConfigError(f"source {name!r}: key {key!r}: {_YAML_BOOLEAN}")
        try:
            values[key] = validator(value)
        except ValueError as exc:
            raise SourceConfigError(f"source {name!r}: key {key!r}: {exc}") from None
    source = Source(**values)
    if not source.entry_points:
        raise SourceConfigError(
            f"source {name!r}: key 'feeds'/'sitemaps'/'start_urls': at least one discovery URL is needed"
        )
    for url in source.entry_points:
        host = (urlsplit(url).hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in source.allowed_domains):
            raise SourceConfigError(
                f"source {name!r}: key 'allowed_domains': {url!r} is not on an allowed domain"
            )
    return source


def parse_sources(data: Any, origin: str = "<sources>") -> list[Source]:
    """Validate a whole parsed sources document."""
    if not isinstance(data, dict) or set(data) != {"sources"}:
        raise SourceConfigError(f"{origin}: expected one top-level key 'sources' holding a list")
    entries = data["sources"]
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{origin}: key 'sources': expected a non-empty list")
    sources = [parse_source(entry, i + 1) for i, entry in enumerate(entries)]
    seen: set[str] = set()
    for s in sources:
        if s.name in seen:
            raise SourceConfigError(f"source {s.name!r}: key 'name': defined twice in {origin}")
        seen.add(s.name)
    return sources


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"{path}: cannot read sources file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(data, str(path))


def select_sources(sources: list[Source], names: list[str] | None) -> list[Source]:
    """The enabled sources, or exactly the named ones (unknown names are an error)."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SourceConfigError(
            f"unknown source(s): {', '.join(unknown)}; known: {', '.join(by_name)}"
        )
    return [by_name[n] for n in names]
