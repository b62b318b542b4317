from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.catalog import services
from ggzy.catalog.choices import Entry
from ggzy.catalog.models import CatalogCategory
from ggzy.core.choices import TradeType
from ggzy.witness.models import WitnessEvent

from .conftest import REGULATION_DATE

pytestmark = pytest.mark.django_db


def _create_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "code": "R",
        "name": "林权交易（州级）",
        "parent": None,
        "trade_type": TradeType.OTHER,
        "entry": Entry.VOLUNTARY,
        "threshold_fen": None,
        "threshold_note": "",
        "source": "测试依据",
        "effective_from": REGULATION_DATE,
    }
    kwargs.update(overrides)
    return kwargs


# --- seed ------------------------------------------------------------------------------------


def test_seed_is_idempotent(tmp_path: Path) -> None:
    seed = tmp_path / "catalog.json"
    rows = [
        {
            "code": "X",
            "name": "测试根类别",
            "parent": None,
            "trade_type": "other",
            "entry": "voluntary",
            "source": "测试依据",
            "effective_from": "2023-10-20",
            "sort_order": 900,
        },
        {
            "code": "X01",
            "name": "测试下级类别",
            "parent": "X",
            "trade_type": "other",
            "entry": "voluntary",
            "source": "测试依据",
            "effective_from": "2023-10-20",
        },
    ]
    seed.write_text(json.dumps({"categories": rows}, ensure_ascii=False), encoding="utf-8")
    categories = CatalogCategory.objects.count()
    events = WitnessEvent.objects.count()

    created = services.catalog_seed(path=seed)

    assert [c.code for c in created] == ["X", "X01"]
    assert created[1].parent == created[0]
    assert CatalogCategory.objects.count() == categories + 2
    assert WitnessEvent.objects.count() == events + 2

    assert services.catalog_seed(path=seed) == []
    assert CatalogCategory.objects.count() == categories + 2
    assert WitnessEvent.objects.count() == events + 2


def test_the_shipped_seed_is_loaded_with_the_reference_data_and_reloads_to_nothing() -> None:
    codes = {row["code"] for row in services.seed_rows()}
    assert codes <= set(CatalogCategory.objects.values_list("code", flat=True))
    events = WitnessEvent.objects.count()
    assert services.catalog_seed() == []
    assert WitnessEvent.objects.count() == events


def test_seed_content_follows_the_regulation(seeded: dict[str, CatalogCategory]) -> None:
    roots = {c.code: c for c in CatalogCategory.objects.filter(parent__isnull=True)}
    core = {c.trade_type for c in roots.values() if c.entry == Entry.MANDATORY}
    assert core == {
        TradeType.CONSTRUCTION,
        TradeType.GOVERNMENT_PROCUREMENT,
        TradeType.LAND_USE,
        TradeType.MINING_RIGHTS,
        TradeType.STATE_PROPERTY,
    }
    assert all(c.entry == Entry.VOLUNTARY for c in roots.values() if c.trade_type == TradeType.OTHER)
    works = CatalogCategory.objects.get(code="A01")
    assert works.threshold_fen == 400_000_000  # 400万元
    assert "第16号" in works.source
    assert "⚠️" in works.threshold_note
    assert {c.effective_from for c in seeded.values() if c.code in {r["code"] for r in services.seed_rows()}} == {
        REGULATION_DATE
    }
    procurement = CatalogCategory.objects.filter(parent__code="B")
    assert set(procurement.values_list("name", flat=True)) == {"货物", "工程", "服务"}


