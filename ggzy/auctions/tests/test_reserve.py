"""The sealed reserve: sealed by the seller with the bid tool, fixed after the cutoff, unreadable
by the platform until bidding has closed and the seller releases the content key."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

import bidtool
from ggzy.auctions import services
from ggzy.auctions.models import SaleEvent, SaleReserve
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.witness.models import WitnessEvent

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
)

pytestmark = pytest.mark.django_db

RESERVE = START_PRICE + 5 * INCREMENT


def _seal(world, directory, reserve_fen):
    sealing, signing = bidtool.generate_sealing_key(), bidtool.generate_signing_key()
    directory.mkdir(parents=True, exist_ok=True)
    note = directory / "reserve.txt"
    note.write_text("集体决策确定的保留价", encoding="utf-8")
    sealed = bidtool.seal(
        out=directory / "reserve.gbid",
        files=[note],
        opening_data={"reserve_fen": reserve_fen},
        lot_code=world.lot.code,
        bidder_uscc=world.seller.organization.uscc,
        sealing_public_key=sealing.public_key(),
        signing_private_key=signing,
        overwrite=True,
    )
    key = base64.urlsafe_b64encode(bidtool.unwrap_content_key(sealed.path, sealing)).decode().rstrip("=")
    return sealed.path, key


@pytest.mark.parametrize(("reserve_fen", "status"), [(RESERVE, "no_deal"), (START_PRICE, "deal")])
def test_the_reserve_decides_only_after_the_close(tmp_path, reserve_fen, status):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 2)
        path, key = _seal(world, tmp_path / "r", reserve_fen)
        services.sale_reserve_submit(actor=world.seller, sale=listing, envelope=path)
        stored = SaleReserve.objects.get(sale=listing)
        assert stored.reserve_fen is None
        assert str(reserve_fen).encode() not in path.read_bytes()  # ciphertext only
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE + INCREMENT, key="a1")
        with pytest.raises(ValidationError):  # not before bidding has closed
            services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key)
        traveller.move_to(LISTING_END - dt.timedelta(minutes=59))
        with pytest.raises(ValidationError):  # fixed from one hour before the listing closes
            services.sale_reserve_submit(actor=world.seller, sale=listing, envelope=path)
        assert SaleReserve.objects.get(sale=listing).submitted_at == NOW
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        waiting = sale(world)
        assert (waiting.phase, waiting.status, waiting.reserve_fen) == ("closed", "awaiting_reserve", None)
        assert not SaleEvent.objects.filter(sale=listing, kind="closed").exists()
        with pytest.raises(ValidationError):
            services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key[:-4] + "AAAA")
        services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key)
    closed = sale(world)
    assert (closed.status, closed.reserve_fen) == (status, reserve_fen)
    event = SaleEvent.objects.get(sale=listing, kind="closed")
    assert event.payload["reserve_fen"] == reserve_fen
    if status == "no_deal":
        assert closed.no_deal_reason == "below_reserve" and closed.winner is None
    else:
        assert closed.winner == world.registrations[0] and closed.deal_price_fen == START_PRICE + INCREMENT


def test_the_seller_is_asked_for_the_key_at_the_close_and_the_center_alerted_if_it_stays_missing(tmp_path, settings):
    settings.AUCTION_RESERVE_KEY_ALERT_MINUTES = 30
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        for n, user in enumerate((world.staff, world.seller)):  # reachable by SMS, so a message is queued
            user.phone = f"1390000001{n}"
            user.save(update_fields=["phone"])
        listing = create_listing(world)
        qualified_bidders(world, 2)
        path, key = _seal(world, tmp_path / "r", RESERVE)
        services.sale_reserve_submit(actor=world.seller, sale=listing, envelope=path)
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        assert not Notification.objects.filter(topic__startswith=f"auctions.reserve_key:{listing.pk}:").exists()
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert sale(world).status == "awaiting_reserve"
        asked = Notification.objects.filter(topic__startswith=f"auctions.reserve_key:{listing.pk}:")
        assert [n.recipient for n in asked] == [world.seller]
        traveller.move_to(LISTING_END + dt.timedelta(minutes=29))
        jobs_services.run_due_jobs()
        assert not WitnessEvent.objects.filter(action="auctions.reserve_key_overdue").exists()
        traveller.move_to(LISTING_END + dt.timedelta(minutes=30))
        jobs_services.run_due_jobs()
        overdue = Notification.objects.filter(topic__startswith=f"auctions.reserve_key_overdue:{listing.pk}:")
        assert overdue.filter(recipient=world.staff).exists()
        assert not overdue.filter(recipient=world.seller).exists()
        assert WitnessEvent.objects.get(action="auctions.reserve_key_overdue").object_id == str(listing.pk)
        services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key)
    assert sale(world).status == "no_deal"  # no bid: the result once the key came
    assert asked.count() == 1  # asked once, not at every tick


def test_a_key_released_in_time_raises_no_alert(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 2)
        path, key = _seal(world, tmp_path / "r", START_PRICE)
        services.sale_reserve_submit(actor=world.seller, sale=listing, envelope=path)
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        services.sale_reserve_open(actor=world.seller, sale=listing, content_key=key)
        traveller.move_to(LISTING_END + dt.timedelta(days=1))
        jobs_services.run_due_jobs()
    assert services.reserve_key_overdue_check(sale_id=listing.pk) is False
    assert not WitnessEvent.objects.filter(action="auctions.reserve_key_overdue").exists()
