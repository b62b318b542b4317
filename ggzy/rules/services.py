"""Writes of the 规则与工作日 app: one `<entity>_<verb>` function per act.

Rules are never edited in place: `rule_version_create` closes the version in force and adds a
new one from a date that is not in the past, so the rules any project was registered under stay
readable. Calendar days are seeded from the chinesecalendar package and corrected by staff; a
staff correction is never overwritten by a later seed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import chinese_calendar
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from ggzy.accounts.policies import Capability, require
from ggzy.core import clock
from ggzy.witness.services import event_record

from .choices import HOLIDAY_NAMES, NAMED_KINDS, SOURCE_STAFF, WORKING_KINDS, DayKind
from .models import CalendarDay, RuleParameter
from .selectors import default_day

logger = logging.getLogger(__name__)

SEED_FILE = Path(__file__).resolve().parent / "seed" / "rules.json"


# --- rules -------------------------------------------------------------------------------


def _rule_snapshot(parameter: RuleParameter) -> dict[str, Any]:
    return {
        "key": parameter.key,
        "name": parameter.name,
        "trade_type": parameter.trade_type,
        "method": parameter.method,
        "value": str(parameter.value),
        "unit": parameter.unit,
        "source": parameter.source,
        "evidence": parameter.evidence,
        "note": parameter.note,
        "effective_from": parameter.effective_from,
        "effective_to": parameter.effective_to,
        "version": parameter.version,
    }


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("rule values are exact: pass a Decimal, an int or a string, not a float")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError({"value": _("数值格式不正确：{value}").format(value=value)}) from exc
    if not number.is_finite():
        raise ValidationError({"value": _("数值格式不正确：{value}").format(value=value)})
    return number


@transaction.atomic
def rule_version_create(
    *,
    actor: Any,
    key: str,
    trade_type: str,
    method: str,
    value: Decimal | int | str,
    unit: str,
    source: str,
    evidence: str,
    effective_from: dt.date,
    note: str,
    name: str = "",
) -> RuleParameter:
    """Add a new version of a rule in one scope (key, trade type, method) from `effective_from`.

    The version in force from that day (if any) is closed on `effective_from`; nothing else is
    changed. `effective_from` may not lie before today, and must be later than the start of the
    latest existing version. The name defaults to the previous version's name.
    """
    require(actor, Capability.RULES_MANAGE)
    key, trade_type, method = key.strip(), trade_type or "", method or ""
    today = clock.today()
    if effective_from < today:
        raise ValidationError(
            {
                "effective_from": _("生效日期不得早于今天（{date}）：已经适用过的规则不能改写。").format(
                    date=today.isoformat()
                )
            }
        )
    scope = RuleParameter.objects.select_for_update().filter(key=key, trade_type=trade_type, method=method)
    latest = scope.order_by("-effective_from").first()
    if latest is not None and latest.effective_from >= effective_from:
        raise ValidationError(
            {
                "effective_from": _("该规则已有自{date}起生效的第{version}版，新版本的生效日期必须晚于该日。").format(
                    date=latest.effective_from.isoformat(), version=latest.version
                )
            }
        )
    name = name.strip() or (latest.name if latest is not None else "")
    if not name:
        raise ValidationError({"name": _("新规则请填写规则名称。")})
    previous_version = scope.aggregate(highest=Max("version"))["highest"] or 0

    before_previous: dict[str, Any] | None = None
    after_previous: dict[str, Any] | None = None
    if latest is not None and (latest.effective_to is None or latest.effective_to > effective_from):
        before_previous = _rule_snapshot(latest)
        latest.effective_to = effective_from
        latest.full_clean()
        latest.save(update_fields=["effective_to"])
        after_previous = _rule_snapshot(latest)

    parameter = RuleParameter(
        key=key,
        name=name,
        trade_type=trade_type,
        method=method,
        value=_decimal(value),
        unit=unit,
        source=source.strip(),
        evidence=evidence,
        note=note.strip(),
        effective_from=effective_from,
        effective_to=None,
        version=previous_version + 1,
        created_at=clock.now(),
        created_by=actor,
    )
    parameter.full_clean()
    parameter.save()
    event_record(
        action="rules.version_created",
        actor=actor,
        obj=parameter,
        before={"previous": before_previous},
        after={"previous": after_previous, "created": _rule_snapshot(parameter)},
    )
    return parameter


def seed_rows(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows: list[dict[str, Any]] = json.load(handle)["rules"]
    return rows


@transaction.atomic
def rules_seed(*, path: Path = SEED_FILE) -> list[RuleParameter]:
    """Load the seed file; return the rows created.

    Idempotent: a row is identified by key, trade type, method and start date, and a row that
    exists is skipped whatever its content, so a row staff have closed or replaced since is
    never overwritten. A seed row that would overlap a row already in the table (for example a
    version staff added) is skipped with a warning. Run by the system (no actor).
    """
    existing = set(RuleParameter.objects.values_list("key", "trade_type", "method", "effective_from"))
    created: list[RuleParameter] = []
    for row in sorted(seed_rows(path), key=lambda r: (r["key"], r["trade_type"], r["method"], r["effective_from"])):
        start = dt.date.fromisoformat(row["effective_from"])
        end = dt.date.fromisoformat(row["effective_to"]) if row.get("effective_to") else None
        identity = (row["key"], row["trade_type"], row["method"], start)
        if identity in existing:
            continue
        scope = RuleParameter.objects.filter(key=row["key"], trade_type=row["trade_type"], method=row["method"])
        overlapping = scope.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start))
        if end is not None:
            overlapping = overlapping.filter(effective_from__lt=end)
        if overlapping.exists() or scope.filter(version=row["version"]).exists():
            logger.warning("rules_seed: %s overlaps a version already in the table; skipped", identity)
            continue
        parameter = RuleParameter(
            key=row["key"],
            name=row["name"],
            trade_type=row["trade_type"],
            method=row["method"],
            value=_decimal(row["value"]),
            unit=row["unit"],
            source=row["source"],
            evidence=row["evidence"],
            note=row.get("note", ""),
            effective_from=start,
            effective_to=end,
            version=row["version"],
            created_at=clock.now(),
            created_by=None,
        )
        parameter.full_clean()
        parameter.save()
        event_record(action="rules.parameter_seeded", obj=parameter, after=_rule_snapshot(parameter))
        existing.add(identity)
        created.append(parameter)
    return created


# --- calendar ----------------------------------------------------------------------------


def calendar_package_source() -> str:
    """'chinesecalendar 1.11': the package and release the seeded days come from."""
    release = ".".join(package_version("chinesecalendar").split(".")[:2])
    return "chinesecalendar " + release


def calendar_supported_years() -> range:
    """The years the installed chinesecalendar knows the holidays of."""
    known = chinese_calendar.constants.holidays
    return range(min(known).year, max(known).year + 1)


def _package_day(day: dt.date) -> tuple[str, str]:
    """(kind, holiday name) of a day according to chinesecalendar."""
    on_holiday, english = chinese_calendar.get_holiday_detail(day)
    name = HOLIDAY_NAMES.get(english, english) if english else ""
    weekend = day.isoweekday() >= 6
    if on_holiday:
        if name or not weekend:
            return DayKind.HOLIDAY, name or _("放假")
        return DayKind.WEEKEND, ""
    if weekend:
        return DayKind.MAKEUP_WORKDAY, name
    return DayKind.WORKDAY, ""


def _day_snapshot(day: CalendarDay) -> dict[str, Any]:
    return {
        "date": day.date,
        "kind": day.kind,
        "is_working_day": day.is_working_day,
        "holiday_name": day.holiday_name,
        "source": day.source,
    }


@dataclass
class CalendarSeedResult:
    created: int = 0
    updated: int = 0
    kept_staff: int = 0
    years: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of days written (created or updated); 0 when the seed changed nothing."""
        return self.created + self.updated


