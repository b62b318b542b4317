"""Self-registration: free, open to every region, refused with reasons, nothing half-written."""

from __future__ import annotations

import pytest
from django.test import Client

from ggzy.accounts.models import Organization, RoleAssignment, User
from ggzy.accounts.uscc import make_uscc
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

GOOD = make_uscc("91110108MA0000001")


def _form(**overrides):
    data = {
        "uscc": GOOD,
        "name": "北京远方建设有限公司",
        "region_code": "110108",
        "address": "北京市海淀区",
        "legal_representative": "张三",
        "contact_name": "李四",
        "contact_phone": "010-80000000",
        "roles": ["bidder", "agent"],
        "username": "yuanfang",
        "full_name": "李四",
        "phone": "13800000000",
        "email": "lisi@example.com",
        "password": "Yuanfang-bid-2026",
    }
    data.update(overrides)
    return data


def _counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        WitnessEvent.objects.count(),
    )


def test_page_registers_an_out_of_region_entity_without_any_local_requirement():
    response = Client().post("/accounts/register/", _form())
    assert response.status_code == 302
    org = Organization.objects.get(uscc=GOOD)
    assert org.region_code == "110108" and not org.is_local
    user = User.objects.get(username="yuanfang")
    assert sorted(user.role_codes()) == ["agent", "bidder"]
    assert user.password.startswith("argon2")
    assert WitnessEvent.objects.filter(action="organization.registered", object_id=str(org.pk)).exists()


def test_page_refuses_a_wrong_check_character_and_writes_nothing():
    before = _counts()
    bad = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    response = Client().post("/accounts/register/", _form(uscc=bad))
    assert response.status_code == 200
    assert "校验码错误" in response.content.decode()
    assert f"第18位应为“{GOOD[17]}”" in response.content.decode()
    assert _counts() == before


def test_page_reports_every_wrong_field_at_once_and_writes_nothing():
    before = _counts()
    response = Client().post("/accounts/register/", _form(uscc="123", password="short", region_code="99"))
    body = response.content.decode()
    assert "应为18位" in body
    assert "行政区划代码" in body
    assert "密码" in body or "password" in body.lower()
    assert _counts() == before


def test_page_refuses_self_registration_as_center_staff():
    before = _counts()
    response = Client().post("/accounts/register/", _form(roles=["center_staff"]))
    assert response.status_code == 200
    assert _counts() == before


def test_api_registration_and_structured_refusal():
    client = Client()
    response = client.post("/api/v1/accounts/registrations", _form(), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["organization"]["uscc"] == GOOD

    before = _counts()
    second = _form(uscc=make_uscc("91650102MA0000002")[:17] + "Z", username="other")
    response = client.post("/api/v1/accounts/registrations", second, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    fields = {item["field"]: item for item in body["detail"]}
    assert "uscc" in fields
    assert "不是允许的字符" in fields["uscc"]["message"]
    assert _counts() == before


def test_api_duplicate_uscc_is_refused():
    client = Client()
    assert client.post("/api/v1/accounts/registrations", _form(), content_type="application/json").status_code == 201
    response = client.post("/api/v1/accounts/registrations", _form(username="another"), content_type="application/json")
    assert response.status_code == 422
    assert any(item["field"] == "uscc" for item in response.json()["detail"])


def test_api_uscc_check():
    client = Client()
    assert client.get(f"/api/v1/accounts/uscc/{GOOD}").json()["valid"] is True
    body = client.get(f"/api/v1/accounts/uscc/{GOOD[:17]}Y").json()
    if GOOD[17] != "Y":
        assert body["valid"] is False and "校验码错误" in body["message"]
