"""Writes of the 交易目录 app: one `<entity>_<verb>` function per act.

Only the system administrator maintains the catalog; each service checks this itself, so
pages, the API and any later caller are all covered. Categories are never deleted: they are
retired by an end date, and every change is witnessed with its before/after snapshot.

A change of name, threshold or entry applies to every day the category is in force, past
days included. To change the rule from a date on, retire the category on that date and
create a new one with a new code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.core.locks import lock_instance
from ggzy.witness.services import event_record

from . import policies
from .models import CatalogCategory

SEED_FILE = Path(__file__).resolve().parent / "seed" / "catalog.json"

# What category_update may change. The code is the category's identity (projects refer to it);
# the end date is set by category_retire.
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "parent",
        "trade_type",
        "entry",
        "threshold_fen",
        "threshold_note",
        "source",
        "effective_from",
        "sort_order",
        "is_active",
    }
)


def _snapshot(category: CatalogCategory) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "parent": category.parent.code if category.parent_id and category.parent else None,
        "trade_type": category.trade_type,
        "entry": category.entry,
        "threshold_fen": category.threshold_fen,
        "threshold_note": category.threshold_note,
        "source": category.source,
        "effective_from": category.effective_from,
        "effective_to": category.effective_to,
        "sort_order": category.sort_order,
        "is_active": category.is_active,
    }


def _require_manager(actor: Any) -> None:
    if not policies.can_manage(actor):
        raise PermissionDenied(_("只有系统管理员可以维护交易目录。"))


@transaction.atomic
def category_create(
    *,
    actor: Any,
    code: str,
    name: str,
    parent: CatalogCategory | None,
    trade_type: str,
    entry: str,
    threshold_fen: int | None,
    threshold_note: str,
    source: str,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    sort_order: int = 0,
) -> CatalogCategory:
    _require_manager(actor)
    return _create(
        actor=actor,
        action="catalog.category_created",
        code=code,
        name=name,
        parent=parent,
        trade_type=trade_type,
        entry=entry,
        threshold_fen=threshold_fen,
        threshold_note=threshold_note,
        source=source,
        effective_from=effective_from,
        effective_to=effective_to,
        sort_order=sort_order,
    )


def _create(
    *,
    actor: Any,
    action: str,
    code: str,
    name: str,
    parent: CatalogCategory | None,
    trade_type: str,
    entry: str,
    threshold_fen: int | None,
    threshold_note: str,
    source: str,
    effective_from: dt.date,
    effective_to: dt.date | None,
    sort_order: int,
) -> CatalogCategory:
    category = CatalogCategory(
        code=code.strip().upper(),
        name=name.strip(),
        parent=parent,
        trade_type=trade_type,
        entry=entry,
        threshold_fen=threshold_fen,
        threshold_note=threshold_note.strip(),
        source=source.strip(),
        effective_from=effective_from,
        effective_to=effective_to,
        sort_order=sort_order,
    )
    category.full_clean()
    category.save()
    event_record(action=action, actor=actor, obj=category, after=_snapshot(category))
    return category


@transaction.atomic
def category_update(*, actor: Any, category: CatalogCategory, **fields: Any) -> CatalogCategory:
    """Change the given fields (see UPDATABLE_FIELDS); a call that changes nothing writes nothing."""
    _require_manager(actor)
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError("category_update() cannot change: " + ", ".join(sorted(unknown)))
    category = lock_instance(category)
    before = _snapshot(category)
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(category, name, value)
    after = _snapshot(category)
    if after == before:
        return category
    category.full_clean()
    category.save()
    event_record(action="catalog.category_updated", actor=actor, obj=category, before=before, after=after)
    return category


@transaction.atomic
def category_retire(*, actor: Any, category: CatalogCategory, effective_to: dt.date) -> CatalogCategory:
    """End a category, and its sub-categories, from `effective_to` on (that day excluded).

    The date may not lie in the past: a retirement is not back-dated, because projects were
    registered against the catalog as it stood. A retirement still in the future may be moved.
    """
    _require_manager(actor)
    category = lock_instance(category)
    today = clock.today()
    if category.effective_to is not None and category.effective_to <= today:
        raise ValidationError(
            {
                "effective_to": _("该类别已于{date}失效，不能再次设置失效日期。").format(
                    date=category.effective_to.isoformat()
                )
            }
        )
    if effective_to < today:
        raise ValidationError({"effective_to": _("失效日期不得早于今天（{date}）。").format(date=today.isoformat())})
    _retire(actor=actor, category=category, effective_to=effective_to)
    category.refresh_from_db()
    return category


def _retire(*, actor: Any, category: CatalogCategory, effective_to: dt.date) -> None:
    # Children first, so that the parent's period still contains theirs at every step.
    for child in CatalogCategory.objects.filter(parent_id=category.pk).order_by("code"):
        if child.effective_to is not None and child.effective_to <= effective_to:
            continue
        if child.effective_from >= effective_to:
            raise ValidationError(
                {
                    "effective_to": _("下级类别“{name}”（{code}）自{date}起才生效，请先处理该类别。").format(
                        name=child.name, code=child.code, date=child.effective_from.isoformat()
                    )
                }
            )
        _retire(actor=actor, category=child, effective_to=effective_to)
    before = _snapshot(category)
    category.effective_to = effective_to
    category.full_clean()
    category.save()
    event_record(action="catalog.category_retired", actor=actor, obj=category, before=before, after=_snapshot(category))


def seed_rows(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        rows: list[dict[str, Any]] = json.load(handle)["categories"]
    return rows


@transaction.atomic
def catalog_seed(*, actor: Any = None, path: Path = SEED_FILE) -> list[CatalogCategory]:
    """Create the categories of the seed file whose code does not exist yet; return those created.

    Idempotent: a code that exists is skipped, whatever its content, so a category the
    administrator has edited or retired since is never overwritten. Parents come before their
    children in the file. Run by the system (actor None, `manage.py catalog_seed`) or by an
    administrator.
    """
    if actor is not None:
        _require_manager(actor)
    existing = set(CatalogCategory.objects.values_list("code", flat=True))
    created: list[CatalogCategory] = []
    for row in seed_rows(path):
        if row["code"] in existing:
            continue
        parent = CatalogCategory.objects.get(code=row["parent"]) if row.get("parent") else None
        created.append(
            _create(
                actor=actor,
                action="catalog.category_seeded",
                code=row["code"],
                name=row["name"],
                parent=parent,
                trade_type=row["trade_type"],
                entry=row["entry"],
                threshold_fen=row.get("threshold_fen"),
                threshold_note=row.get("threshold_note", ""),
                source=row["source"],
                effective_from=dt.date.fromisoformat(row["effective_from"]),
                effective_to=dt.date.fromisoformat(row["effective_to"]) if row.get("effective_to") else None,
                sort_order=row.get("sort_order", 0),
            )
        )
        existing.add(row["code"])
    return created
