"""Reads of the expert pool's pages: one expert, the review queue with what each change changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Field, Prefetch, QuerySet
from django.http import Http404

from ggzy.accounts.models import User

from .choices import ChangeStatus, TitleLevel
from .models import Expert, ExpertChange, Specialty


def expert_get_for_pool(number: str) -> Expert:
    expert = (
        Expert.objects.select_related("user")
        .prefetch_related(
            "specialties",
            "conflicts",
            Prefetch("changes", queryset=ExpertChange.objects.select_related("reviewed_by").order_by("-submitted_at")),
        )
        .filter(number=number)
        .first()
    )
    if expert is None:
        raise Http404
    return expert


def id_numbers_in_pool(numbers: Iterable[str]) -> set[str]:
    return set(Expert.objects.filter(id_card_number__in=list(numbers)).values_list("id_card_number", flat=True))


def account_get(username: str) -> User | None:
    return User.objects.filter(username=username.strip(), is_active=True).first()


def changes_pending_for_review() -> QuerySet[ExpertChange]:
    return (
        ExpertChange.objects.filter(status=ChangeStatus.PENDING)
        .select_related("expert")
        .prefetch_related("expert__specialties")
        .order_by("submitted_at")
    )


def change_get(pk: int) -> ExpertChange:
    change = ExpertChange.objects.select_related("expert").filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


def changes_of(expert: Expert, *, limit: int = 10) -> list[ExpertChange]:
    return list(expert.changes.order_by("-submitted_at")[:limit])


def _field(name: str) -> Field[Any, Any]:
    field = Expert._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def _shown(name: str, value: Any, specialty_names: dict[str, str]) -> str:
    if name == "specialties":
        return "、".join(f"{code} {specialty_names.get(code, '')}".strip() for code in sorted(value))
    if name == "title_level":
        return str(TitleLevel(int(value)).label)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "—")


def change_fields(change: ExpertChange, specialty_names: dict[str, str] | None = None) -> list[FieldChange]:
    """Each field of a change with the expert's current value and the value asked for."""
    expert = change.expert
    if specialty_names is None:
        specialty_names = specialty_name_map()
    rows = []
    for name, after in change.changes.items():
        if name == "specialties":
            label = str(_field("specialties").verbose_name)
            before: Any = [s.code for s in expert.specialties.all()]
        else:
            field = _field(name)
            label, before, after = str(field.verbose_name), getattr(expert, name), field.to_python(after)
        rows.append(
            FieldChange(
                label=label,
                before=_shown(name, before, specialty_names),
                after=_shown(name, after, specialty_names),
            )
        )
    return rows


def specialty_name_map() -> dict[str, str]:
    return dict(Specialty.objects.values_list("code", "name"))


def changed_labels(change: ExpertChange) -> str:
    """The names of the facts a change asks to change, for a history line."""
    return "、".join(str(_field(name).verbose_name) for name in change.changes)
