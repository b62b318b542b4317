"""Forms of the expert pool's pages: they check shape; services decide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.uscc import normalize as uscc_normalize
from ggzy.accounts.uscc import validate_uscc
from ggzy.core import clock

from . import selectors, validators
from .choices import ExpertStatus, TitleLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _specialty_choices() -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in selectors.specialties_all()]


class PoolFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("专家编号、姓名或工作单位")}),
    )
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *ExpertStatus.choices], required=False)
    specialty = forms.ChoiceField(label=_("评标专业"), required=False, help_text=_("含下级专业。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("全部")), *_specialty_choices()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        """The selector's arguments; an invalid filter is ignored rather than shown as an error."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", "").strip(),
            "status": data.get("status", ""),
            "specialty": data.get("specialty", ""),
        }


class EligibilityForm(forms.Form):
    """The facts that decide whether an expert may be drawn."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_card_number = forms.CharField(
        label=_("身份证号"), max_length=18, validators=[validators.validate_id_card_number]
    )
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE)
    employer_name = forms.CharField(label=_("工作单位"), max_length=200)
    employer_uscc = forms.CharField(label=_("工作单位统一社会信用代码"), max_length=18, required=False)
    region_code = forms.CharField(label=_("所在地行政区划代码"), max_length=6)
    title_level = forms.TypedChoiceField(label=_("职称等级"), choices=TitleLevel.choices, coerce=int)
    title_name = forms.CharField(label=_("职称名称"), max_length=100, required=False)
    practice_since = forms.DateField(label=_("从事专业工作起始日期"), widget=DATE)
    specialties = forms.MultipleChoiceField(
        label=_("评标专业"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("可多选（按住Ctrl键点选）。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = _specialty_choices()  # type: ignore[attr-defined]

    def clean_id_card_number(self) -> str:
        return str(self.cleaned_data["id_card_number"]).strip().upper()

    def clean_employer_uscc(self) -> str:
        code = uscc_normalize(self.cleaned_data["employer_uscc"])
        if code:
            validate_uscc(code)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("id_card_number") and data.get("birth_date"):
            mismatch = validators.birth_date_mismatch(data["id_card_number"], data["birth_date"])
            if mismatch:
                self.add_error("birth_date", mismatch)
        return data


class ContactForm(forms.Form):
    mobile = forms.CharField(label=_("手机号"), max_length=20, validators=[validators.validate_mobile])
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class ExpertForm(EligibilityForm, ContactForm):
    """A new expert entered by a pool manager."""

    field_order = [
        "name",
        "id_card_number",
        "birth_date",
        "mobile",
        "email",
        "employer_name",
        "employer_uscc",
        "region_code",
        "title_level",
        "title_name",
        "practice_since",
        "specialties",
    ]


class ConflictForm(forms.Form):
    organization_uscc = forms.CharField(
        label=_("单位统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("与本人有利害关系的单位，例如曾任职或持股的企业。"),
    )
    person_name = forms.CharField(
        label=_("人员姓名"), max_length=50, required=False, help_text=_("与本人有利害关系的人员，例如近亲属。")
    )
    relation = forms.CharField(label=_("关系说明"), max_length=200)

    def clean_organization_uscc(self) -> str:
        code = uscc_normalize(self.cleaned_data["organization_uscc"])
        if code:
            validate_uscc(code)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = data.get("organization_uscc") or data.get("person_name", "").strip()
        if not named and not self.has_error("organization_uscc"):
            raise forms.ValidationError(_("请填写单位统一社会信用代码或人员姓名。"))
        return data


def _after_today(day: dt.date | None) -> dt.date | None:
    if day is not None and day <= clock.today():
        raise forms.ValidationError(_("日期应晚于今天。"))
    return day


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)
    until = forms.DateField(label=_("暂停至"), required=False, widget=DATE, help_text=_("不填表示直至恢复。"))

    def clean_until(self) -> dt.date | None:
        return _after_today(self.cleaned_data["until"])


class BanForm(forms.Form):
    reason = forms.CharField(label=_("处罚决定及原因"), max_length=300)
    until = forms.DateField(label=_("禁止至"), widget=DATE)

    def clean_until(self) -> dt.date | None:
        return _after_today(self.cleaned_data["until"])


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审核结果"), choices=[("1", _("通过")), ("0", _("驳回"))], coerce=lambda value: value == "1"
    )
    note = forms.CharField(label=_("审核意见"), max_length=300, required=False, help_text=_("驳回时必填。"))


class AccountLinkForm(forms.Form):
    username = forms.CharField(label=_("专家的平台账号（用户名）"), max_length=150)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("专家信息文件"), help_text=_("CSV（UTF-8或GB18030编码）或Excel .xlsx文件，不超过5 MB。")
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(_("请上传.csv或.xlsx文件。"))
        if (upload.size or 0) > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件超过5 MB，请分成多个文件导入。"))
        return upload
