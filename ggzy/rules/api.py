"""API endpoints of the 规则与工作日 app. Everything here is public: the rules and the calendar
are information every market entity is entitled to (free access to public information)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from ggzy.core import clock

from . import periods, selectors
from .choices import RuleUnit
from .models import RuleParameter, decimal_text
from .schemas import CalendarDayOut, DeadlineOut, RuleOut

router = Router(tags=["rules"])

MAX_PERIOD_AMOUNT = 3650
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _rule_out(rule: RuleParameter) -> RuleOut:
    return RuleOut(
        id=rule.pk,
        key=rule.key,
        name=rule.name,
        trade_type=rule.trade_type,
        method=rule.method,
        value=decimal_text(rule.value),
        unit=rule.unit,
        value_display=rule.value_display,
        source=rule.source,
        evidence=rule.evidence,
        evidence_mark=rule.evidence_mark,
        note=rule.note,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
        version=rule.version,
    )


@router.get("/", response=list[RuleOut], auth=None, summary="某日有效的交易规则")
def rule_list(request: HttpRequest, on: dt.date | None = None) -> list[RuleOut]:
    return [_rule_out(rule) for rule in selectors.rules_in_force(on or clock.today())]


@router.get("/periods/deadline", response=DeadlineOut, auth=None, summary="期限计算器")
def period_deadline(request: HttpRequest, start: dt.date, amount: int, unit: str) -> DeadlineOut:
    """The last day and closing instant (24:00 Beijing) of a period of `amount` days from `start`,
    and the earliest day allowed after a minimum span of the same length."""
    if unit not in periods.DAY_UNITS:
        allowed = "、".join(str(RuleUnit(u).label) for u in sorted(periods.DAY_UNITS))
        raise ValidationError({"unit": _("单位只能是：{allowed}。").format(allowed=allowed)})
    if not 0 <= amount <= MAX_PERIOD_AMOUNT:
        raise ValidationError({"amount": _("期限数值应在 0 至 {max} 之间。").format(max=MAX_PERIOD_AMOUNT)})
    calendar = periods.WorkingCalendar()
    last_day = periods.period_last_day(start, amount, unit, calendar=calendar)
    return DeadlineOut(
        start=start,
        amount=amount,
        unit=unit,
        last_day=last_day,
        deadline=clock.end_of_day(last_day),
        earliest_day_after=periods.earliest_day_after(start, amount, unit, calendar=calendar),
    )


@router.get("/calendar/{year}", response=list[CalendarDayOut], auth=None, summary="某年的工作日历")
def calendar_year(request: HttpRequest, year: int) -> list[CalendarDayOut]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return [
        CalendarDayOut(
            date=day.date,
            kind=day.kind,
            kind_label=day.kind_label,
            is_working_day=day.is_working_day,
            holiday_name=day.holiday_name,
            source=day.source,
        )
        for day in selectors.calendar_year(year)
    ]
