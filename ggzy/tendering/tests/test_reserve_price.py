"""The sealed reserve price (标底): sealed by the owner side, unchangeable after the deadline,
unreadable until the opening, and read out in the opening record."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

import bidtool
from ggzy.tendering import bids, opening, reserve, services
from ggzy.tendering.choices import KeyKind, LotStatus
from ggzy.tendering.models import ReservePrice
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world

pytestmark = pytest.mark.django_db


def _key(path, private) -> str:
    return base64.urlsafe_b64encode(bidtool.unwrap_content_key(path, private)).decode().rstrip("=")


def _published_with_a_sealed_reserve(tmp_path):
    """A published tender whose agent sealed a reserve price to its own keys, like a bidder seals a bid."""
    world = _world()
    agent = world["agent"]
    tender = _draft(world, deadline=NOW + dt.timedelta(days=25))
    services.tender_publish(actor=agent, tender=tender)
    lot = tender.tender_lots.get()
    sealer = SealingBidder(user=agent)
    for kind, key in ((KeyKind.SEALING, sealer.sealing), (KeyKind.SIGNING, sealer.signing)):
        bids.bidder_key_register(actor=agent, kind=kind, public_key=bidtool.public_key_to_pem(key).decode())
    sealed = sealer.seal(tmp_path / "reserve", lot=lot, opening_data={"price": 777_777_700})
    return agent, tender, lot, sealer, sealed


def test_reserve_price_is_sealed_then_read_out_with_the_bids(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        agent, tender, lot, sealer, sealed = _published_with_a_sealed_reserve(tmp_path)
        reserve.reserve_price_submit(actor=agent, tender_lot=lot, envelope=sealed.path)
        with pytest.raises(PermissionDenied):
            reserve.reserve_price_submit(actor=SealingBidder.registered().user, tender_lot=lot, envelope=sealed.path)
        placed = []
        for n in range(3):
            bidder = SealingBidder.registered()
            envelope = bidder.seal(tmp_path / str(n), lot=lot, opening_data={"price": 800_000_000 + n})
            placed.append((bidder, bids.bid_submit(actor=bidder.user, tender_lot=lot, envelope=envelope.path)))
        stored = ReservePrice.objects.get(tender_lot=lot)
        assert stored.opened_value is None  # the platform holds only ciphertext and digests

        traveller.move_to(tender.bid_deadline)
        with pytest.raises(ValidationError):
            reserve.reserve_price_submit(actor=agent, tender_lot=lot, envelope=sealed.path)
        services.tender_close_submissions(tender_id=tender.pk)
        lot.refresh_from_db()
        for bidder, bid in placed:
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=_key(bids.bid_path(bid), bidder.sealing))
        lot.refresh_from_db()
        assert lot.status == LotStatus.DECRYPTING  # every bid decided, but the reserve price is still sealed
        reserve.reserve_price_unseal(actor=agent, tender_lot=lot, content_key=_key(sealed.path, sealer.sealing))
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPENED  # the reserve price was the last thing to open
    assert lot.opening_record["reserve_price"] == "7,777,777.00"


def test_the_sealed_reserve_price_is_accepted_through_the_api(tmp_path):
    from ggzy.core.testing.parties import signed_in_client

    with time_machine.travel(NOW, tick=False):
        agent, tender, lot, _sealer, sealed = _published_with_a_sealed_reserve(tmp_path)
        client = signed_in_client(agent)
        url = f"/api/v1/tenders/{tender.code}/lots/{lot.lot.code}/reserve-price"
        missing = client.post(url)
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["field"] == "envelope"
        with open(sealed.path, "rb") as envelope:
            answer = client.post(url, {"envelope": envelope})
    assert answer.status_code == 201, answer.content
    assert ReservePrice.objects.filter(tender_lot=lot, opened_value__isnull=True).exists()
