from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ggzy.catalog.models import CatalogCategory
from ggzy.witness.models import WitnessEvent

from .conftest import signed_in

pytestmark = pytest.mark.django_db

TREE = reverse("catalog:tree")
CREATE = reverse("catalog:create")
ADMIN_URLS = [CREATE, reverse("catalog:edit", args=["A01"]), reverse("catalog:retire", args=["A01"])]


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "A04",
        "name": "工程总承包",
        "parent": "A",
        "trade_type": "construction",
        "entry": "mandatory",
        "threshold_yuan": "4000000",
        "threshold_note": "",
        "source": "测试依据",
        "effective_from": "2024-01-01",
        "sort_order": "40",
    }
    data.update(overrides)
    return data


# --- the public catalog ----------------------------------------------------------------------


def test_tree_is_public_and_in_chinese(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    response = client.get(TREE)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("工程建设项目招标投标", "政府采购", "国有土地使用权出让", "矿业权出让", "国有产权交易", "林权交易"):
        assert text in page
    assert "400万元以上" in page
    assert "应当进场" in page and "鼓励进场" in page
    assert "必须招标的工程项目规定（国家发展改革委令第16号）" in page
    assert reverse("catalog:create") not in page  # no administrator links for the public


def test_tree_of_a_past_date(client: Client, seeded: dict[str, CatalogCategory]) -> None:
    response = client.get(TREE, {"on": "2023-10-19"})
    assert response.status_code == 200
    assert "工程建设项目招标投标" not in response.content.decode()
    assert "该日期没有有效的目录类别" in response.content.decode()


def test_tree_shows_administrator_links(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    page = signed_in(client, system_admin).get(TREE).content.decode()
    assert CREATE in page
    assert reverse("catalog:edit", args=["A01"]) in page


# --- permission matrix of the administrator pages --------------------------------------------


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_pages_send_anonymous_to_login(client: Client, url: str, seeded: dict[str, CatalogCategory]) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("user", ["center_staff", "owner"])
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_pages_forbid_other_roles(
    client: Client, url: str, user: str, request: pytest.FixtureRequest, seeded: dict[str, CatalogCategory]
) -> None:
    signed_in(client, request.getfixturevalue(user))
    assert client.get(url).status_code == 403
    assert client.post(url, _form()).status_code == 403
    assert not CatalogCategory.objects.filter(code="A04").exists()


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_admin_pages_open_for_the_system_administrator(
    client: Client, url: str, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    response = signed_in(client, system_admin).get(url)
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_edit_of_an_unknown_code_is_404(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    assert signed_in(client, system_admin).get(reverse("catalog:edit", args=["NOPE"])).status_code == 404


# --- the forms -------------------------------------------------------------------------------


def test_create_saves_and_redirects_with_a_message(
    client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    response = signed_in(client, system_admin).post(CREATE, _form(), follow=True)
    assert response.redirect_chain[-1][0] == TREE
    category = CatalogCategory.objects.get(code="A04")
    assert category.parent is not None and category.parent.code == "A"
    assert category.threshold_fen == 400_000_000
    assert "已新增目录类别" in response.content.decode()
    assert WitnessEvent.objects.filter(action="catalog.category_created", object_id=str(category.pk)).exists()


def test_create_shows_service_errors_next_to_the_fields(
    client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    response = signed_in(client, system_admin).post(CREATE, _form(trade_type="government_procurement"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "trade_type" in form.errors
    assert "下级类别的交易类型必须与上级类别" in response.content.decode()
    assert not CatalogCategory.objects.filter(code="A04").exists()


def test_create_shows_shape_errors(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    response = signed_in(client, system_admin).post(CREATE, _form(threshold_yuan="-1", name=""))
    assert response.status_code == 200
    assert {"threshold_yuan", "name"} <= set(response.context["form"].errors)


def test_create_maps_the_threshold_error_to_the_yuan_field(
    client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]
) -> None:
    response = signed_in(client, system_admin).post(CREATE, _form(entry="voluntary", parent="", code="R"))
    assert response.status_code == 200
    assert "鼓励进场的类别不设进场限额" in str(response.context["form"].errors["threshold_yuan"])


def test_edit_updates_and_redirects(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory]) -> None:
    url = reverse("catalog:edit", args=["A01"])
    signed_in(client, system_admin)
    form = client.get(url).context["form"]
    assert form.initial["threshold_yuan"] == 4_000_000
    data = _form(name="房屋建筑和市政工程施工", threshold_yuan="4500000", sort_order="10", effective_from="2023-10-20")
    del data["code"]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == TREE
    category = CatalogCategory.objects.get(code="A01")
    assert (category.name, category.threshold_fen) == ("房屋建筑和市政工程施工", 450_000_000)


def test_retire_page(client: Client, system_admin: Any, seeded: dict[str, CatalogCategory], time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    signed_in(client, system_admin)
    url = reverse("catalog:retire", args=["A01"])
    response = client.post(url, {"effective_to": "2026-05-01"})
    assert response.status_code == 200
    assert "失效日期不得早于今天" in response.content.decode()
    response = client.post(url, {"effective_to": "2026-07-01"})
    assert response.status_code == 302
    assert CatalogCategory.objects.get(code="A01").effective_to == dt.date(2026, 7, 1)
