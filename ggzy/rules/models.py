"""The rule table (规则参数) and the working-day calendar (工作日历).

A rule row is in force on day D when `effective_from <= D` and either it has no `effective_to`
or `D < effective_to` (the end date is the first day it no longer applies). Rows are never
edited in place: a new value is a new version that closes the previous one (services.py), so
the rules in force on any past day can still be read. A project uses the rules in force on
its registration date.

The calendar holds one row per day that has been seeded or corrected. A day without a row
counts as Monday to Friday = working day, Saturday and Sunday = rest day (see periods.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import METHODS_BY_TRADE_TYPE, ProcurementMethod, TradeType
from ggzy.core.money import format_yuan

from .choices import EVIDENCE_MARKS, NAMED_KINDS, WHOLE_UNITS, WORKING_KINDS, DayKind, Evidence, RuleUnit

FEN_PER_WAN_YUAN = 1_000_000  # 1万元 = 10,000 元 = 1,000,000 分

key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
    _("规则键由小写字母、数字和下划线组成，用点分段，例如 tender.min_bidders。"),
    code="rule_key",
)


def decimal_text(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 2.000000 -> '2', 0.500000 -> '0.5'."""
    return format(value.normalize(), "f")


def value_display(value: Decimal, unit: str) -> str:
    """A rule value as people write it: '20日', '5个工作日', '2%', '2/3', '80万元'."""
    if unit == RuleUnit.MONEY_FEN:
        fen = int(value)
        if fen % FEN_PER_WAN_YUAN == 0:
            return gettext("{amount}万元").format(amount=f"{fen // FEN_PER_WAN_YUAN:,}")
        return gettext("{amount}元").format(amount=format_yuan(fen))
    if unit == RuleUnit.FRACTION:
        ratio = Fraction(value).limit_denominator(12)
        if ratio.denominator != 1 and abs(Decimal(ratio.numerator) / ratio.denominator - value) < Decimal("0.000001"):
            return f"{ratio.numerator}/{ratio.denominator}"
        return decimal_text(value)
    templates: dict[str, str] = {
        RuleUnit.CALENDAR_DAY: gettext("{n}日"),
        RuleUnit.WORKING_DAY: gettext("{n}个工作日"),
        RuleUnit.HOUR: gettext("{n}小时"),
        RuleUnit.MINUTE: gettext("{n}分钟"),
        RuleUnit.MONTH: gettext("{n}个月"),
        RuleUnit.YEAR: gettext("{n}年"),
        RuleUnit.PERCENT: "{n}%",
    }
    return templates.get(unit, "{n}").format(n=decimal_text(value))


class RuleParameterQuerySet(models.QuerySet["RuleParameter"]):
    def in_force(self, on: dt.date) -> RuleParameterQuerySet:
        return self.filter(effective_from__lte=on).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))


