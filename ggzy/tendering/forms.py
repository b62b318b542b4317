"""Forms of the tendering app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.projects.forms import MoneyField

from .choices import EvaluationMethod, KeyKind


class TenderForm(forms.Form):
    title = forms.CharField(label=_("公告标题"), max_length=300)
    evaluation_method = forms.ChoiceField(label=_("评标办法"), choices=EvaluationMethod.choices)
    bid_deadline = forms.DateTimeField(
        label=_("投标截止时间（北京时间）"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("开标在投标截止的同一时间进行。"),
    )
    bid_validity_days = forms.IntegerField(label=_("投标有效期（日）"), min_value=1, initial=90)
    notice_body = forms.CharField(label=_("公告正文"), widget=forms.Textarea)


class LotTermsForm(forms.Form):
    include = forms.BooleanField(label=_("纳入本次招标"), required=False, initial=True)
    bid_security = MoneyField(label=_("投标保证金（元）"), required=False)
    ceiling_price = MoneyField(label=_("最高投标限价（元）"), required=False)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("招标文件"))


class BidderKeyForm(forms.Form):
    kind = forms.ChoiceField(label=_("用途"), choices=KeyKind.choices)
    public_key = forms.CharField(
        label=_("公钥（PEM 或 JWK）"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("用投标工具“python -m bidtool keygen”或浏览器生成；私钥只保存在本单位，平台永远拿不到。"),
    )


class BidUploadForm(forms.Form):
    envelope = forms.FileField(label=_("已密封的投标文件（.gbid）"))
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)


class ContentKeyForm(forms.Form):
    content_key = forms.CharField(
        label=_("内容密钥"),
        max_length=100,
        help_text=_("用投标工具“python -m bidtool content-key 投标文件 --sealing-private-key 私钥”或浏览器取得。"),
    )


class BackupForm(forms.Form):
    backup = forms.FileField(label=_("备用文件（明文包或另一份密封文件）"))
    content_key = forms.CharField(label=_("备用密封文件的内容密钥"), max_length=100, required=False)


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}))


class ClarificationForm(forms.Form):
    body = forms.CharField(label=_("澄清或修改内容"), widget=forms.Textarea(attrs={"rows": 4}))
    new_deadline = forms.DateTimeField(
        label=_("顺延后的投标截止时间（北京时间）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("距投标截止不足法定期限时必须顺延。"),
    )


class ReservePriceForm(forms.Form):
    envelope = forms.FileField(label=_("已密封的标底文件（.gbid）"))


class ReservePriceKeyForm(forms.Form):
    content_key = forms.CharField(
        label=_("标底的内容密钥"),
        max_length=100,
        help_text=_("用投标工具“python -m bidtool content-key 标底密封文件 --sealing-private-key 私钥”取得。"),
    )


class NotDecryptedForm(forms.Form):
    reason = forms.CharField(label=_("非投标人原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("终止原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将写入终止公告，并书面通知已获取招标文件的潜在投标人、受邀投标人和已缴纳保证金的投标人。"),
    )