@transaction.atomic
def calendar_seed(*, years: list[int] | range | tuple[int, ...]) -> CalendarSeedResult:
    """Fill whole years of the calendar from chinesecalendar.

    Idempotent: a day already holding the package's kind and name is left alone, and a day
    whose source is "staff" is never changed. One witness event per year that changed.
    """
    supported = calendar_supported_years()
    source = calendar_package_source()
    for year in years:
        if year not in supported:
            raise ValidationError(
                _("{source} 没有 {year} 年的节假日数据（支持 {first}–{last} 年）。").format(
                    source=source, year=year, first=supported[0], last=supported[-1]
                )
            )
    result = CalendarSeedResult()
    now = clock.now()
    for year in sorted(set(years)):
        stored = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
        created: list[CalendarDay] = []
        updated: list[str] = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            kind, name = _package_day(day)
            row = stored.get(day)
            if row is None:
                row = CalendarDay(
                    date=day,
                    kind=kind,
                    is_working_day=kind in WORKING_KINDS,
                    holiday_name=name,
                    source=source,
                    updated_at=now,
                )
                # Existence was read above inside this transaction; the unique index still guards.
                row.full_clean(validate_unique=False)
                created.append(row)
            elif row.source == SOURCE_STAFF:
                result.kept_staff += 1
            elif (row.kind, row.holiday_name) != (kind, name):
                row.kind, row.is_working_day, row.holiday_name = kind, kind in WORKING_KINDS, name
                row.source, row.updated_at, row.updated_by = source, now, None
                row.full_clean(validate_unique=False)
                row.save()
                updated.append(day.isoformat())
            day += dt.timedelta(days=1)
        CalendarDay.objects.bulk_create(created)
        result.created += len(created)
        result.updated += len(updated)
        if created or updated:
            result.years.append(year)
            event_record(
                action="calendar.seeded",
                object_type="rules.calendar",
                object_id=str(year),
                after={"year": year, "source": source, "created": len(created), "updated_days": updated},
            )
    return result


@transaction.atomic
def calendar_day_set(*, actor: Any, date: dt.date, kind: str, holiday_name: str) -> CalendarDay:
    """Correct one calendar day (staff). The day is marked "staff" so no later seed changes it."""
    require(actor, Capability.CALENDAR_MANAGE)
    holiday_name = holiday_name.strip()
    if holiday_name and kind not in NAMED_KINDS:
        raise ValidationError({"holiday_name": _("只有法定节假日和调休上班日可以填写节日名称。")})
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        default = default_day(date)
        before = {
            "date": date,
            "kind": default.kind,
            "is_working_day": default.is_working_day,
            "holiday_name": "",
            "source": default.source,
        }
        row = CalendarDay(date=date)
    else:
        before = _day_snapshot(row)
        if row.source == SOURCE_STAFF and row.kind == kind and row.holiday_name == holiday_name:
            return row
    row.kind = kind
    row.is_working_day = kind in WORKING_KINDS
    row.holiday_name = holiday_name
    row.source = SOURCE_STAFF
    row.updated_at = clock.now()
    row.updated_by = actor
    row.full_clean()
    row.save()
    event_record(action="calendar.day_changed", actor=actor, obj=row, before=before, after=_day_snapshot(row))
    return row