class RuleParameter(models.Model):
    key = models.CharField(
        _("规则键"),
        max_length=100,
        validators=[key_validator],
        help_text=_("程序引用规则的英文键，例如 tender.bid_preparation_min_days。"),
    )
    name = models.CharField(_("规则名称"), max_length=200)
    trade_type = models.CharField(
        _("交易类型"),
        max_length=32,
        choices=TradeType.choices,
        blank=True,
        help_text=_("留空表示适用于全部交易类型。"),
    )
    method = models.CharField(
        _("交易方式"),
        max_length=32,
        choices=ProcurementMethod.choices,
        blank=True,
        help_text=_("留空表示适用于全部交易方式。"),
    )
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6)
    unit = models.CharField(_("单位"), max_length=16, choices=RuleUnit.choices)
    source = models.CharField(_("依据"), max_length=500, help_text=_("法律依据原文出处，例如：招标投标法 第24条。"))
    evidence = models.CharField(_("核实情况"), max_length=16, choices=Evidence.choices)
    note = models.TextField(_("说明"), blank=True)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(
        _("失效日期"),
        null=True,
        blank=True,
        help_text=_("自该日起不再适用；留空表示长期有效。"),
    )
    version = models.PositiveIntegerField(_("版本"), validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = RuleParameterQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        ordering = ["key", "trade_type", "method", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="rules_parameter_effective_to_after_from",
                violation_error_message=_("失效日期必须晚于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="rules_parameter_value_non_negative",
                violation_error_message=_("规则数值不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="rules_parameter_version_positive",
                violation_error_message=_("版本号从1开始。"),
            ),
            models.UniqueConstraint(
                fields=["key", "trade_type", "method", "effective_from"],
                name="rules_parameter_one_per_start",
                violation_error_message=_("同一规则在同一适用范围内，同一生效日期只能有一个版本。"),
            ),
            models.UniqueConstraint(
                fields=["key", "trade_type", "method", "version"],
                name="rules_parameter_version_unique",
                violation_error_message=_("同一规则在同一适用范围内的版本号不能重复。"),
            ),
            models.UniqueConstraint(
                fields=["key", "trade_type", "method"],
                condition=Q(effective_to__isnull=True),
                name="rules_parameter_one_open",
                violation_error_message=_("同一规则在同一适用范围内只能有一个长期有效的版本。"),
            ),
        ]
        indexes = [models.Index(fields=["key", "effective_from"], name="rules_parameter_key_idx")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.value is not None and self.unit:
            if self.unit in WHOLE_UNITS and self.value != self.value.to_integral_value():
                errors["value"] = gettext("单位为“{unit}”的规则数值必须是整数。").format(unit=RuleUnit(self.unit).label)
            elif self.unit == RuleUnit.PERCENT and self.value > 100:
                errors["value"] = gettext("百分比不能超过100。")
        if self.trade_type and self.method and self.method not in METHODS_BY_TRADE_TYPE.get(self.trade_type, ()):
            errors["method"] = gettext("交易类型“{trade_type}”不采用“{method}”方式。").format(
                trade_type=TradeType(self.trade_type).label, method=ProcurementMethod(self.method).label
            )
        if errors:
            raise ValidationError(errors)

    @property
    def value_display(self) -> str:
        return value_display(self.value, self.unit)

    @property
    def evidence_mark(self) -> str:
        return EVIDENCE_MARKS.get(self.evidence, "")


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True, error_messages={"unique": _("该日期已在日历中。")})
    kind = models.CharField(_("日期类型"), max_length=16, choices=DayKind.choices)
    is_working_day = models.BooleanField(_("是否工作日"))
    holiday_name = models.CharField(
        _("节日名称"),
        max_length=50,
        blank=True,
        help_text=_("法定节假日及其调休上班日填写节日名称，例如：国庆节。"),
    )
    source = models.CharField(
        _("来源"), max_length=40, help_text=_("chinesecalendar 软件包版本，或 staff（交易中心工作人员更正）。")
    )
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=sorted(WORKING_KINDS), is_working_day=True)
                | Q(kind__in=sorted({DayKind.WEEKEND, DayKind.HOLIDAY}), is_working_day=False),
                name="rules_calendar_working_matches_kind",
                violation_error_message=_("“是否工作日”与日期类型不一致。"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(NAMED_KINDS)) | Q(holiday_name=""),
                name="rules_calendar_name_only_for_holidays",
                violation_error_message=_("只有法定节假日和调休上班日可以填写节日名称。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if self.date is None or not self.kind:
            return
        weekend = self.date.isoweekday() >= 6
        if self.kind == DayKind.WORKDAY and weekend:
            raise ValidationError({"kind": gettext("周六、周日不能设为普通工作日；请选择“调休上班日”。")})
        if self.kind == DayKind.MAKEUP_WORKDAY and not weekend:
            raise ValidationError({"kind": gettext("调休上班日只能是周六或周日。")})
        if self.kind == DayKind.WEEKEND and not weekend:
            raise ValidationError({"kind": gettext("周一至周五不能设为休息日；放假请选择“法定节假日”。")})
        if self.kind == DayKind.HOLIDAY and not self.holiday_name.strip():
            raise ValidationError({"holiday_name": gettext("法定节假日请填写节日名称。")})
