"""Forms of the evaluation app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import User


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
