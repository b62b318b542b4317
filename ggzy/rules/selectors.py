"""Reads of the 规则与工作日 app.

Other apps read rules only through `rule_get`, never with literals in code (rules-cn.md §0):

    from ggzy.rules import periods, selectors as rules
    rule = rules.rule_get("tender.bid_preparation_min_days", trade_type=project.trade_type,
                          method=project.method, on=project.registered_on)
    earliest_deadline = periods.earliest_day_after(issued_on, rule)

A project uses the rules in force on its registration date: the caller passes that date.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from django.db.models import QuerySet

from .choices import SOURCE_DEFAULT, WORKING_KINDS, DayKind
from .models import CalendarDay, RuleParameter, value_display


class RuleMissing(LookupError):
    """No rule row matches the key, trade type, method and date."""

    def __init__(self, key: str, *, trade_type: str, method: str, on: dt.date) -> None:
        self.key = str(key)
        self.trade_type = str(trade_type)
        self.method = str(method)
        self.on = on
        super().__init__(
            f"no rule {self.key!r} in force on {on.isoformat()} for trade type {self.trade_type or '(any)'!r} "
            f"and method {self.method or '(any)'!r}"
        )


@dataclass(frozen=True)
class RuleValue:
    key: str
    value: Decimal
    unit: str
    source: str
    evidence: str
    parameter_id: int
    version: int
    trade_type: str
    method: str
    effective_from: dt.date
    effective_to: dt.date | None

    def as_int(self) -> int:
        """The value as a whole number (periods, head-counts, amounts in fen)."""
        if self.value != self.value.to_integral_value():
            raise ValueError(f"rule {self.key} has the non-integral value {self.value}")
        return int(self.value)

    def as_fraction(self) -> Fraction:
        """A fraction rule as an exact ratio: the stored 0.666667 is 2/3."""
        return Fraction(self.value).limit_denominator(1000)

    @property
    def display(self) -> str:
        return value_display(self.value, self.unit)

    @classmethod
    def from_parameter(cls, parameter: RuleParameter) -> RuleValue:
        return cls(
            key=parameter.key,
            value=parameter.value,
            unit=parameter.unit,
            source=parameter.source,
            evidence=parameter.evidence,
            parameter_id=parameter.pk,
            version=parameter.version,
            trade_type=parameter.trade_type,
            method=parameter.method,
            effective_from=parameter.effective_from,
            effective_to=parameter.effective_to,
        )


def _specificity(parameter: RuleParameter) -> int:
    # exact trade type + method (3) > trade type only (2) > method only (1) > general (0)
    return (2 if parameter.trade_type else 0) + (1 if parameter.method else 0)


def rule_get(key: str, *, trade_type: str = "", method: str = "", on: dt.date) -> RuleValue:
    """The value of rule `key` in force on `on`, from the most specific row that matches.

    A row with a blank trade type (or method) applies to every trade type (or method); a row
    that names one applies only to it. Raises RuleMissing when no row matches.
    """
    candidates = RuleParameter.objects.in_force(on).filter(
        key=key, trade_type__in={trade_type, ""}, method__in={method, ""}
    )
    best: RuleParameter | None = None
    for parameter in candidates.order_by("-effective_from", "-version"):
        if best is None or _specificity(parameter) > _specificity(best):
            best = parameter
    if best is None:
        raise RuleMissing(key, trade_type=trade_type, method=method, on=on)
    return RuleValue.from_parameter(best)


class Scoped(Protocol):
    """What a rule lookup needs of a project: its trade type, method and the date its rules are
    taken from (the registration date, so later versions never change a running procedure)."""

    trade_type: str
    procurement_method: str

    @property
    def rules_date(self) -> dt.date: ...


def rule_for(key: str, project: Scoped) -> RuleValue:
    """The value of rule `key` for a project: `rule_get` scoped to its trade type, method and date."""
    return rule_get(key, trade_type=project.trade_type, method=project.procurement_method, on=project.rules_date)


def rules_in_force(on: dt.date) -> QuerySet[RuleParameter]:
    """Every rule row in force on `on` (all scopes), for the public rules page and the API."""
    return RuleParameter.objects.in_force(on).select_related("created_by").order_by("key", "trade_type", "method")


def rule_versions(*, key: str, trade_type: str = "", method: str = "") -> QuerySet[RuleParameter]:
    """The history of one rule in one scope, newest first."""
    return RuleParameter.objects.filter(key=key, trade_type=trade_type, method=method).order_by("-version")


def rule_latest(*, key: str, trade_type: str = "", method: str = "") -> RuleParameter | None:
    return rule_versions(key=key, trade_type=trade_type, method=method).first()


def rule_keys() -> list[str]:
    return list(RuleParameter.objects.order_by("key").values_list("key", flat=True).distinct())


@dataclass(frozen=True)
class DayInfo:
    """One calendar day as the calendar page shows it (a stored row, or the weekday default)."""

    date: dt.date
    kind: str
    is_working_day: bool
    holiday_name: str
    source: str

    @property
    def kind_label(self) -> str:
        return str(DayKind(self.kind).label)


def default_day(day: dt.date) -> DayInfo:
    """A day missing from the table: Monday to Friday work, Saturday and Sunday rest."""
    weekend = day.isoweekday() >= 6
    return DayInfo(
        date=day,
        kind=DayKind.WEEKEND if weekend else DayKind.WORKDAY,
        is_working_day=not weekend,
        holiday_name="",
        source=SOURCE_DEFAULT,
    )


def calendar_days(start: dt.date, end: dt.date) -> list[DayInfo]:
    """Every day from `start` to `end` inclusive, one query."""
    stored = {
        row.date: DayInfo(
            date=row.date,
            kind=row.kind,
            is_working_day=row.kind in WORKING_KINDS,
            holiday_name=row.holiday_name,
            source=row.source,
        )
        for row in CalendarDay.objects.filter(date__gte=start, date__lte=end)
    }
    days: list[DayInfo] = []
    day = start
    while day <= end:
        days.append(stored.get(day) or default_day(day))
        day += dt.timedelta(days=1)
    return days


def calendar_year(year: int) -> list[DayInfo]:
    return calendar_days(dt.date(year, 1, 1), dt.date(year, 12, 31))


def calendar_months(year: int) -> list[tuple[int, list[list[DayInfo | None]]]]:
    """The year as twelve month grids of weeks (Monday first); None pads the first and last week."""
    by_date = {info.date: info for info in calendar_year(year)}
    months: list[tuple[int, list[list[DayInfo | None]]]] = []
    for month in range(1, 13):
        weeks = [
            [by_date[dt.date(year, month, day)] if day else None for day in week]
            for week in pycalendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
        ]
        months.append((month, weeks))
    return months


def calendar_day_get(day: dt.date) -> DayInfo:
    return calendar_days(day, day)[0]


def calendar_has_year(year: int) -> bool:
    """Whether any day of the year is in the table (seeded or corrected)."""
    return CalendarDay.objects.filter(date__year=year).exists()
