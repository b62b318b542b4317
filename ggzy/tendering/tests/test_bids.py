"""Sealed bids: the platform takes only ciphertext sealed to the bidder's own key and signed by it,
judges the deadline by its own receipt time, signs a receipt, and fails a lot with fewer than three bids."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

import bidtool
from ggzy.accounts.choices import Role
from ggzy.core.testing.parties import make_user
from ggzy.jobs import services as jobs_services
from ggzy.tendering import bids, services
from ggzy.tendering.choices import BidStatus, KeyKind, LotStatus
from ggzy.tendering.models import Bid
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
        services.tender_publish(actor=world["agent"], tender=tender)
    return tender


def _submit(bidder: SealingBidder, tender, tmp_path: Path, **seal_args):
    lot = tender.tender_lots.get()
    sealed = bidder.seal(tmp_path / bidder.user.username, lot=lot, **seal_args)
    return bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path, client_address="10.0.0.5"), sealed


def test_a_sealed_bid_gets_a_signed_receipt_with_the_server_time(tender, tmp_path):
    bidder = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        bid, sealed = _submit(bidder, tender, tmp_path, opening_data={"price": 123_456_700})
    assert bid.status == BidStatus.SUBMITTED
    assert bid.receipt["commitment"] == sealed.commitment
    assert bid.receipt["ciphertext_digest"] == sealed.ciphertext_digest
    assert bid.receipt["received_at"].startswith((NOW + dt.timedelta(days=1)).isoformat()[:19])
    assert bids.receipt_verify(bid.receipt, bid.receipt_signature)
    forged = {**bid.receipt, "received_at": "2026-01-01T00:00:00+08:00"}
    assert not bids.receipt_verify(forged, bid.receipt_signature)
    assert bids.bid_path(bid).read_bytes() == sealed.path.read_bytes()


def test_deadline_boundary_is_judged_by_server_receipt_time_only(tender, tmp_path):
    early, late = SealingBidder.registered(), SealingBidder.registered()
    lot = tender.tender_lots.get()
    sealed_early = early.seal(tmp_path / "early", lot=lot, opening_data={"price": 1})
    sealed_late = late.seal(tmp_path / "late", lot=lot, opening_data={"price": 2})
    with time_machine.travel(tender.bid_deadline - dt.timedelta(milliseconds=1), tick=False):
        bids.bid_submit(actor=early.user, tender_lot=lot, envelope=sealed_early.path)
    after = tender.bid_deadline + dt.timedelta(milliseconds=1)
    with time_machine.travel(after, tick=False), pytest.raises(ValidationError) as error:
        bids.bid_submit(actor=late.user, tender_lot=lot, envelope=sealed_late.path)
    assert "投标截止时间" in " ".join(error.value.messages)
    assert list(Bid.objects.values_list("bidder", flat=True)) == [early.user.organization_id]


def test_an_unsealed_file_is_refused(tender, tmp_path):
    bidder = SealingBidder.registered()
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(b"%PDF price 1000000")
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False), pytest.raises(ValidationError) as error:
        bids.bid_submit(actor=bidder.user, tender_lot=tender.tender_lots.get(), envelope=plain)
    assert "未按要求加密密封" in " ".join(error.value.messages)
    assert not Bid.objects.exists()


@pytest.mark.parametrize("fault", ["wrong_lot", "wrong_sealing_key", "tampered", "unregistered_signer"])
def test_bad_envelopes_are_refused_before_the_deadline_with_the_reason(tender, tmp_path, fault):
    bidder = SealingBidder.registered()
    lot = tender.tender_lots.get()
    args: dict = {"opening_data": {"price": 5}}
    if fault == "wrong_lot":
        args["lot_code"] = lot.lot.code[:-1] + "9"
    if fault == "wrong_sealing_key":
        args["sealing_public_key"] = bidtool.generate_sealing_key().public_key()
    sealed = bidder.seal(tmp_path, lot=lot, **args)
    if fault == "tampered":
        data = bytearray(sealed.path.read_bytes())
        data[len(data) // 2] ^= 0x01
        sealed.path.write_bytes(bytes(data))
    if fault == "unregistered_signer":
        other = bidtool.generate_signing_key()
        bids.bidder_key_register(
            actor=bidder.user, kind=KeyKind.SIGNING, public_key=bidtool.public_key_to_pem(other).decode()
        )
    events = WitnessEvent.objects.count()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False), pytest.raises(ValidationError):
        bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=sealed.path)
    assert not Bid.objects.exists()
    assert WitnessEvent.objects.count() == events


def test_replace_and_withdraw_before_the_deadline(tender, tmp_path):
    bidder = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        first, _ = _submit(bidder, tender, tmp_path / "1", opening_data={"price": 100})
        second, _ = _submit(bidder, tender, tmp_path / "2", opening_data={"price": 90})
        first.refresh_from_db()
        assert (first.status, second.status) == (BidStatus.REPLACED, BidStatus.SUBMITTED)
        bids.bid_withdraw(actor=bidder.user, bid=second)
        second.refresh_from_db()
        assert second.status == BidStatus.WITHDRAWN
        with pytest.raises(PermissionDenied):
            bids.bid_withdraw(actor=SealingBidder.registered().user, bid=first)


def test_no_withdrawal_after_the_deadline(tender, tmp_path):
    bidder = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        bid, _ = _submit(bidder, tender, tmp_path, opening_data={"price": 100})
    with time_machine.travel(tender.bid_deadline, tick=False), pytest.raises(ValidationError):
        bids.bid_withdraw(actor=bidder.user, bid=bid)


@pytest.mark.parametrize("role", [Role.OWNER, Role.AGENT, Role.CENTER_STAFF, Role.SUPERVISOR])
def test_only_bidders_submit(tender, tmp_path, role):
    bidder = SealingBidder.registered()
    sealed = bidder.seal(tmp_path, lot=tender.tender_lots.get(), opening_data={"price": 1})
    with pytest.raises(PermissionDenied):
        bids.bid_submit(actor=make_user(role), tender_lot=tender.tender_lots.get(), envelope=sealed.path)


def test_two_bids_fail_the_lot_and_three_do_not(tender, tmp_path):
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        for n in range(2):
            _submit(SealingBidder.registered(), tender, tmp_path / str(n), opening_data={"price": n})
    with time_machine.travel(tender.bid_deadline, tick=False):
        jobs_services.run_due_jobs()
    assert tender.tender_lots.get().status == LotStatus.FAILED
    event = WitnessEvent.objects.get(action="tender.submissions_closed")
    assert event.after["lots"][0]["bids"] == 2


def test_before_the_opening_no_price_or_phrase_appears_anywhere(tender, tmp_path, caplog, settings):
    """The canary: a unique price and phrase inside a sealed bid are nowhere in a database dump, the
    platform's files, logs, pages or API responses — for any role, a database superuser included."""
    from django.test import Client

    from ggzy.core.testing.parties import signed_in_client

    price, phrase = 987_654_321, "金丝雀短语-伊犁河谷-7f3a"
    bidder = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        bid, _ = _submit(bidder, tender, tmp_path / "canary", opening_data={"price": price}, text=phrase)
        # a clarification during bidding sends notifications to the document holders
        from ggzy.notifications import backends
        from ggzy.tendering import clarifications

        bidder.user.email = "canary-bidder@example.cn"
        bidder.user.save(update_fields=["email"])
        services.document_download_record(user=bidder.user, document=tender.documents.first())
        clarifications.clarification_issue(actor=_owner_side(tender), tender=tender, body="澄清：工期不变")
        from ggzy.jobs import services as jobs_services

        jobs_services.run_due_jobs()
    needles = [str(price), f"{price:,}", phrase, str(price / 100)]
    dump = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=dump)
    haystacks = {
        "database dump": dump.getvalue(),
        "logs": caplog.text,
        "notifications sent": "\n".join(f"{m.subject} {m.body}" for m in backends.outbox),
    }
    for path in [*Path(settings.DATA_DIR).rglob("*"), *Path(settings.MEDIA_ROOT).rglob("*")]:
        if path.is_file():
            haystacks[str(path)] = path.read_bytes().decode("utf-8", "replace")
    viewers = [Client()] + [
        signed_in_client(make_user(role)) for role in (Role.CENTER_STAFF, Role.SUPERVISOR, Role.AUDIT_ADMIN)
    ]
    for client in [*viewers, signed_in_client(bidder.user)]:
        for url in (
            f"/tenders/{tender.code}/",
            "/api/v1/tenders/",
            f"/api/v1/tenders/{tender.code}",
            "/witness/events/",
            "/api/v1/witness/events",
            f"/tenders/{tender.code}/my-bids/",
            f"/api/v1/tenders/{tender.code}/my-bids",
        ):
            haystacks[url] = client.get(url).content.decode("utf-8", "replace")
    for where, text in haystacks.items():
        for needle in needles:
            assert needle not in text, f"{needle!r} leaked in {where}"
    assert bid.commitment in haystacks["database dump"]  # the commitment is there, the price is not
    assert "澄清" in haystacks["notifications sent"]  # the holder was notified, without the bid's content


