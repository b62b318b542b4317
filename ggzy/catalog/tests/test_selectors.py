from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ggzy.catalog import selectors, services
from ggzy.catalog.models import CatalogCategory, amount_display
from ggzy.core.choices import TradeType

from .conftest import REGULATION_DATE, CatalogCategoryFactory

pytestmark = pytest.mark.django_db

WAN = 1_000_000  # fen in 1万元
DAY = dt.date(2024, 5, 1)


def test_tree_is_one_query_however_large(seeded: dict[str, CatalogCategory], django_assert_num_queries: Any) -> None:
    def walk() -> list[str]:
        with django_assert_num_queries(1):
            roots = selectors.catalog_tree(DAY)
            # Reading parents and children must not query again.
            return [
                f"{node.category.code}<{node.category.parent.code if node.category.parent else ''}"
                for node in selectors.tree_walk(roots)
            ]

    before = walk()
    parent = CatalogCategoryFactory(code="S")
    child = CatalogCategoryFactory(code="S01", parent=parent)
    CatalogCategoryFactory.create_batch(5, parent=child)
    after = walk()
    assert len(after) == len(before) + 7


def test_tree_shape_and_order(seeded: dict[str, CatalogCategory]) -> None:
    roots = selectors.catalog_tree(DAY)
    assert [root.category.code for root in roots][:5] == ["A", "B", "C", "D", "E"]
    works = roots[0]
    assert [node.category.code for node in works.children] == ["A01", "A02", "A03"]
    assert {node.depth for node in works.children} == {1}


def test_tree_before_the_regulation_is_empty(seeded: dict[str, CatalogCategory]) -> None:
    assert selectors.catalog_tree(REGULATION_DATE - dt.timedelta(days=1)) == []


def test_tree_leaves_out_retired_categories(
    system_admin: Any, seeded: dict[str, CatalogCategory], time_machine: Any
) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    services.category_retire(actor=system_admin, category=seeded["A03"], effective_to=dt.date(2026, 7, 1))
    codes = lambda on: [n.category.code for n in selectors.tree_walk(selectors.catalog_tree(on))]  # noqa: E731
    assert "A03" in codes(dt.date(2026, 6, 30))
    assert "A03" not in codes(dt.date(2026, 7, 1))


def test_categories_for_trade_type_offers_leaves(seeded: dict[str, CatalogCategory]) -> None:
    construction = selectors.categories_for_trade_type(TradeType.CONSTRUCTION, DAY)
    assert [c.code for c in construction] == ["A01", "A02", "A03"]
    land = selectors.categories_for_trade_type(TradeType.LAND_USE, DAY)
    assert [c.code for c in land] == ["C"]
    assert not selectors.categories_for_trade_type(TradeType.CONSTRUCTION, REGULATION_DATE - dt.timedelta(days=1))


def test_category_get(seeded: dict[str, CatalogCategory]) -> None:
    category = selectors.category_get(" a01 ")
    assert category is not None
    assert category.name == "施工"
    assert selectors.category_get("NOPE") is None


@pytest.fixture
def catalog(seeded: dict[str, CatalogCategory], system_admin: Any, time_machine: Any) -> dict[str, CatalogCategory]:
    """The seeded catalog, with A03 (勘察设计监理) retired from 2030-01-01."""
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    services.category_retire(actor=system_admin, category=seeded["A03"], effective_to=dt.date(2030, 1, 1))
    return {c.code: c for c in CatalogCategory.objects.all()}


@pytest.mark.parametrize(
    ("code", "budget_fen", "on", "mandatory"),
    [
        # construction works: 400万元 and above ("以上" includes the figure)
        ("A01", 399 * WAN, DAY, False),
        ("A01", 400 * WAN - 1, DAY, False),
        ("A01", 400 * WAN, DAY, True),
        ("A01", 5000 * WAN, DAY, True),
        # important equipment and materials: 200万元
        ("A02", 199 * WAN, DAY, False),
        ("A02", 200 * WAN, DAY, True),
        # survey, design, supervision services: 100万元
        ("A03", 100 * WAN, DAY, True),
        # the same category after its retirement
        ("A03", 100 * WAN, dt.date(2029, 12, 31), True),
        ("A03", 100 * WAN, dt.date(2030, 1, 1), False),
        # before the regulation took effect
        ("A01", 500 * WAN, REGULATION_DATE - dt.timedelta(days=1), False),
        ("A01", 500 * WAN, REGULATION_DATE, True),
        # no threshold: whatever the amount
        ("B01", 1, DAY, True),
        ("C", 0, DAY, True),
        ("E", 10 * WAN, DAY, True),
        # voluntary categories are never mandatory
        ("F", 100_000 * WAN, DAY, False),
        ("L", 100_000 * WAN, DAY, False),
        # off-catalog: never mandatory (art. 8, art. 22 (三))
        (None, 100_000 * WAN, DAY, False),
        (None, 0, DAY, False),
    ],
)
def test_entry_requirement(
    catalog: dict[str, CatalogCategory], code: str | None, budget_fen: int, on: dt.date, mandatory: bool
) -> None:
    category = catalog[code] if code else None
    result = selectors.entry_requirement(category=category, budget_fen=budget_fen, on=on)
    assert result.mandatory is mandatory
    assert result.reason  # always explained, in Chinese
    assert any("\u4e00" <= char <= "\u9fff" for char in result.reason)


def test_entry_requirement_explains_the_threshold(catalog: dict[str, CatalogCategory]) -> None:
    below = selectors.entry_requirement(category=catalog["A01"], budget_fen=399 * WAN, on=DAY)
    assert "399万元" in below.reason
    assert "400万元" in below.reason
    off = selectors.entry_requirement(category=None, budget_fen=0, on=DAY)
    assert "目录外" in off.reason


def test_entry_requirement_of_an_inactive_category(catalog: dict[str, CatalogCategory], system_admin: Any) -> None:
    category = services.category_update(actor=system_admin, category=catalog["C"], is_active=False)
    assert not selectors.entry_requirement(category=category, budget_fen=WAN, on=DAY).mandatory


def test_entry_requirement_refuses_a_negative_budget(catalog: dict[str, CatalogCategory]) -> None:
    with pytest.raises(ValidationError):
        selectors.entry_requirement(category=catalog["A01"], budget_fen=-1, on=DAY)


@pytest.mark.parametrize(
    ("fen", "text"),
    [(400 * WAN, "400万元"), (12_345 * WAN, "12,345万元"), (123_456, "1,234.56元"), (0, "0.00元"), (None, "")],
)
def test_amount_display(fen: int | None, text: str) -> None:
    assert amount_display(fen) == text
