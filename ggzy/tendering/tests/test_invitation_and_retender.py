"""Invitation tendering needs at least three invitees and only they may bid; a failed lot gets a
failure notice and can be tendered again as a linked round."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.projects import services as project_services
from ggzy.tendering import bids, services
from ggzy.tendering.choices import EvaluationMethod, LotStatus, TenderStatus
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world

pytestmark = pytest.mark.django_db


def _selective_project():
    owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
    project = project_services.project_register(
        actor=agent,
        name="邀请招标工程",
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=ProcurementMethod.SELECTIVE_TENDER,
        catalog_category=catalog_selectors.category_get("A01"),
        owner=owner.organization,
        agent=agent.organization,
        supervisor=make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.WATER),
        region_code="654002",
        budget_fen=600_000_000,
        funding_source="财政资金",
        lots=[project_services.LotInput(name="一标段", budget_fen=600_000_000)],
    )
    return agent, project


def _selective_tender(agent, project, invitees):
    tender = services.tender_create(
        actor=agent,
        project=project,
        lots=[services.LotTerms(lot=project.lots.get())],
        title="邀请招标",
        notice_body="投标邀请书",
        evaluation_method=EvaluationMethod.LOWEST_EVALUATED_PRICE,
        bid_deadline=NOW + dt.timedelta(days=25),
        bid_validity_days=60,
        invitees=[bidder.user.organization for bidder in invitees],
    )
    services.tender_document_add(actor=agent, tender=tender, name="招标文件.pdf", content=b"docs")
    return tender


def test_invitation_needs_three_invitees_and_only_they_bid(tmp_path):
    with time_machine.travel(NOW, tick=False):
        agent, project = _selective_project()
        invited = [SealingBidder.registered() for _ in range(3)]
        two = _selective_tender(agent, project, invited[:2])
        with pytest.raises(ValidationError) as error:
            services.tender_publish(actor=agent, tender=two)
        assert "招标投标法 第17条" in " ".join(error.value.messages)
        tender = _selective_tender(agent, project, invited)
        services.tender_publish(actor=agent, tender=tender)
    lot = tender.tender_lots.get()
    outsider = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        sealed = outsider.seal(tmp_path / "out", lot=lot, opening_data={"price": 1})
        with pytest.raises(PermissionDenied):
            bids.bid_submit(actor=outsider.user, tender_lot=lot, envelope=sealed.path)
        sealed = invited[0].seal(tmp_path / "in", lot=lot, opening_data={"price": 2})
        assert bids.bid_submit(actor=invited[0].user, tender_lot=lot, envelope=sealed.path).pk


def test_a_failed_lot_gets_a_failure_notice_and_a_linked_new_round(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        tender.refresh_from_db()
        assert tender.tender_lots.get().status == LotStatus.FAILED
        notice = Notice.objects.get(notice_type="failure", project=tender.project)
        assert "少于3个" in notice.body
        again = services.tender_retender(
            actor=world["agent"], tender=tender, bid_deadline=tender.bid_deadline + dt.timedelta(days=30)
        )
    assert again.previous_round == tender and again.status == TenderStatus.DRAFT
    assert "第2次招标" in again.title
    assert [item.lot_id for item in again.tender_lots.all()] == [tender.tender_lots.get().lot_id]
    with pytest.raises(PermissionDenied):
        services.tender_retender(actor=make_user(Role.CENTER_STAFF), tender=tender, bid_deadline=again.bid_deadline)
