"""Which sources a run of news_ingest crawls, and over which window (per-source cron schedules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter

from crawler.sources import Source


def due(source: Source, start: datetime | None, end: datetime | None) -> bool:
    """Whether a run over the data interval [start, end) crawls ``source``.

    A source without ``schedule`` is due in every run, and every source is due in a run without
    a data interval (a manual trigger). Otherwise it is due if one of its cron times (UTC) falls
    in the interval.
    """
    if source.schedule is None or start is None or end is None:
        return True
    fire = croniter(source.schedule, start.astimezone(UTC) - timedelta(microseconds=1))
    return bool(fire.get_next(datetime) < end.astimezone(UTC))


def crawl_window(
    source: Source, start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The ``(since, until)`` a run over [start, end) crawls ``source`` for.

    The run's data interval, widened for a source with its own ``schedule`` back to the cron time
    before the one in the interval, so that a weekly source crawls the whole week.
    """
    if source.schedule is None or start is None or end is None:
        return start, end
    fire = croniter(source.schedule, start.astimezone(UTC) - timedelta(microseconds=1))
    current = fire.get_next(datetime)
    previous = croniter(source.schedule, current).get_prev(datetime)
    return min(start, previous), end
