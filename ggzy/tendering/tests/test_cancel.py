"""Termination of a tender (终止招标) with a published reason: 实施条例 art. 31 (construction),
87号令 art. 29 (government procurement).

The owner side terminates a published tender that has no winner yet; a termination notice is
published, every holder of the documents, invitee, bidder and payer of security is told in its own
message (procurement: the finance department too), every confirmed security falls due for refund,
and after that nothing moves: no submission, no withdrawal, no opening, no close by the worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ggzy.accounts.choices import Role, Sector
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.disclosure.choices import NoticeType
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.jobs.models import Job
from ggzy.notifications.models import Notification
from ggzy.projects import services as project_services
from ggzy.rules import periods
from ggzy.rules.choices import RuleUnit
from ggzy.tendering import bids, opening, services, uploads
from ggzy.tendering.choices import EvaluationMethod, LotStatus, RefundReason, SecurityStatus, TenderStatus
from ggzy.tendering.models import Bid, BidSecurity, Tender, UploadSession
from ggzy.tendering.tests.helpers import SealingBidder, pay_security
from ggzy.tendering.tests.test_invitation_and_retender import _selective_project, _selective_tender
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness.models import WitnessEvent
from ggzy.witness.services import event_record

pytestmark = pytest.mark.django_db

REASON = "项目建设计划取消（发改委批复撤销）"
CANCEL_DAY = NOW + dt.timedelta(days=3)  # Thursday 2026-09-17


def _with_email(user):
    user.email = f"{user.username}@example.cn"
    user.save(update_fields=["email"])
    return user


def _running(tmp_path, trade_type=TradeType.CONSTRUCTION, security_fen=10_000_000):
    """A published tender: one organization fetched the documents, one bid with its security paid."""
    world = _world(trade_type)
    tender = _draft(world, deadline=NOW + dt.timedelta(days=25), security_fen=security_fen)
    services.tender_publish(actor=world["agent"], tender=tender)
    lot = tender.tender_lots.get()
    holder = _with_email(make_user(Role.BIDDER))
    services.document_download_record(user=holder, document=tender.documents.get())
    bidder = SealingBidder.registered()
    _with_email(bidder.user)
    pay_security(lot, bidder, "BK-C1", amount_fen=security_fen)
    bid = bids.bid_submit(
        actor=bidder.user, tender_lot=lot, envelope=bidder.seal(tmp_path, lot=lot, opening_data={"price": 1}).path
    )
    supervisor = _with_email(make_user(Role.SUPERVISOR, org=world["project"].supervisor))
    return {
        **world,
        "tender": tender,
        "lot": lot,
        "holder": holder,
        "bidder": bidder,
        "bid": bid,
        "supervisor": supervisor,
    }


def _state(tender: Tender) -> dict[str, object]:
    """Everything a termination writes, to show that a refused one wrote none of it."""
    tender.refresh_from_db()
    return {
        "events": WitnessEvent.objects.count(),
        "notices": Notice.objects.count(),
        "notifications": Notification.objects.count(),
        "jobs": Job.objects.count(),
        "tender": (tender.status, tender.cancelled_at, tender.cancellation_reason),
        "lots": sorted(tender.tender_lots.values_list("status", flat=True)),
        "securities": sorted(BidSecurity.objects.values_list("reference", "status", "refund_due")),
    }


# --- Construction -----------------------------------------------------------------------------


def test_the_agent_terminates_before_the_deadline_and_everyone_concerned_is_told(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    tender, agent = state["tender"], state["agent"]
    with time_machine.travel(CANCEL_DAY, tick=False):
        services.tender_cancel(actor=agent, tender=tender, reason=f"  {REASON}  ")
    tender.refresh_from_db()
    assert (tender.status, tender.cancellation_reason, tender.cancelled_at) == (
        TenderStatus.CANCELLED,
        REASON,
        CANCEL_DAY,
    )
    assert tender.tender_lots.get().status == LotStatus.CANCELLED

    notice = Notice.objects.get(project=tender.project, notice_type=NoticeType.FAILURE)
    assert notice.title == f"{tender.title} 终止公告"
    assert REASON in notice.body and tender.code in notice.body
    assert "银行同期存款利息" in notice.body and "招标投标法实施条例 第31条" in notice.body and "5日" in notice.body

    security = BidSecurity.objects.get(reference="BK-C1")
    assert security.status == SecurityStatus.REFUND_DUE and security.refund_reason == RefundReason.CANCELLATION
    # ⚠️ construction says "promptly" (及时); the rule table sets 5 days: Thu 17 Sep → Tue 22 Sep.
    assert clock.local(security.refund_due).date() == dt.date(2026, 9, 22)

    told = Notification.objects.filter(topic__startswith=f"tendering.cancelled:{tender.pk}:")
    assert {n.recipient for n in told} == {state["holder"], state["bidder"].user}
    assert all(REASON in n.body and "银行同期存款利息" in n.body for n in told)
    assert not Notification.objects.filter(topic__startswith="tendering.cancelled.report").exists()

    last = WitnessEvent.objects.order_by("-seq").first()
    assert last.action == "tender.cancelled" and last.object_id == str(tender.pk)
    assert last.after["reason"] == REASON and last.after["lots"] == {state["lot"].lot.code: "cancelled"}
    assert last.before["status"] == TenderStatus.PUBLISHED
    logged = json.dumps([last.before, last.after], ensure_ascii=False)
    for party in (state["holder"].organization, state["bidder"].user.organization):
        assert party.name not in logged and party.uscc not in logged  # still secret before the deadline


def test_after_the_termination_nothing_moves_and_the_close_job_does_nothing(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    tender, lot, bidder = state["tender"], state["lot"], state["bidder"]
    with time_machine.travel(CANCEL_DAY, tick=False):
        services.tender_cancel(actor=state["agent"], tender=tender, reason=REASON)
        late = SealingBidder.registered()
        sealed = late.seal(tmp_path / "late", lot=lot, opening_data={"price": 2})
        before = _state(tender)
        with pytest.raises(ValidationError) as refused:
            bids.bid_submit(actor=late.user, tender_lot=lot, envelope=sealed.path)
        assert "已终止" in " ".join(refused.value.messages)
        with pytest.raises(ValidationError, match="已终止"):
            uploads.upload_start(
                actor=late.user, tender_lot=lot, size=1, leaf_digests=[hashlib.sha256(b"x").hexdigest()]
            )
        with pytest.raises(ValidationError, match="已终止"):
            bids.bid_withdraw(actor=bidder.user, bid=state["bid"])
        with pytest.raises(ValidationError, match="已终止"):
            services.tender_retender(actor=state["agent"], tender=tender, bid_deadline=NOW + dt.timedelta(days=60))
        assert _state(tender) == before
        assert Bid.objects.filter(tender_lot=lot).count() == 1 and not UploadSession.objects.exists()

    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=1), tick=False):
        jobs_services.run_due_jobs()  # the close job queued at publication
    tender.refresh_from_db()
    lot.refresh_from_db()
    assert (tender.status, lot.status) == (TenderStatus.CANCELLED, LotStatus.CANCELLED)
    assert not WitnessEvent.objects.filter(action="tender.submissions_closed").exists()
    published = sorted(Notice.objects.filter(project=tender.project).values_list("notice_type", flat=True))
    assert published == sorted([NoticeType.TENDER, NoticeType.FAILURE])  # no failure (流标) notice of its own


def _two_lot_tender(agent, owner):
    project = project_services.project_register(
        actor=agent,
        name="两个标段的工程",
        trade_type=TradeType.CONSTRUCTION,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get("A01"),
        owner=owner.organization,
        agent=agent.organization,
        supervisor=make_user(Role.SUPERVISOR).organization,
        region_code="654002",
        budget_fen=1_000_000_000,
        funding_source="财政资金",
        lots=[
            project_services.LotInput(name="一标段", budget_fen=600_000_000),
            project_services.LotInput(name="二标段", budget_fen=400_000_000),
        ],
    )
    tender = services.tender_create(
        actor=agent,
        project=project,
        lots=[services.LotTerms(lot=lot) for lot in project.lots.order_by("number")],
        title="两个标段的工程招标公告",
        notice_body="正文",
        evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
        bid_deadline=NOW + dt.timedelta(days=25),
        bid_validity_days=90,
    )
    services.tender_document_add(actor=agent, tender=tender, name="招标文件.pdf", content=b"%PDF two lots")
    services.tender_publish(actor=agent, tender=tender)
    return tender


def test_terminated_in_the_decryption_window_no_opening_is_made_and_a_failed_lot_stays_failed(tmp_path):
    agent, owner = make_user(Role.AGENT), make_user(Role.OWNER)
    with time_machine.travel(NOW, tick=False) as traveller:
        tender = _two_lot_tender(agent, owner)
        first, second = tender.tender_lots.order_by("lot__number")
        bidders = [SealingBidder.registered() for _ in range(3)]
        placed = [
            (
                bidder,
                bids.bid_submit(
                    actor=bidder.user,
                    tender_lot=first,
                    envelope=bidder.seal(tmp_path / str(n), lot=first, opening_data={"price": 100 + n}).path,
                ),
            )
            for n, bidder in enumerate(bidders)
        ]
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()  # the first lot enters its window, the second fails (no bids)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (LotStatus.DECRYPTING, LotStatus.FAILED)

        traveller.shift(dt.timedelta(minutes=5))
        services.tender_cancel(actor=owner, tender=tender, reason=REASON)  # the owner itself may
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (LotStatus.CANCELLED, LotStatus.FAILED)
        bidder, bid = placed[0]
        with pytest.raises(ValidationError, match="不再开标"):
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
        bid.refresh_from_db()
        assert bid.opening_data is None

        traveller.move_to(first.decryption_ends_at + dt.timedelta(minutes=1))
        jobs_services.run_due_jobs()  # the end of the window
    first.refresh_from_db()
    assert first.status == LotStatus.CANCELLED and first.opened_at is None
    assert not Notice.objects.filter(project=tender.project, notice_type=NoticeType.OPENING_RECORD).exists()
    assert WitnessEvent.objects.filter(action="tender.cancelled").get().after["lots"] == {
        first.lot.code: "cancelled",
        second.lot.code: "failed",
    }


def test_a_tender_whose_lots_all_failed_has_nothing_to_terminate():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
        traveller.move_to(tender.bid_deadline)
        jobs_services.run_due_jobs()
        before = _state(tender)
        with pytest.raises(ValidationError, match="均已流标"):
            services.tender_cancel(actor=world["agent"], tender=tender, reason=REASON)
        assert _state(tender) == before


# --- Refusals write nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "reason", "error", "text"),
    [
        ("agent", "   ", ValidationError, "请填写终止招标的原因"),
        ("agent_other", REASON, PermissionDenied, "只有招标人或其代理机构"),
        ("owner_other", REASON, PermissionDenied, "只有招标人或其代理机构"),
        ("bidder", REASON, PermissionDenied, "只有招标人或其代理机构"),
        ("center_staff", REASON, PermissionDenied, "只有招标人或其代理机构"),
    ],
)
def test_a_refused_termination_writes_nothing(tmp_path, who, reason, error, text):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    actors = {
        "agent": state["agent"],
        "agent_other": make_user(Role.AGENT),
        "owner_other": make_user(Role.OWNER),
        "bidder": state["bidder"].user,
        "center_staff": make_user(Role.CENTER_STAFF),
    }
    with time_machine.travel(CANCEL_DAY, tick=False):
        before = _state(state["tender"])
        with pytest.raises(error) as refused:
            services.tender_cancel(actor=actors[who], tender=state["tender"], reason=reason)
        assert text in str(refused.value)
        if error is ValidationError:
            assert "reason" in refused.value.message_dict
        assert _state(state["tender"]) == before


def test_a_draft_or_an_already_terminated_tender_cannot_be_terminated(tmp_path):
    with time_machine.travel(NOW, tick=False):
        world = _world()
        draft = _draft(world, deadline=NOW + dt.timedelta(days=25))
        before = _state(draft)
        with pytest.raises(ValidationError, match="只有已发布且尚未终止的招标"):
            services.tender_cancel(actor=world["agent"], tender=draft, reason=REASON)
        assert _state(draft) == before

        state = _running(tmp_path)
        services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
        before = _state(state["tender"])
        with pytest.raises(ValidationError, match="只有已发布且尚未终止的招标"):
            services.tender_cancel(actor=state["agent"], tender=state["tender"], reason="再次终止")
        assert _state(state["tender"]) == before


def test_an_awarded_lot_cannot_be_terminated(tmp_path):
    """The award letter binds (招标投标法 art. 45). The award is the evaluation app's fact; it is
    read from the witness event the award writes on the lot (selectors.AWARD_EVENT)."""
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    with time_machine.travel(state["tender"].bid_deadline + dt.timedelta(days=10), tick=False):
        event_record(action="evaluation.awarded", obj=state["lot"], after={"winner": state["bidder"].uscc})
        before = _state(state["tender"])
        with pytest.raises(ValidationError, match="已确定中标人"):
            services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
        assert _state(state["tender"]) == before


# --- Government procurement and invitation tendering -------------------------------------------


def test_procurement_termination_reports_the_reason_to_the_finance_department(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path, trade_type=TradeType.GOVERNMENT_PROCUREMENT, security_fen=20_000_000)
    with time_machine.travel(CANCEL_DAY, tick=False):
        services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
    notice = Notice.objects.get(project=state["project"], notice_type=NoticeType.FAILURE)
    assert "孳息" in notice.body and "财政部令第87号 第29条" in notice.body and "5个工作日" in notice.body
    security = BidSecurity.objects.get(reference="BK-C1")
    # ✅ 87号令 art. 29: within 5 working days of the termination
    assert security.refund_due == periods.period_deadline(CANCEL_DAY.date(), 5, RuleUnit.WORKING_DAY)
    report = Notification.objects.get(topic__startswith="tendering.cancelled.report:")
    assert report.recipient == state["supervisor"]
    assert REASON in report.body and "财政部令第87号 第29条" in report.body
    assert state["project"].supervisor.sector == Sector.FINANCE
    told = Notification.objects.filter(topic__startswith=f"tendering.cancelled:{state['tender'].pk}:")
    assert {n.recipient for n in told} == {state["holder"], state["bidder"].user}


def test_every_invitee_is_told_even_one_that_never_fetched_the_documents():
    invitees = [SealingBidder.registered() for _ in range(3)]
    for invitee in invitees:
        _with_email(invitee.user)
    with time_machine.travel(NOW, tick=False):
        agent, project = _selective_project()
        tender = _selective_tender(agent, project, invitees)
        services.tender_publish(actor=agent, tender=tender)
        services.tender_cancel(actor=agent, tender=tender, reason=REASON)
    told = Notification.objects.filter(topic__startswith=f"tendering.cancelled:{tender.pk}:")
    assert {n.recipient for n in told} == {invitee.user for invitee in invitees}


def test_a_payment_arriving_after_the_termination_falls_due_for_refund_at_once(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    with time_machine.travel(CANCEL_DAY, tick=False) as traveller:
        services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
        traveller.shift(dt.timedelta(days=1))
        pay_security(state["lot"], SealingBidder.registered(), "BK-AFTER", amount_fen=10_000_000)
    late = BidSecurity.objects.get(reference="BK-AFTER")
    assert late.status == SecurityStatus.REFUND_DUE and late.refund_reason == RefundReason.CANCELLATION
    assert clock.local(late.refund_due).date() == dt.date(2026, 9, 23)


# --- Pages and API ----------------------------------------------------------------------------


def test_the_owner_side_terminates_on_the_tender_page(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    tender = state["tender"]
    url = reverse("tendering:cancel", kwargs={"code": tender.code})
    detail = reverse("tendering:detail", kwargs={"code": tender.code})
    with time_machine.travel(CANCEL_DAY, tick=False):
        assert url in signed_in_client(state["agent"]).get(detail).content.decode()
        for outsider in (state["bidder"].user, make_user(Role.AGENT)):
            assert url not in signed_in_client(outsider).get(detail).content.decode()
        assert url not in Client().get(detail).content.decode()

        before = _state(tender)
        blank = signed_in_client(state["agent"]).post(url, {"reason": "  "}, follow=True)
        assert "请填写终止招标的原因。" in blank.content.decode()
        assert _state(tender) == before

        done = signed_in_client(state["owner"]).post(url, {"reason": REASON}, follow=True)
        page = done.content.decode()
    assert done.redirect_chain[-1][0] == detail
    assert "招标已终止，终止公告已发布" in page and REASON in page and "已终止" in page
    assert url not in page  # nothing left to terminate
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED


def test_the_api_terminates_with_structured_errors(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    tender = state["tender"]
    path = f"/api/v1/tenders/{tender.code}/cancel"
    with time_machine.travel(CANCEL_DAY, tick=False):
        outsider = make_user(Role.AGENT)
        before = _state(tender)
        blank = signed_in_client(state["agent"]).post(path, {"reason": ""}, content_type="application/json")
        assert blank.status_code == 422
        assert blank.json()["detail"][0]["field"] == "reason"
        other = signed_in_client(outsider).post(path, {"reason": REASON}, content_type="application/json")
        assert other.status_code == 403
        assert Client().post(path, {"reason": REASON}, content_type="application/json").status_code == 401
        assert _state(tender) == before

        done = signed_in_client(state["agent"]).post(path, {"reason": REASON}, content_type="application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "cancelled" and body["cancellation_reason"] == REASON
    assert [lot["status"] for lot in body["lots"]] == ["cancelled"]
    public = Client().get(f"/api/v1/tenders/{tender.code}").json()
    assert public["status"] == "cancelled" and public["cancellation_reason"] == REASON


def test_who_paid_stays_secret_until_the_original_deadline(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    url = reverse("tendering:securities", kwargs={"code": state["tender"].code})
    name = state["bidder"].user.organization.name
    with time_machine.travel(CANCEL_DAY, tick=False):
        services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
        assert name not in signed_in_client(state["agent"]).get(url).content.decode()
    with time_machine.travel(state["tender"].bid_deadline, tick=False):
        assert name in signed_in_client(state["agent"]).get(url).content.decode()


def test_the_securities_flow_is_recorded_in_the_log_before_the_termination_event(tmp_path):
    with time_machine.travel(NOW, tick=False):
        state = _running(tmp_path)
    first = WitnessEvent.objects.order_by("-seq").first().seq
    with time_machine.travel(CANCEL_DAY, tick=False):
        services.tender_cancel(actor=state["agent"], tender=state["tender"], reason=REASON)
    actions = list(WitnessEvent.objects.filter(seq__gt=first).order_by("seq").values_list("action", flat=True))
    assert actions == ["security.refund_scheduled", "notice.published", "tender.cancelled"]
