"""Forms of the evaluation app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import User
from ggzy.core.money import yuan_to_fen

from . import corrections
from .choices import RejectionGround, Subject, TieBreak
from .services import band_text


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


class PriceCorrectionForm(forms.Form):
    """What the committee reads from the bid for 87号令 art. 59: the opening summary's total in words
    and figures, and the price schedule (one line each: 名称, 数量, 单价, 合价; amounts in yuan)."""

    amount_in_words = forms.CharField(label=_("开标一览表大写金额"), max_length=100)
    amount_in_figures = forms.CharField(label=_("开标一览表小写金额（元）"), max_length=30)
    schedule_total = forms.CharField(label=_("分项报价表合计（元）"), max_length=30, required=False)
    lines = forms.CharField(
        label=_("分项报价表"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("每行一项：名称,数量,单价（元）,合价（元）"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            figures = yuan_to_fen(data["amount_in_figures"])
            total = yuan_to_fen(data["schedule_total"]) if data.get("schedule_total", "").strip() else None
            items = []
            for number, line in enumerate(data.get("lines", "").splitlines(), start=1):
                if not line.strip():
                    continue
                parts = [p.strip() for p in line.replace("，", ",").split(",")]
                if len(parts) != 4:
                    raise forms.ValidationError(_("分项报价表第{n}行应有名称、数量、单价、合价四项。").format(n=number))
                try:
                    quantity = Decimal(parts[1])
                except ArithmeticError:
                    raise forms.ValidationError(_("分项报价表第{n}行的数量不正确。").format(n=number)) from None
                if not quantity.is_finite() or quantity <= 0:
                    raise forms.ValidationError(_("分项报价表第{n}行的数量不正确。").format(n=number))
                items.append(
                    corrections.LineItem(
                        name=parts[0],
                        quantity=quantity,
                        unit_price_fen=yuan_to_fen(parts[2]),
                        line_total_fen=yuan_to_fen(parts[3]),
                    )
                )
            data["price_data"] = corrections.PriceData(
                amount_in_words=data["amount_in_words"].strip(),
                amount_in_figures_fen=figures,
                items=tuple(items),
                schedule_total_fen=total,
            )
        except ValueError:
            raise forms.ValidationError(_("金额和数量不能为负数。")) from None
        return data


class CorrectionAnswerForm(forms.Form):
    confirm = forms.TypedChoiceField(
        label=_("对修正后的报价"),
        choices=[("1", _("确认")), ("0", _("不确认（投标无效）"))],
        coerce=lambda v: v == "1",
    )


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


class TermsForm(forms.Form):
    """The evaluation method's parameters as the tender documents state them."""

    subject = forms.ChoiceField(label=_("采购标的类别"), choices=Subject.choices)
    price_weight_percent = forms.DecimalField(
        label=_("价格分值比重（%）"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        required=False,
        help_text=_("综合评分法必填；经评审的最低投标价法不填。"),
    )
    sme_deduction_percent = forms.DecimalField(
        label=_("小微企业价格扣除比例（%）"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, initial=0
    )
    criteria = forms.CharField(
        label=_("评审因素"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_(
            "每行一项：代码,名称,分值,是否技术因素（是/否）,分档（可省略，如“优:8-10/良:5-7/差:0-4”）。"
            "价格分值与各因素分值之和应为100。"
        ),
    )
    tie_break = forms.ChoiceField(label=_("并列时的排序方法"), choices=TieBreak.choices, initial=TieBreak.DRAW)

    def clean_criteria(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for number, line in enumerate(self.cleaned_data.get("criteria", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) not in (3, 4, 5):
                raise forms.ValidationError(
                    _("评审因素第{n}行应为：代码,名称,分值,是否技术因素,分档（可省略）。").format(n=number)
                )
            technical = len(parts) >= 4 and parts[3] in {"是", "技术", "1", "yes", "true"}
            bands = _bands_parse(parts[4], number) if len(parts) == 5 and parts[4] else []
            rows.append(
                {"key": parts[0], "label": parts[1], "max_points": parts[2], "technical": technical, "bands": bands}
            )
        return rows

    @staticmethod
    def criteria_text(criteria: list[dict[str, Any]]) -> str:
        return "\n".join(
            "{key},{label},{points},{technical}{bands}".format(
                key=c["key"],
                label=c["label"],
                points=c["max_points"],
                technical="是" if c.get("technical") else "否",
                bands="," + band_text(c["bands"]) if c.get("bands") else "",
            )
            for c in criteria
        )


def _bands_parse(text: str, number: int) -> list[dict[str, str]]:
    """“优:8-10/良:5-7/差:0-4” (a label is optional) into bands."""
    bands = []
    for piece in text.replace("：", ":").split("/"):
        label, _colon, span = piece.rpartition(":")
        low, dash, high = span.partition("-")
        if not dash or not low.strip() or not high.strip():
            raise forms.ValidationError(_("评审因素第{n}行的分档应写作“优:8-10/良:5-7”。").format(n=number))
        bands.append({"label": label.strip(), "min": low.strip(), "max": high.strip()})
    return bands


class ReplaceForm(forms.Form):
    reason = forms.CharField(
        label=_("更换理由"),
        max_length=500,
        help_text=_("仅限法定事由：应当回避、擅离职守、因健康等原因不能继续评标。"),
    )


class SupervisorReportForm(forms.Form):
    summary = forms.CharField(label=_("报告内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("澄清问题"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class QuestionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("澄清答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
