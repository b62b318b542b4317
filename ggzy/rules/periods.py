"""Period arithmetic (期间计算) on the working-day calendar.

The counting rules (rules-cn.md §0):

* 民法典 art. 201, 87号令 art. 85: the day a period starts is not counted; counting begins the
  next day. A period in hours or minutes runs from the stated instant and is added exactly.
* 民法典 art. 202: a period in months or years ends on the corresponding day of the last
  month, or on the last day of that month when it has no corresponding day.
* 民法典 art. 203: when the last day is not a working day (a weekend or statutory holiday),
  the period ends on the next working day; it ends at 24:00 of its last day.
* 87号令 art. 86: "以上/以下/内/以内" include the stated number, "不足" excludes it. Callers
  compare with <= / >= accordingly; the functions here return the days themselves.

Two questions are kept apart:

* `period_last_day` / `period_deadline` answer "by when must the act be done?" (an act within
  N days): the last day is rolled forward to a working day.
* `earliest_day_after` answers "how soon may B follow A?" (at least N days between A and B): a
  minimum span is not rolled forward, because moving it would lengthen a legal minimum for no
  one's protection.

Working days come from the `CalendarDay` table (seeded from chinesecalendar, corrected by
staff). A day missing from the table counts as Monday to Friday = working day, Saturday and
Sunday = rest day: next year's holidays are announced each November, and staff then seed or
edit that year. `WorkingCalendar` reads the table a range at a time (one query for a whole
period) and remembers what it read; pass one instance to several calls to share the reads.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterator

from ggzy.core import clock

from .choices import PERIOD_UNITS, WORKING_KINDS, RuleUnit
from .models import CalendarDay
from .selectors import RuleValue

Amount = int | RuleValue

DAY_UNITS = frozenset({RuleUnit.CALENDAR_DAY, RuleUnit.WORKING_DAY, RuleUnit.MONTH, RuleUnit.YEAR})
CLOCK_UNITS = frozenset({RuleUnit.HOUR, RuleUnit.MINUTE})


class WorkingCalendar:
    """Which days are working days, read from the calendar table in contiguous ranges."""

    def __init__(self) -> None:
        self._stored: dict[dt.date, bool] = {}
        self._lo: dt.date | None = None
        self._hi: dt.date | None = None
        self.queries = 0

    def load(self, start: dt.date, end: dt.date) -> None:
        """Make sure every day from start to end is known, reading only what is missing."""
        if start > end:
            start, end = end, start
        if self._lo is None or self._hi is None:
            self._fetch(start, end)
            self._lo, self._hi = start, end
            return
        if start < self._lo:
            self._fetch(start, self._lo - dt.timedelta(days=1))
            self._lo = start
        if end > self._hi:
            self._fetch(self._hi + dt.timedelta(days=1), end)
            self._hi = end

    def _fetch(self, start: dt.date, end: dt.date) -> None:
        self.queries += 1
        rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
        for day, kind in rows:
            self._stored[day] = kind in WORKING_KINDS

    def _known(self, day: dt.date) -> bool:
        stored = self._stored.get(day)
        if stored is None:
            return day.isoweekday() <= 5
        return stored

    def is_working_day(self, day: dt.date) -> bool:
        self.load(day, day)
        return self._known(day)

    def walk(self, start: dt.date, *, step: int, chunk: int = 64) -> Iterator[tuple[dt.date, bool]]:
        """The days after `start` (step 1) or before it (step -1), `start` excluded, with their
        working-day flag; the table is read a chunk at a time, each chunk twice the last."""
        day = start
        chunk = max(chunk, 8)
        while True:
            self.load(day + dt.timedelta(days=step), day + dt.timedelta(days=step * chunk))
            for _ in range(chunk):
                day += dt.timedelta(days=step)
                yield day, self._known(day)
            chunk *= 2


def _calendar(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return calendar if calendar is not None else WorkingCalendar()


def _resolve(amount: Amount, unit: str | None) -> tuple[int, str]:
    if isinstance(amount, RuleValue):
        if unit is not None and unit != amount.unit:
            raise ValueError(f"rule {amount.key} is counted in {amount.unit}, not {unit}")
        count, unit = amount.as_int(), amount.unit
    else:
        if unit is None:
            raise TypeError("a unit is required when the amount is a number")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"a period amount is a whole number, not {type(amount).__name__}")
        count = amount
    if unit not in PERIOD_UNITS:
        raise ValueError(f"{unit!r} is not a period unit")
    if count < 0:
        raise ValueError("a period amount cannot be negative")
    return count, str(unit)


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later (or earlier); the month's last day when it has none
    (民法典 art. 202: 31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def is_working_day(day: dt.date, *, calendar: WorkingCalendar | None = None) -> bool:
    return _calendar(calendar).is_working_day(day)


def working_day_on_or_after(day: dt.date, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """`day` itself when it is a working day, otherwise the next working day."""
    cal = _calendar(calendar)
    cal.load(day, day + dt.timedelta(days=16))  # one read covers the longest holiday run
    if cal.is_working_day(day):
        return day
    for candidate, working in cal.walk(day, step=1, chunk=16):
        if working:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def nth_working_day_after(day: dt.date, count: int, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """The `count`-th working day after `day` (`day` itself is not counted); `count` >= 1."""
    if count < 1:
        raise ValueError("count must be at least 1")
    seen = 0
    for candidate, working in _calendar(calendar).walk(day, step=1, chunk=2 * count + 31):
        if working:
            seen += 1
            if seen == count:
                return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def nth_working_day_before(day: dt.date, count: int, *, calendar: WorkingCalendar | None = None) -> dt.date:
    """The `count`-th working day counting back from `day`, `day` itself included; `count` >= 1."""
    if count < 1:
        raise ValueError("count must be at least 1")
    cal = _calendar(calendar)
    cal.load(day - dt.timedelta(days=2 * count + 31), day)
    seen = 1 if cal.is_working_day(day) else 0
    if seen == count:
        return day
    for candidate, working in cal.walk(day, step=-1, chunk=2 * count + 31):
        if working:
            seen += 1
            if seen == count:
                return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def period_last_day(
    start: dt.date, amount: Amount, unit: str | None = None, *, calendar: WorkingCalendar | None = None
) -> dt.date:
    """The last day of a period for an act that must be done within it.

    calendar_day: start + amount, moved to the next working day when that day is a weekend or
    holiday. working_day: the amount-th working day after start. month/year: the corresponding
    day (民法典 art. 202), moved forward like a calendar-day period. An amount of 0 gives the
    start day (moved forward to a working day). `amount` may be a RuleValue (then no unit).
    """
    count, unit = _resolve(amount, unit)
    if unit in CLOCK_UNITS:
        raise ValueError("hour and minute periods run from an instant: use period_deadline with a datetime")
    cal = _calendar(calendar)
    if unit == RuleUnit.WORKING_DAY and count > 0:
        return nth_working_day_after(start, count, calendar=cal)
    if unit == RuleUnit.CALENDAR_DAY:
        last = start + dt.timedelta(days=count)
    elif unit == RuleUnit.MONTH:
        last = add_months(start, count)
    elif unit == RuleUnit.YEAR:
        last = add_months(start, 12 * count)
    else:  # working_day, amount 0
        last = start
    return working_day_on_or_after(last, calendar=cal)


def period_deadline(
    start: dt.date | dt.datetime,
    amount: Amount,
    unit: str | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> dt.datetime:
    """The instant a period ends: 24:00 (Beijing) of its last day, or, for hours and minutes,
    exactly `amount` after `start` (which must then be an aware datetime)."""
    count, unit = _resolve(amount, unit)
    if unit in CLOCK_UNITS:
        if not isinstance(start, dt.datetime):
            raise ValueError("an hour or minute period starts at an instant: pass an aware datetime")
        delta = dt.timedelta(hours=count) if unit == RuleUnit.HOUR else dt.timedelta(minutes=count)
        return clock.local(start) + delta
    day = clock.local(start).date() if isinstance(start, dt.datetime) else start
    return clock.end_of_day(period_last_day(day, count, unit, calendar=calendar))


def earliest_day_after(
    start: dt.date, amount: Amount, unit: str | None = None, *, calendar: WorkingCalendar | None = None
) -> dt.date:
    """The first day B may fall on when at least `amount` must pass between `start` and B.

    calendar_day: start + amount, with no roll-forward (a minimum span is not lengthened).
    working_day: the amount-th working day after start. month/year: the corresponding day.
    An amount of 0 gives the start day itself.
    """
    count, unit = _resolve(amount, unit)
    if unit in CLOCK_UNITS:
        raise ValueError("hour and minute spans run between instants: add a timedelta")
    if unit == RuleUnit.CALENDAR_DAY:
        return start + dt.timedelta(days=count)
    if unit == RuleUnit.MONTH:
        return add_months(start, count)
    if unit == RuleUnit.YEAR:
        return add_months(start, 12 * count)
    if count == 0:
        return start
    return nth_working_day_after(start, count, calendar=calendar)


def latest_day_before(
    end: dt.date, amount: Amount, unit: str | None = None, *, calendar: WorkingCalendar | None = None
) -> dt.date:
    """The last day A may fall on when at least `amount` must pass between A and `end`, i.e. the
    latest A with earliest_day_after(A, amount) <= end ("clarify at least 15 days before the bid
    deadline": the latest clarification day is latest_day_before(deadline_day, 15 日))."""
    count, unit = _resolve(amount, unit)
    if unit in CLOCK_UNITS:
        raise ValueError("hour and minute spans run between instants: subtract a timedelta")
    if count == 0:
        return end
    if unit == RuleUnit.CALENDAR_DAY:
        return end - dt.timedelta(days=count)
    if unit in (RuleUnit.MONTH, RuleUnit.YEAR):
        months = count if unit == RuleUnit.MONTH else 12 * count
        candidate = add_months(end, -months)
        while add_months(candidate + dt.timedelta(days=1), months) <= end:
            candidate += dt.timedelta(days=1)
        return candidate
    # At least `count` working days must lie after A up to `end`.
    return nth_working_day_before(end, count, calendar=calendar) - dt.timedelta(days=1)


def working_days_between(a: dt.date, b: dt.date, *, calendar: WorkingCalendar | None = None) -> int:
    """The number of working days after `a` up to and including `b` (the start day is not
    counted); negative when `b` is before `a`. One query."""
    if b < a:
        return -working_days_between(b, a, calendar=calendar)
    if b == a:
        return 0
    cal = _calendar(calendar)
    cal.load(a + dt.timedelta(days=1), b)
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return count
