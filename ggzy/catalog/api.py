"""API endpoints of the 交易目录 app: the catalog is public; only the system administrator
changes it. Service ValidationErrors become 422 responses in the project's error handler."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from ggzy.accounts.api_auth import HasCapability
from ggzy.accounts.policies import Capability
from ggzy.core import clock

from . import selectors, services
from .models import CatalogCategory
from .schemas import CategoryCreateIn, CategoryNodeOut, CategoryOut, CategoryRetireIn, CategoryUpdateIn

router = Router(tags=["catalog"])
manager = HasCapability(Capability.CATALOG_MANAGE)


def _category(code: str) -> CatalogCategory:
    category = selectors.category_get(code)
    if category is None:
        raise Http404
    return category


def _parent(code: str | None) -> CatalogCategory | None:
    if not code:
        return None
    parent = selectors.category_get(code)
    if parent is None:
        raise ValidationError({"parent": _("上级类别“{code}”不存在。").format(code=code)})
    return parent


def _node_data(node: selectors.CatalogNode) -> dict[str, Any]:
    return {**CategoryOut.data(node.category), "children": [_node_data(child) for child in node.children]}


@router.get("/", response=list[CategoryNodeOut], summary="交易目录（树）")
def tree(request: HttpRequest, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The categories in force on `on` (default: today, Beijing time), as a tree."""
    return [_node_data(root) for root in selectors.catalog_tree(on or clock.today())]


@router.get("/{code}", response=CategoryOut, summary="目录类别")
def detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return CategoryOut.data(_category(code))


@router.post("/", response={201: CategoryOut}, auth=manager, summary="新增目录类别")
def create(request: HttpRequest, payload: CategoryCreateIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    data["parent"] = _parent(data["parent"])
    category = services.category_create(actor=request.user, **data)
    return Status(201, CategoryOut.data(category))


@router.patch("/{code}", response=CategoryOut, auth=manager, summary="修改目录类别")
def update(request: HttpRequest, code: str, payload: CategoryUpdateIn) -> dict[str, Any]:
    category = _category(code)
    fields = payload.dict(exclude_unset=True)
    if "parent" in fields:
        fields["parent"] = _parent(fields["parent"])
    category = services.category_update(actor=request.user, category=category, **fields)
    return CategoryOut.data(category)


@router.post("/{code}/retire", response=CategoryOut, auth=manager, summary="设置目录类别失效日期")
def retire(request: HttpRequest, code: str, payload: CategoryRetireIn) -> dict[str, Any]:
    category = services.category_retire(actor=request.user, category=_category(code), effective_to=payload.effective_to)
    return CategoryOut.data(category)
