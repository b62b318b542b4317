"""Bid security: confirmed only by a correctly signed bank callback, idempotent, refunds tracked
against the legal deadline, and a shared paying account flagged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from ggzy.core import clock
from ggzy.tendering import bids, deposits, services
from ggzy.tendering.choices import SecurityStatus
from ggzy.tendering.models import BidSecurity
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25), security_fen=10_000_000)
        services.tender_publish(actor=world["agent"], tender=tender)
    return tender.tender_lots.get()


def _post(payload: dict, *, signature: str | None = None):
    body = json.dumps(payload).encode()
    return Client().post(
        "/api/v1/tenders/bank/callback",
        body,
        content_type="application/json",
        HTTP_X_BANK_SIGNATURE=signature if signature is not None else deposits.callback_signature(body),
    )


def _paid(lot, bidder, reference="BK001", amount=10_000_000, account="6222000011112222"):
    return {
        "event": "paid",
        "reference": reference,
        "lot_code": lot.lot.code,
        "payer_uscc": bidder.uscc,
        "amount_fen": amount,
        "method": "bank_transfer",
        "payer_account": account,
    }


def test_a_signed_payment_is_confirmed_once(lot):
    bidder = SealingBidder.registered()
    first = _post(_paid(lot, bidder))
    again = _post(_paid(lot, bidder))
    assert first.status_code == again.status_code == 200
    assert BidSecurity.objects.count() == 1
    assert first.json()["status"] == SecurityStatus.CONFIRMED


def test_a_forged_or_short_payment_is_refused(lot):
    bidder = SealingBidder.registered()
    assert _post(_paid(lot, bidder), signature="0" * 64).status_code == 401
    short = _post(_paid(lot, bidder, amount=9_999_999))
    assert short.status_code == 422
    assert short.json()["detail"][0]["field"] == "amount_fen"
    assert not BidSecurity.objects.exists()


def test_withdrawal_schedules_the_refund_and_a_late_refund_shows_as_overdue(lot, tmp_path):
    bidder = SealingBidder.registered()
    _post(_paid(lot, bidder))
    withdrawn_at = dt.datetime(2026, 9, 25, 10, 0, tzinfo=clock.BEIJING)  # Friday, Mid-Autumn Festival
    with time_machine.travel(withdrawn_at, tick=False):
        sealed = bidder.seal(tmp_path, lot=lot, opening_data={"price": 1})
        bid = bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path)
        bids.bid_withdraw(actor=bidder.user, bid=bid)
    security = BidSecurity.objects.get()
    assert security.status == SecurityStatus.REFUND_DUE
    # 5 days from Sep 25 end on Sep 30 (a working day): 实施条例 art. 35.
    assert clock.local(security.refund_due).date() == dt.date(2026, 9, 30)
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=clock.BEIJING), tick=False):
        assert list(deposits.securities_overdue()) == [security]
        refunded = _post(
            {"event": "refunded", "reference": "BK001", "refund_reference": "RF9", "amount_fen": 10_000_000}
        )
    assert refunded.json()["status"] == SecurityStatus.REFUNDED
    assert not deposits.securities_overdue().exists()


def test_one_account_paying_for_two_bidders_is_flagged(lot):
    a, b, c = SealingBidder.registered(), SealingBidder.registered(), SealingBidder.registered()
    _post(_paid(lot, a, reference="R1", account="ACC-1"))
    _post(_paid(lot, b, reference="R2", account="ACC-1"))
    _post(_paid(lot, c, reference="R3", account="ACC-2"))
    flagged = deposits.shared_payer_accounts(lot)
    assert list(flagged) == ["ACC-1"]
    assert sorted(flagged["ACC-1"]) == sorted([a.user.organization.name, b.user.organization.name])


def test_after_a_re_tender_a_payment_goes_to_the_new_round(lot):
    from ggzy.accounts.models import User
    from ggzy.jobs import services as jobs_services
    from ggzy.tendering.choices import LotStatus

    tender = lot.tender
    agent = User.objects.get(organization=tender.project.agent)
    with time_machine.travel(tender.bid_deadline, tick=False) as traveller:
        jobs_services.run_due_jobs()  # no bids: the lot fails (流标)
        lot.refresh_from_db()
        assert lot.status == LotStatus.FAILED
        from ggzy.accounts.models import User

        agent = User.objects.get(organization=tender.project.agent)
        again = services.tender_retender(
            actor=agent, tender=tender, bid_deadline=tender.bid_deadline + dt.timedelta(days=30)
        )
        services.tender_document_add(actor=agent, tender=again, name="招标文件.pdf", content=b"%PDF-1.7 v2")
        traveller.shift(dt.timedelta(hours=1))
        services.tender_publish(actor=agent, tender=again)
        response = _post(_paid(lot, SealingBidder.registered(), reference="BK-R2"))
    assert response.status_code == 200
    assert BidSecurity.objects.get(reference="BK-R2").tender_lot == again.tender_lots.get()


def test_a_failed_lot_refunds_every_security_it_holds(lot):
    from ggzy.jobs import services as jobs_services
    from ggzy.tendering.choices import RefundReason

    payers = [SealingBidder.registered() for _ in range(2)]
    for number, bidder in enumerate(payers):
        _post(_paid(lot, bidder, reference=f"FAIL-{number}"))
    with time_machine.travel(lot.tender.bid_deadline, tick=False):
        jobs_services.run_due_jobs()  # security paid, but no bid: the lot fails (流标)
    securities = BidSecurity.objects.filter(tender_lot=lot)
    assert {(s.status, s.refund_reason) for s in securities} == {(SecurityStatus.REFUND_DUE, RefundReason.FAILED)}
    assert all(s.refund_due is not None for s in securities)
