"""Forms of the evaluation app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import User

from .choices import RejectionGround


class CommitteeForm(forms.Form):
    representatives: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("招标人（采购人）代表"),
        queryset=User.objects.none(),  # set per owner organization
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("可不选。随机抽取的专家不得少于成员总数的三分之二，总人数须符合规定。"),
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["representatives"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates
        field.label_from_instance = lambda user: user.full_name or user.username  # type: ignore[method-assign,assignment]


class ReviewForm(forms.Form):
    compliant = forms.TypedChoiceField(
        label=_("审查结论"), choices=[("1", _("通过")), ("0", _("否决"))], coerce=lambda v: v == "1"
    )
    ground = forms.ChoiceField(label=_("否决依据"), choices=[("", "—"), *RejectionGround.choices], required=False)
    reason = forms.CharField(label=_("理由"), max_length=500, required=False)


class SignForm(forms.Form):
    agree = forms.TypedChoiceField(
        label=_("对评标结果"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    dissent = forms.CharField(label=_("不同意见及理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TieDrawForm(forms.Form):
    witness_text = forms.CharField(
        label=_("在场人员输入的随机数"),
        max_length=64,
        help_text=_("由在场人员当场输入，平台公布种子承诺值之前无法预知。"),
    )


def score_form(criteria: list[dict[str, Any]], data: Any = None) -> forms.Form:
    """One decimal field per evaluation factor, bounded by its maximum."""
    fields = {
        str(item["key"]): forms.DecimalField(
            label=_("{label}（满分{points}）").format(label=item["label"], points=item["max_points"]),
            min_value=Decimal(0),
            max_value=Decimal(str(item["max_points"])),
            decimal_places=2,
        )
        for item in criteria
    }
    form_class = type("ScoreForm", (forms.Form,), fields)
    form: forms.Form = form_class(data)
    return form


class ContractForm(forms.Form):
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("合同金额（元）"), min_value=Decimal("0.01"), decimal_places=2)


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ExclusionForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class SupervisorReportForm(forms.Form):
    summary = forms.CharField(label=_("报告内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("澄清问题"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class QuestionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("澄清答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
