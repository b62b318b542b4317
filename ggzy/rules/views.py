"""Pages of the 规则与工作日 app: the public rules and calendar, and the staff editing pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ggzy.accounts.decorators import capability_required, public
from ggzy.accounts.policies import Capability
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.forms import apply_errors

from . import policies, selectors, services
from .choices import NAMED_KINDS
from .forms import CalendarDayForm, RuleVersionForm

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _date_or_404(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404 from exc


@public
def rule_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    on = today
    if request.GET.get("on"):
        try:
            on = dt.date.fromisoformat(request.GET["on"])
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD，已显示今天的规则。"))
    rules = list(selectors.rules_in_force(on))
    sections = []
    for code, label in [("", _("通用"))] + [(value, str(name)) for value, name in TradeType.choices]:
        rows = [rule for rule in rules if rule.trade_type == code]
        if rows:
            sections.append({"code": code or "general", "label": label, "rules": rows})
    context = {
        "on": on,
        "today": today,
        "sections": sections,
        "count": len(rules),
        "can_manage": policies.can_manage_rules(request.user),
        "calendar_year": today.year,
    }
    return render(request, "rules/rule_list.html", context)


@capability_required(Capability.RULES_MANAGE)
def rule_version_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RuleVersionForm(request.POST)
    else:
        initial: dict[str, object] = {"effective_from": clock.today()}
        key = request.GET.get("key", "")
        latest = selectors.rule_latest(
            key=key, trade_type=request.GET.get("trade_type", ""), method=request.GET.get("method", "")
        )
        if latest is not None:
            initial.update(
                key=latest.key,
                name=latest.name,
                trade_type=latest.trade_type,
                method=latest.method,
                value=latest.value.normalize(),
                unit=latest.unit,
                source=latest.source,
                evidence=latest.evidence,
            )
        form = RuleVersionForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parameter = services.rule_version_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已新增规则“{name}”第{version}版，自{date}起生效。").format(
                    name=parameter.name, version=parameter.version, date=parameter.effective_from.isoformat()
                ),
            )
            return redirect("rules:list")
    history = []
    if form.is_bound or form.initial.get("key"):
        values = form.data if form.is_bound else form.initial
        history = list(
            selectors.rule_versions(
                key=str(values.get("key", "")),
                trade_type=str(values.get("trade_type", "") or ""),
                method=str(values.get("method", "") or ""),
            )
        )
    return render(request, "rules/rule_version_form.html", {"form": form, "history": history})


@public
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    months = selectors.calendar_months(year)
    special = [day for _month, weeks in months for week in weeks for day in week if day and day.kind in NAMED_KINDS]
    context = {
        "year": year,
        "months": months,
        "special": special,
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "seeded": selectors.calendar_has_year(year),
        "can_edit": policies.can_manage_calendar(request.user),
        "today": clock.today(),
    }
    return render(request, "rules/calendar_year.html", context)


@capability_required(Capability.CALENDAR_MANAGE)
def calendar_day_edit(request: HttpRequest, date: str) -> HttpResponse:
    day = _date_or_404(date)
    current = selectors.calendar_day_get(day)
    form = CalendarDayForm(request.POST or None, initial={"kind": current.kind, "holiday_name": current.holiday_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_day_set(actor=request.user, date=day, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("{date} 已更新。").format(date=day.isoformat()))
            return redirect(reverse("rules:calendar", kwargs={"year": day.year}) + "#m" + str(day.month))
    return render(request, "rules/calendar_day_edit.html", {"form": form, "day": current})
