"""Forms of the portal app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import GuideSection


class GuideItemForm(forms.Form):
    section = forms.ChoiceField(label=_("栏目"), choices=GuideSection.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
