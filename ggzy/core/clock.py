"""The one source of "now" for the platform: Beijing time (Asia/Shanghai).

Services ask `clock.now()` and `clock.today()`; nothing calls `datetime.now()` directly.
Tests move time with time-machine, which moves this clock too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current instant, as an aware datetime in Beijing time."""
    return timezone.now().astimezone(BEIJING)


def today() -> dt.date:
    """Today's date in Beijing."""
    return now().date()


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime shown in Beijing time."""
    if timezone.is_naive(value):
        raise ValueError("naive datetime: every instant in GGZY carries its time zone")
    return value.astimezone(BEIJING)


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 of a Beijing calendar day."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a Beijing calendar day (a period "ends at 24:00", 民法典 art. 203)."""
    return start_of_day(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
