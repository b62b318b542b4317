"""Forms of the exchange app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DataSet, PushStatus


class RecordFilterForm(forms.Form):
    dataset = forms.ChoiceField(label=_("数据集"), choices=[("", _("全部")), *DataSet.choices], required=False)
    status = forms.ChoiceField(label=_("推送状态"), choices=[("", _("全部")), *PushStatus.choices], required=False)
