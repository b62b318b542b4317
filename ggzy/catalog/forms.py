"""Forms of the 交易目录 app: they check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType
from ggzy.core.forms import apply_errors
from ggzy.core.money import fen_to_yuan, yuan_to_fen

from .choices import Entry
from .models import CatalogCategory
from .selectors import category_list

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Model fields whose form field has another name.
FORM_FIELD_OF = {"threshold_fen": "threshold_yuan"}


class CatalogDateForm(forms.Form):
    on = forms.DateField(label=_("查询日期"), required=False, widget=DATE_WIDGET)


class CategoryForm(forms.Form):
    code = forms.CharField(
        label=_("编码"),
        max_length=20,
        help_text=_("大写字母和数字，例如 A01；一经创建不得修改。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("上级类别"),
        queryset=CatalogCategory.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("（无，作为一级类别）"),
    )
    trade_type = forms.ChoiceField(label=_("交易类型"), choices=TradeType.choices)
    entry = forms.ChoiceField(label=_("进场要求"), choices=Entry.choices)
    threshold_yuan = forms.DecimalField(
        label=_("进场限额（元）"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=16,
        help_text=_("估算金额达到此数额（含本数）时应当进场，例如 4000000 即400万元；留空表示不论金额均应进场。"),
    )
    threshold_note = forms.CharField(label=_("限额说明"), max_length=500, required=False, widget=forms.Textarea)
    source = forms.CharField(label=_("依据"), max_length=500, help_text=_("法律、法规、规章或目录文件及条款。"))
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE_WIDGET)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)

    def __init__(self, *args: Any, category: CatalogCategory | None = None, **kwargs: Any) -> None:
        self.category = category
        if category is not None:
            kwargs.setdefault("initial", self.initial_for(category))
        super().__init__(*args, **kwargs)
        parents = category_list()
        if category is not None:
            parents = parents.exclude(pk=category.pk)
            # The code is the category's identity; it is shown, not edited.
            del self.fields["code"]
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].label_from_instance = str  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(category: CatalogCategory) -> dict[str, Any]:
        return {
            "name": category.name,
            "parent": category.parent.code if category.parent_id and category.parent else None,
            "trade_type": category.trade_type,
            "entry": category.entry,
            "threshold_yuan": fen_to_yuan(category.threshold_fen) if category.threshold_fen is not None else None,
            "threshold_note": category.threshold_note,
            "source": category.source,
            "effective_from": category.effective_from,
            "sort_order": category.sort_order,
        }

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data under the services' argument names, money in fen."""
        data = dict(self.cleaned_data)
        yuan = data.pop("threshold_yuan")
        data["threshold_fen"] = yuan_to_fen(yuan) if yuan is not None else None
        return data

    def add_service_error(self, error: ValidationError) -> None:
        """Put each message of a service's ValidationError next to the field it is about."""
        if hasattr(error, "error_dict"):
            error = ValidationError(
                {FORM_FIELD_OF.get(field, field): messages for field, messages in error.message_dict.items()}
            )
        apply_errors(self, error)


class RetireForm(forms.Form):
    effective_to = forms.DateField(
        label=_("失效日期"),
        widget=DATE_WIDGET,
        help_text=_("自该日起本类别及其下级类别不再适用；不得早于今天。"),
    )
