"""API schemas of the 交易目录 app. Money is integer fen in fields named `…_fen`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from ggzy.core.choices import TradeType

from .choices import Entry
from .models import CatalogCategory


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None = Field(None, description="上级类别编码")
    trade_type: TradeType
    trade_type_label: str
    entry: Entry
    entry_label: str
    threshold_fen: int | None = Field(None, description="进场限额（分）；空表示不论金额")
    threshold_note: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="自该日起不再适用")
    sort_order: int
    is_active: bool

    @classmethod
    def data(cls, category: CatalogCategory) -> dict[str, Any]:
        return {
            "code": category.code,
            "name": category.name,
            "parent": category.parent.code if category.parent_id and category.parent else None,
            "trade_type": category.trade_type,
            "trade_type_label": str(category.get_trade_type_display()),
            "entry": category.entry,
            "entry_label": str(category.get_entry_display()),
            "threshold_fen": category.threshold_fen,
            "threshold_note": category.threshold_note,
            "source": category.source,
            "effective_from": category.effective_from,
            "effective_to": category.effective_to,
            "sort_order": category.sort_order,
            "is_active": category.is_active,
        }


class CategoryNodeOut(CategoryOut):
    children: list[CategoryNodeOut] = Field(default_factory=list)


CategoryNodeOut.model_rebuild()


class CategoryCreateIn(Schema):
    code: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    parent: str | None = Field(None, description="上级类别编码；空表示一级类别")
    trade_type: TradeType
    entry: Entry
    threshold_fen: int | None = None
    threshold_note: str = ""
    source: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    sort_order: int = Field(0, ge=0)


class CategoryUpdateIn(Schema):
    """Only the fields sent are changed. The code cannot change; retire sets the end date."""

    name: str | None = Field(None, max_length=100)
    parent: str | None = Field(None, description="上级类别编码；传 null 表示改为一级类别")
    trade_type: TradeType | None = None
    entry: Entry | None = None
    threshold_fen: int | None = None
    threshold_note: str | None = None
    source: str | None = None
    effective_from: dt.date | None = None
    sort_order: int | None = Field(None, ge=0)
    is_active: bool | None = None


class CategoryRetireIn(Schema):
    effective_to: dt.date
