"""Forms of the experts app: they check shape; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import RegionScope


class DrawRequestForm(forms.Form):
    evaluation_starts_at = forms.DateTimeField(
        label=_("评标开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    evaluation_ends_at = forms.DateTimeField(
        label=_("评标预计结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("评标地点"), max_length=200)
    region_scope = forms.ChoiceField(label=_("抽取区域"), choices=RegionScope.choices)
    lines = forms.CharField(
        label=_("抽取专业及人数"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个专业：专业代码 人数 备选人数，例如“A0101 5 2”。"),
    )

    def clean_lines(self) -> list[tuple[str, int, int]]:
        parsed = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            parts = raw.split()
            if not parts:
                continue
            if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts[1:]):
                raise forms.ValidationError(_("第{n}行格式不对：应为“专业代码 人数 备选人数”。").format(n=number))
            parsed.append((parts[0].upper(), int(parts[1]), int(parts[2]) if len(parts) == 3 else 0))
        if not parsed:
            raise forms.ValidationError(_("至少填写一个抽取专业。"))
        return parsed


class WitnessForm(forms.Form):
    witness_text = forms.CharField(
        label=_("监督人随机数"),
        max_length=32,
        help_text=_("由在场监督人自行随意输入4至32位数字；抽取结果由平台事先承诺的种子和此数共同决定。"),
    )


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("是否参加"), choices=[("1", _("参加")), ("0", _("不参加"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("不参加的原因"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        help_text=_("5分最好；2分及以下须写明事实和理由。"),
    )
    comment = forms.CharField(label=_("评价说明"), max_length=500, required=False)
