"""Project registration (进场登记): who may register, what the catalog decides, and refusals that
name the field and write nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user, signed_in_client
from ggzy.projects import services
from ggzy.projects.choices import EntryBasis
from ggzy.projects.models import Lot, Project
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    owner = make_user(Role.OWNER)
    agent = make_user(Role.AGENT)
    housing = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION)
    finance = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.FINANCE)
    return {"owner": owner, "agent": agent, "housing": housing, "finance": finance}


def _register(parties, **overrides):
    args = dict(
        actor=parties["agent"],
        name="解放路改造工程",
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get("A01"),
        owner=parties["owner"].organization,
        agent=parties["agent"].organization,
        supervisor=parties["housing"],
        region_code="654002",
        budget_fen=500_000_000,
        funding_source="财政资金",
        lots=[
            services.LotInput(name="一标段", budget_fen=300_000_000),
            services.LotInput(name="二标段", budget_fen=200_000_000),
        ],
    )
    args.update(overrides)
    return services.project_register(**args)


def _counts():
    return Project.objects.count(), Lot.objects.count(), WitnessEvent.objects.count()


def test_agent_registers_a_mandatory_project_with_lots_and_a_deal_code(parties):
    project = _register(parties)
    assert project.entry_basis == EntryBasis.MANDATORY
    assert len(project.deal_code) == 18 and project.deal_code.startswith("654002")
    assert project.deal_code[10:12] == "01"  # construction
    assert [lot.code for lot in project.lots.all()] == [project.deal_code + "001", project.deal_code + "002"]
    assert project.rules_date == project.registered_at.date()
    event = WitnessEvent.objects.get(action="project.registered", object_id=str(project.pk))
    assert event.after["deal_code"] == project.deal_code


def test_deal_codes_are_unique_and_sequential(parties):
    first = _register(parties)
    second = _register(parties, name="第二个工程")
    assert int(second.deal_code[-6:]) == int(first.deal_code[-6:]) + 1


def test_owner_registers_its_own_project(parties):
    project = _register(parties, actor=parties["owner"], agent=None)
    assert project.agent is None


def test_below_threshold_needs_the_voluntary_declaration(parties):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _register(parties, budget_fen=300_000_000, lots=[services.LotInput(name="一标段", budget_fen=300_000_000)])
    assert "voluntary_entry" in error.value.message_dict
    assert _counts() == before
    project = _register(
        parties,
        budget_fen=300_000_000,
        lots=[services.LotInput(name="一标段", budget_fen=300_000_000)],
        voluntary_entry=True,
    )
    assert project.entry_basis == EntryBasis.VOLUNTARY


def test_off_catalog_project_enters_only_voluntarily(parties):
    with pytest.raises(ValidationError) as error:
        _register(parties, catalog_category=None, trade_type=TradeType.OTHER)
    assert "voluntary_entry" in error.value.message_dict
    project = _register(parties, catalog_category=None, trade_type=TradeType.OTHER, voluntary_entry=True)
    assert project.entry_basis == EntryBasis.VOLUNTARY


@pytest.mark.parametrize("role", [Role.CENTER_STAFF, Role.SUPERVISOR, Role.SYSTEM_ADMIN, Role.BIDDER])
def test_nobody_but_the_owner_side_can_register(parties, role):
    """The center cannot force any project (least of all an off-catalog one) into the platform."""
    outsider = make_user(role)
    before = _counts()
    with pytest.raises(PermissionDenied):
        _register(parties, actor=outsider, catalog_category=None, trade_type=TradeType.OTHER, voluntary_entry=True)
    assert _counts() == before


def test_agent_cannot_register_for_an_owner_under_another_agents_name(parties):
    other_agent = make_user(Role.AGENT)
    with pytest.raises(PermissionDenied):
        _register(parties, actor=other_agent)


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"procurement_method": ProcurementMethod.AUCTION}, "procurement_method"),
        (
            {"trade_type": TradeType.GOVERNMENT_PROCUREMENT, "procurement_method": ProcurementMethod.OPEN_TENDER},
            "catalog_category",
        ),
        ({"supervisor": "finance"}, "supervisor"),
        ({"budget_fen": 0}, "budget_fen"),
        ({"lots": []}, "lots"),
        ({"lots": [services.LotInput(name="一标段", budget_fen=600_000_000)]}, "lots"),
        ({"lots": [services.LotInput(name="", budget_fen=100)]}, "lots"),
        ({"name": ""}, "name"),
        ({"region_code": "65"}, "region_code"),
        ({"funding_source": ""}, "funding_source"),
    ],
)
def test_inconsistent_data_is_refused_with_field_errors_and_writes_nothing(parties, overrides, field):
    if overrides.get("supervisor") == "finance":
        overrides["supervisor"] = parties["finance"]
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _register(parties, **overrides)
    assert field in error.value.message_dict, error.value.message_dict
    assert _counts() == before


def test_register_page_creates_the_project(parties):
    client = signed_in_client(parties["agent"])
    response = client.post(
        "/projects/register/",
        {
            "name": "页面登记工程",
            "trade_type": TradeType.CONSTRUCTION,
            "procurement_method": ProcurementMethod.OPEN_TENDER,
            "catalog_category": catalog_selectors.category_get("A01").pk,
            "owner_uscc": parties["owner"].organization.uscc,
            "supervisor": parties["housing"].pk,
            "region_code": "654002",
            "budget": "5,000,000.00",
            "funding_source": "财政资金",
            "lots-TOTAL_FORMS": "1",
            "lots-INITIAL_FORMS": "0",
            "lots-MIN_NUM_FORMS": "1",
            "lots-MAX_NUM_FORMS": "50",
            "lots-0-name": "一标段",
            "lots-0-budget": "5000000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(name="页面登记工程")
    assert project.budget_fen == 500_000_000
    assert project.agent == parties["agent"].organization


def test_register_page_shows_field_errors_in_chinese(parties):
    client = signed_in_client(parties["agent"])
    before = _counts()
    response = client.post(
        "/projects/register/",
        {
            "name": "页面登记工程",
            "trade_type": TradeType.CONSTRUCTION,
            "procurement_method": ProcurementMethod.AUCTION,
            "owner_uscc": parties["owner"].organization.uscc,
            "supervisor": parties["finance"].pk,
            "region_code": "654002",
            "budget": "12.345",
            "funding_source": "财政资金",
            "lots-TOTAL_FORMS": "1",
            "lots-INITIAL_FORMS": "0",
            "lots-MIN_NUM_FORMS": "1",
            "lots-MAX_NUM_FORMS": "50",
            "lots-0-name": "一标段",
            "lots-0-budget": "100",
        },
    )
    assert response.status_code == 200
    assert "两位小数" in response.content.decode()
    assert _counts() == before


def test_api_registration_and_field_errors(parties):
    client = signed_in_client(parties["agent"])
    payload = {
        "name": "接口登记工程",
        "trade_type": "construction",
        "procurement_method": "open_tender",
        "catalog_category": "A01",
        "owner_uscc": parties["owner"].organization.uscc,
        "agent_uscc": parties["agent"].organization.uscc,
        "supervisor_uscc": parties["housing"].uscc,
        "region_code": "654002",
        "budget_fen": 500_000_000,
        "funding_source": "财政资金",
        "lots": [{"name": "一标段", "budget_fen": 500_000_000}],
    }
    response = client.post("/api/v1/projects/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["entry_basis"] == "mandatory" and body["lots"][0]["code"].startswith(body["deal_code"])

    before = _counts()
    payload.update(procurement_method="auction", supervisor_uscc=parties["finance"].uscc)
    response = client.post("/api/v1/projects/", payload, content_type="application/json")
    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["detail"]}
    assert {"procurement_method", "supervisor"} <= fields
    assert _counts() == before


def test_supervisor_suspends_and_resumes(parties):
    project = _register(parties)
    supervisor = make_user(Role.SUPERVISOR, org=parties["housing"])
    services.project_suspend(actor=supervisor, project=project, reason="接到投诉，责令暂停")
    project.refresh_from_db()
    assert project.status == "suspended"
    with pytest.raises(ValidationError):
        services.project_suspend(actor=supervisor, project=project, reason="再次暂停")
    services.project_resume(actor=supervisor, project=project, reason="投诉处理完毕")
    project.refresh_from_db()
    assert project.status == "registered"
    actions = list(
        WitnessEvent.objects.filter(object_id=str(project.pk), object_type="projects.project").values_list(
            "action", flat=True
        )
    )
    assert actions == ["project.registered", "project.suspended", "project.resumed"]


def test_another_supervisor_cannot_suspend(parties):
    project = _register(parties)
    other = make_user(Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        services.project_suspend(actor=other, project=project, reason="越权")