def _owner_side(tender):
    from ggzy.accounts.models import User

    return User.objects.filter(organization=tender.project.agent).first()


def test_page_and_api_upload_return_the_receipt(tender, tmp_path):
    from django.test import Client

    from ggzy.core.testing.parties import signed_in_client

    page_bidder, api_bidder = SealingBidder.registered(), SealingBidder.registered()
    lot = tender.tender_lots.get()
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        sealed = page_bidder.seal(tmp_path / "page", lot=lot, opening_data={"price": 11})
        client = signed_in_client(page_bidder.user)
        with sealed.path.open("rb") as handle:
            response = client.post(f"/tenders/{tender.code}/lots/{lot.lot.code}/bid/", {"envelope": handle})
        assert response.status_code == 302
        assert sealed.commitment in client.get(f"/tenders/{tender.code}/my-bids/").content.decode()

        sealed = api_bidder.seal(tmp_path / "api", lot=lot, opening_data={"price": 12})
        client = signed_in_client(api_bidder.user)
        with sealed.path.open("rb") as handle:
            response = client.post(
                f"/api/v1/tenders/{tender.code}/lots/{lot.lot.code}/bids", {"envelope": handle, "fingerprint": "cpu:1"}
            )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["commitment"] == sealed.commitment
        assert bids.receipt_verify(body["receipt"], body["receipt_signature"])

        plain = tmp_path / "plain.txt"
        plain.write_text("报价 1000000 元")
        with plain.open("rb") as handle:
            refused = client.post(f"/api/v1/tenders/{tender.code}/lots/{lot.lot.code}/bids", {"envelope": handle})
        assert refused.status_code == 422
        assert "未按要求加密密封" in refused.json()["detail"][0]["message"]
        other = Client().get(f"/api/v1/tenders/{tender.code}/my-bids")
        assert other.status_code == 401
    assert Bid.objects.get(bidder=api_bidder.user.organization).client_fingerprint == "cpu:1"
