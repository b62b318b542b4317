from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from ggzy.catalog.models import CatalogCategory
from ggzy.witness.models import WitnessEvent

from .conftest import signed_in

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog/"


def _payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "A04",
        "name": "工程总承包",
        "parent": "A",
        "trade_type": "construction",
        "entry": "mandatory",
        "threshold_fen": 400_000_000,
        "source": "测试依据",
        "effective_from": "2024-01-01",
    }
    data.update(overrides)
    return data


def _post(client: Client, payload: dict[str, Any]) -> Any:
    return client.post(BASE, payload, content_type="application/json")


def test_tree_is_public(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    response = client.get(BASE, {"on": "2024-05-01"})
    assert response.status_code == 200
    roots = response.json()
    works = roots[0]
    assert (works["code"], works["trade_type"], works["entry"]) == ("A", "construction", "mandatory")
    assert [child["code"] for child in works["children"]] == ["A01", "A02", "A03"]
    assert works["children"][0]["threshold_fen"] == 400_000_000
    assert works["children"][0]["parent"] == "A"


def test_tree_before_the_regulation_is_empty(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    assert client.get(BASE, {"on": "2023-10-19"}).json() == []


def test_tree_refuses_a_malformed_date(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    assert client.get(BASE, {"on": "2024-13-01"}).status_code == 422


def test_detail_is_public(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    response = client.get(BASE + "A02")
    assert response.status_code == 200
    assert response.json()["name"] == "重要设备、材料等货物采购"
    assert response.json()["entry_label"] == "应当进场"
    assert client.get(BASE + "NOPE").status_code == 404


def test_create_needs_a_signed_in_user(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    assert _post(client, _payload()).status_code == 401
    assert not CatalogCategory.objects.filter(code="A04").exists()


@pytest.mark.parametrize("user", ["center_staff", "owner"])
def test_create_forbids_other_roles(
    client: Client, user: str, request: pytest.FixtureRequest, seeded: dict[str, CatalogCategory]
) -> None:
    actor = request.getfixturevalue(user)
    events = WitnessEvent.objects.count()
    assert _post(signed_in(client, actor), _payload()).status_code == 403
    assert not CatalogCategory.objects.filter(code="A04").exists()
    assert WitnessEvent.objects.count() == events


def test_create_by_the_system_administrator(
    client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    response = _post(signed_in(client, system_admin), _payload())
    assert response.status_code == 201
    assert response.json()["code"] == "A04"
    assert response.json()["threshold_fen"] == 400_000_000
    assert CatalogCategory.objects.filter(code="A04", parent__code="A").exists()


def test_create_returns_field_errors(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    signed_in(client, system_admin)
    response = _post(client, _payload(trade_type="government_procurement"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert "trade_type" in {item["field"] for item in body["detail"]}

    response = _post(client, _payload(parent="NOPE"))
    assert response.status_code == 422
    assert {item["field"] for item in response.json()["detail"]} == {"parent"}

    response = _post(client, _payload(trade_type="fishing"))
    assert response.status_code == 422
    assert "trade_type" in {item["field"] for item in response.json()["detail"]}

    assert not CatalogCategory.objects.filter(code="A04").exists()


def test_update(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    url = BASE + "A01"
    assert client.patch(url, {"threshold_fen": 1}, content_type="application/json").status_code == 401
    signed_in(client, system_admin)
    response = client.patch(url, {"threshold_fen": 450_000_000}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["threshold_fen"] == 450_000_000
    assert response.json()["name"] == "施工"  # fields not sent are kept
    event = WitnessEvent.objects.get(action="catalog.category_updated")
    assert event.before is not None and event.after is not None
    assert (event.before["threshold_fen"], event.after["threshold_fen"]) == (400_000_000, 450_000_000)

    response = client.patch(url, {"effective_from": "2020-01-01"}, content_type="application/json")
    assert response.status_code == 422
    assert client.patch(BASE + "NOPE", {"name": "x"}, content_type="application/json").status_code == 404


def test_update_forbids_other_roles(client: Client, center_staff: Any, seeded: dict[str, CatalogCategory]) -> None:
    response = signed_in(client, center_staff).patch(
        BASE + "A01", {"threshold_fen": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert CatalogCategory.objects.get(code="A01").threshold_fen == 400_000_000


def test_retire(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory], time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    signed_in(client, system_admin)
    response = client.post(BASE + "B/retire", {"effective_to": "2026-07-01"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["effective_to"] == "2026-07-01"
    assert CatalogCategory.objects.get(code="B01").effective_to == dt.date(2026, 7, 1)
