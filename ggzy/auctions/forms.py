"""Forms of the auctions app. Money is entered in yuan and arrives in fen (`MoneyField`, Decimal);
times are entered in Beijing time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import METHODS_BY_TRADE_TYPE, TradeType
from ggzy.projects.forms import MoneyField

from .choices import SALE_TRADE_TYPES, SaleMethod, SaleStatus
from .models import TradeObject

ALL = ("", _("全部"))


def _datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class SaleFilterForm(forms.Form):
    trade_type = forms.ChoiceField(
        label=_("交易类型"),
        required=False,
        choices=[ALL, *((value, label) for value, label in TradeType.choices if value in SALE_TRADE_TYPES)],
    )
    method = forms.ChoiceField(label=_("交易方式"), required=False, choices=[ALL, *SaleMethod.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[ALL, *SaleStatus.choices])


class SaleForm(forms.Form):
    """The seller's terms of a sale; the legal ones (windows, countdown, notice) come from the rule table."""

    method = forms.ChoiceField(label=_("交易方式"))
    start_price = MoneyField(label=_("起始价（元）"))
    increment = MoneyField(label=_("加价幅度（元）"), help_text=_("挂牌期内每次报价至少比当前最高报价高出的金额。"))
    timed_increment = MoneyField(
        label=_("限时竞价加价幅度（元）"),
        required=False,
        help_text=_("拍卖、网络竞价和挂牌转入的限时竞价使用；不填则与加价幅度相同。"),
    )
    start_at = _datetime_field(_("开始时间（北京时间）"))
    listing_end = _datetime_field(
        _("挂牌截止时间（北京时间）"),
        required=False,
        help_text=_("挂牌必填；拍卖不填；网络竞价填写则先进行自由报价。"),
    )
    deposit = MoneyField(
        label=_("竞买保证金（元）"), required=False, help_text=_("在公告中载明；不填则公告“以交易文件为准”。")
    )
    # State property only (removed for the other trade types).
    valuation_fen = MoneyField(
        label=_("评估值（元）"),
        required=False,
        help_text=_("经核准或者备案的资产评估结果；起始价即转让底价（企业国有资产法第五十五条）。"),
    )
    floor_approved_by = forms.CharField(
        label=_("底价批准单位"),
        max_length=200,
        required=False,
        help_text=_("转让底价低于评估值的规定比例时填写：转让行为批准单位。"),
    )
    floor_approval_reference = forms.CharField(label=_("底价批准文件文号"), max_length=100, required=False)
    control_change = forms.BooleanField(
        label=_("转让导致标的企业实际控制权转移"),
        required=False,
        help_text=_("须已发布信息预披露并满预披露期（国务院国资委 财政部令第32号）。"),
    )

    STATE_PROPERTY_FIELDS = ("valuation_fen", "floor_approved_by", "floor_approval_reference", "control_change")

    def __init__(self, *args: Any, trade_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = METHODS_BY_TRADE_TYPE.get(trade_type, ())
        method = self.fields["method"]
        assert isinstance(method, forms.ChoiceField)
        method.choices = [(value, label) for value, label in SaleMethod.choices if value in allowed]
        if trade_type != TradeType.STATE_PROPERTY:
            for name in self.STATE_PROPERTY_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start_price", "increment", "timed_increment", "deposit", "valuation_fen"):
            amount = data.get(name)
            if amount is not None and amount <= 0:
                self.add_error(name, _("金额必须大于零。"))
        if data.get("timed_increment") is None and data.get("increment") is not None:
            data["timed_increment"] = data["increment"]
        method, listing_end = data.get("method"), data.get("listing_end")
        if method == SaleMethod.LISTING and listing_end is None:
            self.add_error("listing_end", _("挂牌交易须填写挂牌截止时间。"))
        if method == SaleMethod.AUCTION and listing_end is not None:
            self.add_error("listing_end", _("拍卖没有挂牌期，请不要填写挂牌截止时间。"))
        return data


class BidForm(forms.Form):
    amount = MoneyField(label=_("报价（元）"))
    # One key per rendered form: a second submit of the same form is the same bid, not a new one.
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise ValidationError(_("报价必须大于零。"))
        return int(amount)


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审核结果"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda value: value == "1",
    )


class ReserveForm(forms.Form):
    envelope = forms.FileField(label=_("已密封的保留价文件（.gbid）"))


class ReserveKeyForm(forms.Form):
    content_key = forms.CharField(
        label=_("保留价的内容密钥"),
        max_length=100,
        help_text=_("用投标工具“python -m bidtool content-key 保留价密封文件 --sealing-private-key 私钥”取得。"),
    )


class TradeObjectForm(forms.Form):
    """What the lot is: the model's fields of its trade type only (`services.OBJECT_FIELDS`), the
    values of `instance` shown when it is registered already. The service validates and saves."""

    def __init__(
        self,
        *args: Any,
        fields: tuple[str, ...],
        required: tuple[str, ...],
        instance: TradeObject | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault("initial", forms.model_to_dict(instance, fields=list(fields)))
        super().__init__(*args, **kwargs)
        for name, field in forms.fields_for_model(TradeObject, fields=list(fields)).items():
            field.required = name in required
            self.fields[name] = field


class PredisclosureForm(forms.Form):
    approved_on = forms.DateField(
        label=_("转让行为批准日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    approval_reference = forms.CharField(label=_("批准文件文号"), max_length=100)
    summary = forms.CharField(
        label=_("预披露内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("转让标的、转让方、标的企业基本情况、拟转让比例等；不含交易条件，交易条件在正式披露时公告。"),
    )


class IncrementsForm(forms.Form):
    """New increments, as the transferor decided (39号令: adjustable during the listing)."""

    increment = MoneyField(label=_("新的加价幅度（元）"))
    timed_increment = MoneyField(
        label=_("新的限时竞价加价幅度（元）"), required=False, help_text=_("不填则与新的加价幅度相同。")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("increment", "timed_increment"):
            amount = data.get(name)
            if amount is not None and amount <= 0:
                self.add_error(name, _("金额必须大于零。"))
        if data.get("timed_increment") is None and data.get("increment") is not None:
            data["timed_increment"] = data["increment"]
        return data


class FreezeForm(forms.Form):
    reason = forms.CharField(
        label=_("冻结原因"),
        max_length=200,
        required=False,
        help_text=_("将在竞价室公开显示；不填则显示“系统故障”。"),
    )


class ResumeForm(forms.Form):
    resume_at = _datetime_field(
        _("恢复时间（北京时间）"),
        required=False,
        help_text=_("不填则立即恢复（仅限冻结未超过可直接恢复的时限）；否则须按规则提前通知。"),
    )


class NegotiateForm(forms.Form):
    amount = MoneyField(
        label=_("协议成交价（元）"),
        help_text=_("转让方与唯一合格意向受让方协商确定的价格，不得低于转让底价。"),
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise ValidationError(_("协议成交价必须大于零。"))
        return int(amount)
