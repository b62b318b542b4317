"""Forms of the disclosure app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType

from .choices import NoticeStatus, NoticeType


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=[("", _("全部")), *TradeType.choices], required=False)
    notice_type = forms.ChoiceField(label=_("公告类型"), choices=[("", _("全部")), *NoticeType.choices], required=False)
    region_code = forms.RegexField(label=_("行政区划代码"), regex=r"^\d{2,6}$", required=False, max_length=6)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *NoticeStatus.choices], required=False)
    published_from = forms.DateField(
        label=_("发布日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        label=_("发布日期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=300)
    notice_type = forms.ChoiceField(label=_("公告类型"), choices=NoticeType.choices, initial=NoticeType.PLATFORM)
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=TradeType.choices, initial=TradeType.OTHER)
    region_code = forms.CharField(label=_("行政区划代码"), max_length=6, initial="654000")
    body = forms.CharField(label=_("正文"), widget=forms.Textarea)


class CorrectionForm(forms.Form):
    title = forms.CharField(
        label=_("更正公告标题"), max_length=300, required=False, help_text=_("不填则沿用原标题加“更正公告”。")
    )
    body = forms.CharField(label=_("更正内容"), widget=forms.Textarea)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
