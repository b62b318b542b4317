"""Interest on refunded bid securities, end to end: the bank reports the amount it paid back, the
platform computes what was owed (rates from the rule table) and flags a short refund on the
early-warning list and on the security pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import signed_in_client
from ggzy.tendering import bids, deposits, services
from ggzy.tendering.choices import InterestKind, RefundReason, SecurityStatus
from ggzy.tendering.models import BidSecurity
from ggzy.tendering.tests.helpers import SealingBidder, pay_security
from ggzy.tendering.tests.test_deposits import _post
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db

PRINCIPAL = 10_000_000  # 100,000.00 元
CANCEL_DAY = NOW + dt.timedelta(days=3)
THIRTY_DAYS_ON = NOW + dt.timedelta(days=30)  # 14 Oct: 30 days after the money arrived on 14 Sep


def _refund(reference: str, amount_fen: int | None):
    payload: dict[str, object] = {"event": "refunded", "reference": reference, "refund_reference": f"RF-{reference}"}
    if amount_fen is not None:
        payload["amount_fen"] = amount_fen
    return _post(payload)


def _published(trade_type=TradeType.CONSTRUCTION, security_fen=PRINCIPAL):
    world = _world(trade_type)
    tender = _draft(world, deadline=NOW + dt.timedelta(days=25), security_fen=security_fen)
    services.tender_publish(actor=world["agent"], tender=tender)
    return world, tender, tender.tender_lots.get()


def _pay_guarantee(lot, bidder: SealingBidder, reference: str) -> None:
    payment = {
        "event": "paid",
        "reference": reference,
        "lot_code": lot.lot.code,
        "payer_uscc": bidder.uscc,
        "amount_fen": PRINCIPAL,
        "method": "guarantee",
    }
    body = json.dumps(payment).encode()
    deposits.bank_callback(body=body, signature=deposits.callback_signature(body))


def test_after_a_termination_construction_owes_deposit_interest_and_a_short_refund_is_flagged():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, tender, lot = _published()
        full, short = SealingBidder.registered(), SealingBidder.registered()
        pay_security(lot, full, "BK-FULL", amount_fen=PRINCIPAL)
        pay_security(lot, short, "BK-SHORT", amount_fen=PRINCIPAL)
        traveller.move_to(CANCEL_DAY)
        services.tender_cancel(actor=world["agent"], tender=tender, reason="项目取消")

        # While the refund is pending, the page shows what would be owed if it were paid today.
        traveller.move_to(NOW + dt.timedelta(days=17))
        pending = deposits.refund_statement(
            BidSecurity.objects.get(reference="BK-SHORT"), on=clock.local(clock.now()).date()
        )
        assert (pending.interest_fen, pending.projected) == (1653, True)  # 100,000 × 0.35 % × 17 / 360 = 16.53
        own = signed_in_client(short.user).get(reverse("tendering:my_securities", kwargs={"code": tender.code}))
        row = own.content.decode()
        assert "16.53" in row and "按今日退还预计" in row and "银行同期存款利息" in row

        traveller.move_to(THIRTY_DAYS_ON)
        paid_in_full = _refund("BK-FULL", PRINCIPAL + 2917)
        paid_short = _refund("BK-SHORT", PRINCIPAL)
    assert paid_in_full.status_code == paid_short.status_code == 200
    assert paid_in_full.json()["interest_due_fen"] == 2917  # 100,000.00 × 0.35 % × 30 / 360 = 29.17
    assert paid_in_full.json()["refund_shortfall_fen"] == 0
    assert paid_short.json()["refund_shortfall_fen"] == 2917
    security = BidSecurity.objects.get(reference="BK-SHORT")
    assert security.status == SecurityStatus.REFUNDED and security.refunded_amount_fen == PRINCIPAL
    assert security.interest_detail == [
        {
            "kind": InterestKind.DEPOSIT_INTEREST,
            "days": 30,
            "annual_percent": "0.35",
            "day_basis": 360,
            "amount_fen": 2917,
        }
    ]
    with time_machine.travel(THIRTY_DAYS_ON, tick=False):
        assert list(deposits.securities_refunded_short()) == [security]
        assert list(deposits.securities_early_warning()) == [security]
        page = signed_in_client(world["agent"]).get(reverse("tendering:securities", kwargs={"code": tender.code}))
    text = page.content.decode()
    short_row = next(row for row in text.split("<tr")[1:] if "BK-SHORT" in row)
    full_row = next(row for row in text.split("<tr")[1:] if "BK-FULL" in row)
    assert "少退 29.17" in short_row and "29.17" in full_row and "少退" not in full_row
    assert "终止招标" in short_row  # the refund reason
    assert "未足额退还（少于本金加应付利息或资金占用费）的投标保证金：1 笔。" in text
    event = WitnessEvent.objects.filter(action="security.refunded", object_id=str(security.pk)).get()
    assert event.after["shortfall_fen"] == 2917 and event.after["interest_due_fen"] == 2917


def test_procurement_owes_the_overdue_fee_for_a_late_refund():
    with time_machine.travel(NOW, tick=False) as traveller:
        _, _, lot = _published(TradeType.GOVERNMENT_PROCUREMENT, security_fen=20_000_000)
        loser = SealingBidder.registered()
        pay_security(lot, loser, "BK-GP", amount_fen=20_000_000)
        # What the award does for the unsuccessful bidders (87号令 art. 38), on Monday 12 Oct:
        traveller.move_to(dt.datetime(2026, 10, 12, 9, 0, tzinfo=clock.BEIJING))
        security = deposits.security_refund_schedule(
            security=BidSecurity.objects.get(reference="BK-GP"),
            reason=RefundReason.UNSUCCESSFUL,
            key="gp.unsuccessful_security_refund_working_days",
            since=clock.now(),
        )
        due_day = clock.local(security.refund_due).date()
        traveller.move_to(clock.end_of_day(due_day) + dt.timedelta(days=5) - dt.timedelta(hours=12))
        refunded = _refund("BK-GP", 20_000_000 + 14_500)
    body = refunded.json()
    # 200,000.00 × 4.35 % × 1.2 × 5 / 360 = 145.00 (政府采购法实施条例 art. 33)
    assert body["interest_due_fen"] == 14_500 and body["refund_shortfall_fen"] == 0
    assert [part["kind"] for part in body["interest_detail"]] == [InterestKind.OVERDUE_FEE]
    assert body["interest_detail"][0]["days"] == 5 and body["interest_detail"][0]["annual_percent"] == "5.22"


def test_a_procurement_refund_on_time_owes_nothing_beyond_the_principal():
    with time_machine.travel(NOW, tick=False) as traveller:
        _, _, lot = _published(TradeType.GOVERNMENT_PROCUREMENT, security_fen=20_000_000)
        pay_security(lot, SealingBidder.registered(), "BK-GP2", amount_fen=20_000_000)
        traveller.move_to(dt.datetime(2026, 10, 12, 9, 0, tzinfo=clock.BEIJING))
        deposits.security_refund_schedule(
            security=BidSecurity.objects.get(reference="BK-GP2"),
            reason=RefundReason.UNSUCCESSFUL,
            key="gp.unsuccessful_security_refund_working_days",
            since=clock.now(),
        )
        traveller.shift(dt.timedelta(days=1))
        body = _refund("BK-GP2", 20_000_000).json()
    assert (body["interest_due_fen"], body["refund_shortfall_fen"], body["interest_detail"]) == (0, 0, [])


def test_a_guarantee_earns_nothing_and_is_returned_without_an_amount():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, tender, lot = _published()
        _pay_guarantee(lot, SealingBidder.registered(), "BH-1")
        traveller.move_to(CANCEL_DAY)
        services.tender_cancel(actor=world["agent"], tender=tender, reason="项目取消")
        traveller.move_to(THIRTY_DAYS_ON)
        returned = _refund("BH-1", None)
    assert returned.status_code == 200
    security = BidSecurity.objects.get(reference="BH-1")
    assert security.status == SecurityStatus.REFUNDED
    assert (security.interest_due_fen, security.refund_shortfall_fen, security.refunded_amount_fen) == (0, 0, None)
    assert not deposits.securities_early_warning().exists()


def test_a_withdrawal_earns_nothing_even_when_refunded_late(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        _, _, lot = _published()
        bidder = SealingBidder.registered()
        pay_security(lot, bidder, "BK-W", amount_fen=PRINCIPAL)
        bid = bids.bid_submit(
            actor=bidder.user, tender_lot=lot, envelope=bidder.seal(tmp_path, lot=lot, opening_data={"price": 1}).path
        )
        bids.bid_withdraw(actor=bidder.user, bid=bid)
        traveller.move_to(THIRTY_DAYS_ON)  # long after the 5 days of 实施条例 art. 35
        body = _refund("BK-W", PRINCIPAL).json()
    assert (body["refund_reason"], body["interest_due_fen"], body["refund_shortfall_fen"]) == ("withdrawal", 0, 0)


def test_a_bank_refund_of_money_without_its_amount_is_refused_and_writes_nothing():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, tender, lot = _published()
        pay_security(lot, SealingBidder.registered(), "BK-NOAMOUNT", amount_fen=PRINCIPAL)
        traveller.move_to(CANCEL_DAY)
        services.tender_cancel(actor=world["agent"], tender=tender, reason="项目取消")
        events = WitnessEvent.objects.count()
        for amount in (None, 0, -5, "100"):
            payload = {"event": "refunded", "reference": "BK-NOAMOUNT", "refund_reference": "RF"}
            if amount is not None:
                payload["amount_fen"] = amount
            refused = _post(payload)
            assert refused.status_code == 422
            assert refused.json()["detail"][0]["field"] == "amount_fen"
    security = BidSecurity.objects.get(reference="BK-NOAMOUNT")
    assert security.status == SecurityStatus.REFUND_DUE and security.refunded_at is None
    assert security.interest_due_fen is None and security.refunded_amount_fen is None
    assert WitnessEvent.objects.count() == events
