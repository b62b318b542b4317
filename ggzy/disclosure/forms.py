"""Forms of the disclosure app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType

from .choices import NoticeType


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=[("", _("全部")), *TradeType.choices], required=False)
    notice_type = forms.ChoiceField(label=_("公告类型"), choices=[("", _("全部")), *NoticeType.choices], required=False)


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=300)
    notice_type = forms.ChoiceField(label=_("公告类型"), choices=NoticeType.choices, initial=NoticeType.PLATFORM)
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=TradeType.choices, initial=TradeType.OTHER)
    region_code = forms.CharField(label=_("行政区划代码"), max_length=6, initial="654000")
    body = forms.CharField(label=_("正文"), widget=forms.Textarea)
