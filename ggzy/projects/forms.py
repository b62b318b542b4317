"""Forms of the projects app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.accounts import selectors as accounts_selectors
from ggzy.catalog.models import CatalogCategory
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.money import yuan_to_fen


class MoneyField(forms.Field):
    """An amount in yuan (at most two decimals), returned as integer fen."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: object) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        return yuan_to_fen(text)


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=200)
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=TradeType.choices)
    procurement_method = forms.ChoiceField(label=_("交易方式"), choices=ProcurementMethod.choices)
    catalog_category = forms.ModelChoiceField(
        label=_("交易目录类别"),
        queryset=CatalogCategory.objects.none(),
        required=False,
        empty_label=_("目录外项目"),
        help_text=_("目录内项目依法应当进场；目录外项目可以自愿进场。"),
    )
    voluntary_entry = forms.BooleanField(
        label=_("自愿进场声明"),
        required=False,
        help_text=_("本项目不属于应当进场的目录项目，由招标人自愿申请进场交易。"),
    )
    owner_uscc = forms.CharField(
        label=_("招标人/采购人统一社会信用代码"),
        max_length=18,
        help_text=_("招标人自行登记时填写本单位代码；代理机构登记时填写委托人代码（委托人须已在平台注册）。"),
    )
    supervisor = forms.ModelChoiceField(label=_("行政监督部门"), queryset=accounts_selectors.supervisory_authorities())
    region_code = forms.CharField(label=_("项目所在地行政区划代码"), max_length=6, initial="654000")
    budget = MoneyField(label=_("预算/估算金额（元）"))
    funding_source = forms.CharField(label=_("资金来源"), max_length=200)
    approval_number = forms.CharField(label=_("项目审批/核准/备案文号"), max_length=100, required=False)
    description = forms.CharField(label=_("项目概况"), widget=forms.Textarea, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["catalog_category"].queryset = CatalogCategory.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "sort_order", "code"
        )


class LotForm(forms.Form):
    name = forms.CharField(label=_("标段（包）名称"), max_length=200)
    budget = MoneyField(label=_("标段金额（元）"))
    description = forms.CharField(label=_("标段内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


LotFormSet = forms.formset_factory(LotForm, extra=1, min_num=1, validate_min=True, max_num=50)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)
