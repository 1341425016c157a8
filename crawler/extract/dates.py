"""Dates written by pages and feeds → ``datetime``, and the zone of dates given without one.

One parser for every date string the crawler reads: metadata, ``<time>`` and htmldate values of
pages (:mod:`crawler.extract.metadata`) and feed and sitemap dates (:mod:`crawler.fetch.discover`).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.extract import rules

LOGGER = logging.getLogger(__name__)

_MAX_DATE_CHARS = 100
# "2024-10-15T09:30:00+09:00", "2024/10/15 09:30 +0900", "2024年10月15日 9時30分"
_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:T|\s+|\s*\D{0,3}\s*)(\d{1,2})[:時](\d{2})(?:[:分](\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_MONTH_ALT = "|".join(sorted(map(re.escape, rules.MONTHS), key=len, reverse=True))
_CLOCK = r"(?:,?\s*(?:at|um|à|a\s+las)?\s*(\d{1,2})[:.](\d{2})\s*(?:uhr|h)?\s*([ap]\.?m\.?)?)?"
# "24.09.2025, 06:00 Uhr"
_DMY_RE = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})" + _CLOCK, re.IGNORECASE)
# "May 6, 2025, 05:25 PM", "6. Mai 2025 um 10:00"
_MONTH_DATE_RE = re.compile(
    rf"(?:\b({_MONTH_ALT})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})|\b(\d{{1,2}})\.?\s+({_MONTH_ALT})\.?,?\s+(\d{{4}}))"
    + _CLOCK,
    re.IGNORECASE,
)


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601, "2024/10/15 09:30 +0900", "2024年10月15日 9時30分", RFC 2822; naive if no zone."""
    value = value.strip() if value else ""
    if not value or len(value) > _MAX_DATE_CHARS:
        return None
    try:
        return datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
    except ValueError:
        pass
    match = _DATE_RE.search(value)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        try:
            parsed = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return None
        if zone in ("Z", "UTC", "GMT"):
            return parsed.replace(tzinfo=UTC)
        if zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return parsed.replace(tzinfo=timezone(sign * offset))
        return parsed
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def find_text_date(text: str) -> re.Match[str] | None:
    """The first date written in ``text`` in one of the forms :func:`parse_text_date` reads."""
    return _DATE_RE.search(text) or _DMY_RE.search(text) or _MONTH_DATE_RE.search(text)


def parse_text_date(text: str) -> datetime | None:
    """A date written as text ("2025年4月6日 7:00", "24.09.2025, 06:00 Uhr", "May 6, 2025")."""
    match = _DATE_RE.search(text)
    if match:
        return parse_datetime(match.group(0))
    clock: tuple[str | None, str | None, str | None]
    match = _DMY_RE.search(text)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
        clock = (match.group(4), match.group(5), match.group(6))
    else:
        match = _MONTH_DATE_RE.search(text)
        if not match:
            return None
        g = match.groups()
        if g[0]:
            month, day, year = str(rules.MONTHS[g[0].lower()]), g[1], g[2]
        else:
            day, month, year = g[3], str(rules.MONTHS[g[4].lower()]), g[5]
        clock = (g[6], g[7], g[8])
    hour = int(clock[0] or 0)
    if clock[2] and clock[2][0].lower() == "p" and hour < 12:
        hour += 12
    elif clock[2] and clock[2][0].lower() == "a" and hour == 12:
        hour = 0
    try:
        return datetime(int(year), int(month), int(day), hour, int(clock[1] or 0))
    except ValueError:
        return None


def page_zone(
    offsets: list[tzinfo],
    url: str,
    language_tag: str | None,
    language: str | None,
    configured: str | None = None,
) -> tzinfo:
    """Zone for naive dates: another date's offset, the source's configured zone, region,
    country TLD, language, else UTC."""
    if offsets:
        return offsets[0]
    if configured:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(configured)
        LOGGER.warning("time zone %s not installed; guessing the zone", configured)
    subtags = re.split(r"[-_]", (language_tag or "").lower())[1:]
    region = next((t for t in subtags if len(t) == 2 and t.isalpha()), "")
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
    name = (
        rules.REGION_TIMEZONES.get(region)
        or rules.REGION_TIMEZONES.get(tld)
        or rules.LANGUAGE_TIMEZONES.get(language or "")
    )
    if name:
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            LOGGER.warning("time zone %s not installed; using UTC", name)
    return UTC


def localize(value: datetime | None, zone: tzinfo) -> datetime | None:
    """``value`` in ``zone`` if it has no zone of its own."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)
