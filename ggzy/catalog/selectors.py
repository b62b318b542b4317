"""Reads of the 交易目录 app: the catalog in force on a day, and the entry decision that project
registration asks for.

There is deliberately no function, here or anywhere in the catalog, by which anyone can make a
project outside the catalog mandatory: the trading center must not force non-catalog projects
onto the platform (regulation art. 22 (三)); they may only enter voluntarily (art. 8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from .choices import Entry
from .models import CatalogCategory, CatalogCategoryQuerySet, amount_display


@dataclass
class CatalogNode:
    category: CatalogCategory
    children: list[CatalogNode] = field(default_factory=list)
    depth: int = 0


def categories_in_force(on: dt.date) -> CatalogCategoryQuerySet:
    return CatalogCategory.objects.in_force(on).select_related("parent").order_by("sort_order", "code")


def catalog_tree(on: dt.date) -> list[CatalogNode]:
    """The categories in force on `on` as a forest of roots, siblings by (sort order, code).

    One query; the tree is built in Python. A category whose parent is not in force that day
    cannot exist (CatalogCategory.clean keeps a child's period inside its parent's), and is
    left out should it ever appear.
    """
    categories = list(categories_in_force(on))
    nodes = {category.pk: CatalogNode(category=category) for category in categories}
    roots: list[CatalogNode] = []
    for category in categories:  # already in sibling order, so children lists come out ordered
        node = nodes[category.pk]
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)
    _set_depth(roots, 0)
    return roots


def _set_depth(nodes: list[CatalogNode], depth: int) -> None:
    for node in nodes:
        node.depth = depth
        _set_depth(node.children, depth + 1)


def tree_walk(nodes: list[CatalogNode]) -> Iterator[CatalogNode]:
    """Depth-first, parents before their children (the order of a printed catalog)."""
    for node in nodes:
        yield node
        yield from tree_walk(node.children)


def categories_for_trade_type(trade_type: str, on: dt.date) -> CatalogCategoryQuerySet:
    """The categories a project of this trade type can be registered under on `on`: the
    in-force categories with no in-force children (a root without children counts). A
    category with children is not offered: the entry decision is made on the specific child,
    whose threshold applies."""
    children_in_force = CatalogCategory.objects.in_force(on).filter(parent_id=OuterRef("pk"))
    return (
        CatalogCategory.objects.in_force(on)
        .filter(trade_type=trade_type)
        .exclude(Exists(children_in_force))
        .select_related("parent")
        .order_by("code")
    )


def category_get(code: str) -> CatalogCategory | None:
    """The category with this code, in force or not; None if there is none."""
    return CatalogCategory.objects.select_related("parent").filter(code=code.strip().upper()).first()


def category_list() -> CatalogCategoryQuerySet:
    """Every category ever entered, retired ones included (for the administrator's pages)."""
    return CatalogCategory.objects.select_related("parent").order_by("code")


@dataclass(frozen=True)
class EntryRequirement:
    mandatory: bool
    reason: str


def entry_requirement(*, category: CatalogCategory | None, budget_fen: int, on: dt.date) -> EntryRequirement:
    """Must a project of this category and estimated contract value trade on the platform?

    Mandatory if and only if the category is in force on `on`, its entry is mandatory and it
    has no threshold or `budget_fen` reaches it ("以上" includes the figure itself). Only the
    given category's own rule counts: a mandatory parent does not make a child below its
    threshold mandatory. A project outside the catalog (`category` None) is never mandatory.
    """
    if budget_fen < 0:
        raise ValidationError({"budget_fen": _("估算金额不能为负数。")}, code="negative_budget")
    if category is None:
        return EntryRequirement(
            mandatory=False,
            reason=_(
                "目录外项目不强制进入平台交易，可自愿进场（办法第八条）；"
                "平台不得强制非公共资源交易项目进场（办法第二十二条第（三）项）。"
            ),
        )
    if not category.is_in_force(on):
        return EntryRequirement(
            mandatory=False,
            reason=_("“{name}”（{code}）在{date}不在有效期内，不属于应当进场的目录项目，可自愿进场。").format(
                name=category.name, code=category.code, date=on.isoformat()
            ),
        )
    if category.entry != Entry.MANDATORY:
        return EntryRequirement(
            mandatory=False,
            reason=_("“{name}”属于鼓励进场的类别，可自愿进入平台交易（办法第八条）。").format(name=category.name),
        )
    if category.threshold_fen is None:
        return EntryRequirement(
            mandatory=True,
            reason=_("“{name}”列入交易目录，应当在公共资源交易平台进行交易（办法第七条、第八条）。").format(
                name=category.name
            ),
        )
    if budget_fen >= category.threshold_fen:
        return EntryRequirement(
            mandatory=True,
            reason=_(
                "“{name}”列入交易目录，估算金额{budget}达到进场限额{threshold}，应当在公共资源交易平台进行交易（办法第八条）。"
            ).format(name=category.name, budget=amount_display(budget_fen), threshold=category.threshold_display),
        )
    return EntryRequirement(
        mandatory=False,
        reason=_("估算金额{budget}低于“{name}”的进场限额{threshold}，不强制进场，可自愿进场（办法第八条）。").format(
            name=category.name, budget=amount_display(budget_fen), threshold=category.threshold_display
        ),
    )
