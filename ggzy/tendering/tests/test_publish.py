"""Tender notice and documents: legal periods from the rule table, security caps, documents without
registration, a download list nobody sees before the deadline, and the close by the worker."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user, signed_in_client
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.projects import services as project_services
from ggzy.tendering import selectors, services
from ggzy.tendering.choices import EvaluationMethod, TenderStatus
from ggzy.tendering.models import DocumentDownload, Tender
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

# Registered and published on Monday 2026-09-14, Beijing.
NOW = dt.datetime(2026, 9, 14, 10, 0, tzinfo=clock.BEIJING)


def _world(trade_type=TradeType.CONSTRUCTION):
    owner = make_user(Role.OWNER)
    agent = make_user(Role.AGENT)
    sector = Sector.HOUSING_CONSTRUCTION if trade_type == TradeType.CONSTRUCTION else Sector.FINANCE
    supervisor = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=sector)
    category = "A01" if trade_type == TradeType.CONSTRUCTION else "B01"
    project = project_services.project_register(
        actor=agent,
        name="招标测试项目",
        trade_type=trade_type,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get(category),
        owner=owner.organization,
        agent=agent.organization,
        supervisor=supervisor,
        region_code="654002",
        budget_fen=1_000_000_000,
        funding_source="财政资金",
        lots=[project_services.LotInput(name="一标段", budget_fen=1_000_000_000)],
    )
    return {"owner": owner, "agent": agent, "project": project}


def _draft(world, *, deadline: dt.datetime, security_fen: int = 10_000_000) -> Tender:
    tender = services.tender_create(
        actor=world["agent"],
        project=world["project"],
        lots=[services.LotTerms(lot=world["project"].lots.get(), bid_security_fen=security_fen)],
        title="招标测试项目招标公告",
        notice_body="招标公告正文",
        evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
        bid_deadline=deadline,
        bid_validity_days=90,
    )
    services.tender_document_add(actor=world["agent"], tender=tender, name="招标文件.pdf", content=b"%PDF-1.7 docs")
    return tender


def test_publishing_20_days_ahead_is_accepted_and_19_refused():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        too_early = _draft(world, deadline=dt.datetime(2026, 10, 3, 9, 30, tzinfo=clock.BEIJING))  # 19 days
        with pytest.raises(ValidationError) as error:
            services.tender_publish(actor=world["agent"], tender=too_early)
        assert "不得少于20日" in " ".join(error.value.messages)
        assert "招标投标法 第24条" in " ".join(error.value.messages)
        too_early.refresh_from_db()
        assert too_early.status == TenderStatus.DRAFT
        assert not Notice.objects.filter(project=world["project"]).exists()

        ok = _draft(world, deadline=dt.datetime(2026, 10, 4, 9, 30, tzinfo=clock.BEIJING))  # 20 days
        services.tender_publish(actor=world["agent"], tender=ok)
    ok.refresh_from_db()
    assert ok.status == TenderStatus.PUBLISHED and ok.published_at == NOW
    notice = Notice.objects.get(project=world["project"], notice_type="tender")
    assert notice.title == ok.title and notice.source == f"tender:{ok.pk}"
    # the tender documents are published with the notice, each with its SHA-256
    documents = list(ok.documents.order_by("pk"))
    attached = [(a.name, a.sha256, a.size) for a in notice.attachments.all()]
    assert documents and attached == [(d.name, d.sha256, d.size) for d in documents]


def test_government_procurement_needs_five_working_days_of_document_availability():
    # Published Wednesday 2026-09-30, before National Day: 20 calendar days are satisfied by
    # 2026-10-20, and the working days in between (Oct 8, 9, 10 make-up, 12 …) suffice; but the rule
    # is checked separately, so a short GP period fails on both counts with both reasons.
    published = dt.datetime(2026, 9, 30, 9, 0, tzinfo=clock.BEIJING)
    with time_machine.travel(published, tick=False):
        world = _world(TradeType.GOVERNMENT_PROCUREMENT)
        tender = _draft(world, deadline=dt.datetime(2026, 10, 9, 9, 0, tzinfo=clock.BEIJING))
        with pytest.raises(ValidationError) as error:
            services.tender_publish(actor=world["agent"], tender=tender)
    text = " ".join(error.value.messages)
    assert "不得少于20日" in text
    assert "5个工作日" in text  # Oct 8 and 9 are the only working days before the deadline


def test_bid_security_above_two_percent_is_refused_and_nothing_written():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        count = Tender.objects.count(), WitnessEvent.objects.count()
        with pytest.raises(ValidationError) as error:
            services.tender_create(
                actor=world["agent"],
                project=world["project"],
                lots=[services.LotTerms(lot=world["project"].lots.get(), bid_security_fen=20_000_001)],
                title="t",
                notice_body="b",
                evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
                bid_deadline=NOW + dt.timedelta(days=30),
                bid_validity_days=90,
            )
        assert "超过上限" in " ".join(error.value.messages)
        assert (Tender.objects.count(), WitnessEvent.objects.count()) == count


def test_construction_security_is_also_capped_at_800_thousand():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        world["project"].lots.update(budget_fen=10_000_000_000)  # 2% would be 200万
        with pytest.raises(ValidationError):
            _draft(world, deadline=NOW + dt.timedelta(days=30), security_fen=80_000_001)
        assert _draft(world, deadline=NOW + dt.timedelta(days=30), security_fen=80_000_000).pk


@pytest.mark.parametrize("role", [Role.CENTER_STAFF, Role.SUPERVISOR, Role.BIDDER, Role.OWNER])
def test_only_the_projects_owner_side_drafts_a_tender(role):
    with time_machine.travel(NOW, tick=False):
        world = _world()
        outsider = make_user(role)
        with pytest.raises(PermissionDenied):
            _draft({**world, "agent": outsider}, deadline=NOW + dt.timedelta(days=30))


def test_documents_download_without_registration_and_the_list_stays_secret_until_the_deadline():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        document = tender.documents.get()
        url = f"/tenders/{tender.code}/documents/{document.pk}/"

        anonymous = Client().get(url)
        assert anonymous.status_code == 200
        assert b"".join(anonymous.streaming_content) == b"%PDF-1.7 docs"
        assert anonymous["X-Content-SHA256"] == document.sha256

        bidder = make_user(Role.BIDDER, username="potential-bidder")
        events_before_download = WitnessEvent.objects.count()
        assert signed_in_client(bidder).get(url).status_code == 200
        # The witness log (readable by staff and supervisors) says nothing of who downloaded.
        assert WitnessEvent.objects.count() == events_before_download
        assert DocumentDownload.objects.filter(organization=bidder.organization).count() == 1

        detail_url = f"/tenders/{tender.code}/"
        secret_name = bidder.organization.name
        for viewer in (world["agent"], world["owner"], make_user(Role.CENTER_STAFF), make_user(Role.SUPERVISOR)):
            page = signed_in_client(viewer).get(detail_url).content.decode()
            assert secret_name not in page
        api = Client().get(f"/api/v1/tenders/{tender.code}").content.decode()
        assert secret_name not in api

        traveller.move_to(tender.bid_deadline)
        assert jobs_services.run_due_jobs() == 1
        tender.refresh_from_db()
        assert tender.status == TenderStatus.CLOSED
        assert secret_name in signed_in_client(world["agent"]).get(detail_url).content.decode()


def test_the_download_list_and_the_draws_recusal_list_open_at_the_same_instant():
    """Both follow the deadline itself, not the status the closing job sets a moment later."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        lot_id = tender.tender_lots.get().lot_id
        traveller.move_to(tender.bid_deadline - dt.timedelta(microseconds=1))
        assert selectors.downloads_visible(user=world["agent"], tender=tender) is None
        assert selectors.lot_bidders_known(lot_id) is None
        traveller.move_to(tender.bid_deadline)  # the closing job has not run yet
        tender.refresh_from_db()
        assert tender.status == TenderStatus.PUBLISHED
        assert selectors.downloads_visible(user=world["agent"], tender=tender) is not None
        assert selectors.lot_bidders_known(lot_id) == []


def test_the_worker_closes_submissions_at_the_deadline_not_a_moment_before():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        traveller.move_to(tender.bid_deadline - dt.timedelta(milliseconds=1))
        assert jobs_services.run_due_jobs() == 0
        traveller.move_to(tender.bid_deadline)
        assert jobs_services.run_due_jobs() == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    assert WitnessEvent.objects.filter(action="tender.submissions_closed", object_id=str(tender.pk)).exists()


def test_a_draft_is_invisible_to_everyone_but_the_owner_side():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        assert Client().get(f"/tenders/{tender.code}/").status_code == 404
        assert Client().get(f"/api/v1/tenders/{tender.code}").status_code == 404
        assert signed_in_client(make_user(Role.CENTER_STAFF)).get(f"/tenders/{tender.code}/").status_code == 404
        assert signed_in_client(world["owner"]).get(f"/tenders/{tender.code}/").status_code == 200


def test_a_suspended_project_cannot_publish():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        supervisor = make_user(Role.SUPERVISOR, org=world["project"].supervisor)
        project_services.project_suspend(actor=supervisor, project=world["project"], reason="投诉")
        tender.refresh_from_db()
        with pytest.raises(ValidationError):
            services.tender_publish(actor=world["agent"], tender=tender)