def test_seed_never_overwrites_an_administrator_edit(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    works = CatalogCategory.objects.get(code="A01")
    services.category_update(actor=system_admin, category=works, threshold_fen=300_000_000, name="施工（州）")
    CatalogCategory.objects.filter(code="F").delete()  # a code missing from the database is filled in again

    created = services.catalog_seed()

    assert [c.code for c in created] == ["F"]
    works.refresh_from_db()
    assert (works.name, works.threshold_fen) == ("施工（州）", 300_000_000)


def test_seed_refuses_a_user_without_the_capability(center_staff: Any) -> None:
    events = WitnessEvent.objects.count()
    categories = CatalogCategory.objects.count()
    with pytest.raises(PermissionDenied):
        services.catalog_seed(actor=center_staff)
    assert CatalogCategory.objects.count() == categories
    assert WitnessEvent.objects.count() == events


# --- create / update / retire ----------------------------------------------------------------


def test_create_records_a_witness_event(system_admin: Any) -> None:
    category = services.category_create(actor=system_admin, **_create_kwargs(code=" r01 "))
    assert category.code == "R01"
    event = WitnessEvent.objects.get(action="catalog.category_created")
    assert event.object_id == str(category.pk)
    assert event.actor_id == system_admin.pk
    assert event.after is not None
    assert event.after["code"] == "R01"
    assert event.before is None


@pytest.mark.parametrize("user", ["center_staff", "owner"])
def test_services_refuse_a_user_without_the_capability_and_write_nothing(
    user: str, request: pytest.FixtureRequest, seeded: dict[str, CatalogCategory]
) -> None:
    actor = request.getfixturevalue(user)
    rows = CatalogCategory.objects.count()
    events = WitnessEvent.objects.count()
    works = seeded["A01"]

    with pytest.raises(PermissionDenied):
        services.category_create(actor=actor, **_create_kwargs())
    with pytest.raises(PermissionDenied):
        services.category_update(actor=actor, category=works, threshold_fen=1)
    with pytest.raises(PermissionDenied):
        services.category_retire(actor=actor, category=works, effective_to=dt.date(2099, 1, 1))

    assert CatalogCategory.objects.count() == rows
    assert WitnessEvent.objects.count() == events
    works.refresh_from_db()
    assert (works.threshold_fen, works.effective_to) == (400_000_000, None)


def test_anonymous_actor_is_refused(seeded: dict[str, CatalogCategory]) -> None:
    with pytest.raises(PermissionDenied):
        services.category_create(actor=None, **_create_kwargs())
    assert not CatalogCategory.objects.filter(code="R").exists()


def test_child_trade_type_must_equal_the_parents(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    rows = CatalogCategory.objects.count()
    events = WitnessEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.category_create(
            actor=system_admin,
            **_create_kwargs(
                code="A04",
                parent=seeded["A"],
                trade_type=TradeType.GOVERNMENT_PROCUREMENT,
                entry=Entry.MANDATORY,
            ),
        )
    assert "trade_type" in caught.value.message_dict
    assert "工程建设" in caught.value.message_dict["trade_type"][0]
    assert CatalogCategory.objects.count() == rows
    assert WitnessEvent.objects.count() == events


def test_parent_cannot_be_a_descendant(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    with pytest.raises(ValidationError) as caught:
        services.category_update(actor=system_admin, category=seeded["A"], parent=seeded["A01"])
    assert "parent" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.category_update(actor=system_admin, category=seeded["A"], parent=seeded["A"])
    assert "parent" in caught.value.message_dict


def test_parent_trade_type_cannot_change_under_its_children(
    system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.category_update(actor=system_admin, category=seeded["A"], trade_type=TradeType.OTHER)
    assert "trade_type" in caught.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"effective_to": REGULATION_DATE}, "effective_to"),
        ({"entry": Entry.MANDATORY, "threshold_fen": -1}, "threshold_fen"),
        ({"entry": Entry.VOLUNTARY, "threshold_fen": 100}, "threshold_fen"),
        ({"code": "a-1"}, "code"),
        ({"code": "A"}, "code"),  # taken by the seed
        ({"source": " "}, "source"),
    ],
)
def test_create_refuses_invalid_input_with_field_errors(
    overrides: dict[str, Any], field: str, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    rows = CatalogCategory.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.category_create(actor=system_admin, **_create_kwargs(**overrides))
    assert field in caught.value.message_dict
    assert CatalogCategory.objects.count() == rows


def test_update_witnesses_before_and_after(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    category = services.category_update(
        actor=system_admin, category=seeded["A01"], threshold_fen=450_000_000, threshold_note="州级提高限额"
    )
    assert category.threshold_fen == 450_000_000
    event = WitnessEvent.objects.get(action="catalog.category_updated")
    assert event.before is not None and event.after is not None
    assert event.before["threshold_fen"] == 400_000_000
    assert event.after["threshold_fen"] == 450_000_000
    assert event.after["parent"] == "A"


def test_update_that_changes_nothing_writes_nothing(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    events = WitnessEvent.objects.count()
    services.category_update(actor=system_admin, category=seeded["A01"], name="施工")
    assert WitnessEvent.objects.count() == events


def test_update_cannot_change_the_code(system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    with pytest.raises(TypeError):
        services.category_update(actor=system_admin, category=seeded["A01"], code="X01")


def test_retire_ends_the_category_and_its_children(
    system_admin: Any, seeded: dict[str, CatalogCategory], time_machine: Any
) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    retired = services.category_retire(actor=system_admin, category=seeded["A"], effective_to=dt.date(2026, 7, 1))
    assert retired.effective_to == dt.date(2026, 7, 1)
    ends = dict(CatalogCategory.objects.filter(code__startswith="A").values_list("code", "effective_to"))
    assert ends == {code: dt.date(2026, 7, 1) for code in ("A", "A01", "A02", "A03")}
    assert WitnessEvent.objects.filter(action="catalog.category_retired").count() == 4
    assert CatalogCategory.objects.filter(code="A").exists()  # never deleted


def test_retire_is_not_backdated(system_admin: Any, seeded: dict[str, CatalogCategory], time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    events = WitnessEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.category_retire(actor=system_admin, category=seeded["A01"], effective_to=dt.date(2026, 5, 31))
    assert "effective_to" in caught.value.message_dict
    assert WitnessEvent.objects.count() == events
    seeded["A01"].refresh_from_db()
    assert seeded["A01"].effective_to is None
