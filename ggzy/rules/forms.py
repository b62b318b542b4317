"""Forms of the 规则与工作日 app: they check the shape; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import ProcurementMethod, TradeType

from .choices import DayKind, Evidence, RuleUnit
from .models import key_validator


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RuleVersionForm(forms.Form):
    key = forms.CharField(label=_("规则键"), max_length=100, validators=[key_validator])
    name = forms.CharField(
        label=_("规则名称"), max_length=200, required=False, help_text=_("留空则沿用上一版本的名称。")
    )
    trade_type = forms.ChoiceField(
        label=_("交易类型"), required=False, choices=[("", _("全部交易类型")), *TradeType.choices]
    )
    method = forms.ChoiceField(
        label=_("交易方式"), required=False, choices=[("", _("全部交易方式")), *ProcurementMethod.choices]
    )
    value = forms.DecimalField(label=_("数值"), max_digits=20, decimal_places=6, min_value=0)
    unit = forms.ChoiceField(label=_("单位"), choices=RuleUnit.choices)
    source = forms.CharField(label=_("依据"), max_length=500, help_text=_("例如：招标投标法 第24条。"))
    evidence = forms.ChoiceField(label=_("核实情况"), choices=Evidence.choices)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=DateInput(), help_text=_("不得早于今天；上一版本自该日起失效。")
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CalendarDayForm(forms.Form):
    kind = forms.ChoiceField(label=_("日期类型"), choices=DayKind.choices)
    holiday_name = forms.CharField(
        label=_("节日名称"),
        max_length=50,
        required=False,
        help_text=_("法定节假日及其调休上班日填写，例如：国庆节。"),
    )
