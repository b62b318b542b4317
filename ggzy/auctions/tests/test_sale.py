"""The Django layer around the engine: a land-use listing from setup to the deal, with the
worker's tick jobs, idempotent bids, refusals that write nothing, freezes and bid-number secrecy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.auctions import services
from ggzy.auctions.models import Sale, SaleBid, SaleEvent
from ggzy.jobs import services as jobs_services
from ggzy.witness.models import WitnessEvent

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    TIMED_INCREMENT,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
)

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def _counts(sale_obj: Sale) -> tuple[int, int, int]:
    return (
        SaleBid.objects.filter(sale=sale_obj).count(),
        SaleEvent.objects.filter(sale=sale_obj).count(),
        WitnessEvent.objects.count(),
    )


def _gapless(sale_obj: Sale) -> None:
    seqs = list(SaleEvent.objects.filter(sale=sale_obj).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    sale_obj.refresh_from_db()
    assert sale_obj.last_seq == len(seqs)


def _refused(code: str, call, sale_obj: Sale) -> None:
    before = _counts(sale_obj)
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.code == code
    assert _counts(sale_obj) == before


def test_the_legal_parameters_come_from_the_rule_table():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world)
    assert (listing.last_window_seconds, listing.timed_min_bidders) == (3600, 2)
    assert (listing.preparation_seconds, listing.countdown_seconds) == (15 * 60, 5 * 60)
    assert (listing.quick_fix_seconds, listing.resume_notice_seconds) == (3600, 24 * 3600)
    assert listing.freeze_extension_cap_seconds == 3600
    assert listing.timed_eligibility == "qualified"
    assert (listing.phase, listing.ends_at) == ("scheduled", START)


def test_notice_period_and_listing_period_minimums_are_enforced():
    with time_machine.travel(NOW, tick=False):
        world = land_world()
        with pytest.raises(ValidationError) as caught:
            create_listing(world, start_at=NOW + dt.timedelta(days=19), listing_end=LISTING_END)
        assert "start_at" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            create_listing(world, listing_end=START + dt.timedelta(days=6))
        assert "listing_end" in caught.value.message_dict
        with pytest.raises(PermissionDenied):
            create_listing(world, actor=world.staff)
    assert not Sale.objects.exists()


def test_registration_gives_random_distinct_bid_numbers_and_only_qualified_bidders_bid():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 3)
        numbers = [r.bid_number for r in world.registrations]
        assert len(set(numbers)) == 3 and all(re.fullmatch(r"\d{10}", n) for n in numbers)
        with pytest.raises(PermissionDenied):
            services.registration_apply(actor=world.seller, sale=listing)  # the seller cannot bid
        from ggzy.accounts.choices import Role
        from ggzy.core.testing.parties import make_user

        unpaid = make_user(Role.BIDDER)
        registration = services.registration_apply(actor=unpaid, sale=listing)
        services.registration_review(actor=world.staff, registration=registration, approve=True)
        traveller.move_to(START + H)
        jobs_services.run_due_jobs()
        _refused(
            "not_qualified",
            lambda: services.sale_bid(actor=unpaid, sale=listing, amount_fen=START_PRICE, key="u1"),
            listing,
        )
        _refused(
            "below_start_price",
            lambda: services.sale_bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE - 1, key="a0"),
            listing,
        )


def test_the_center_reviews_applications_and_the_seller_side_may_not():
    """The qualification review is the center's (issue 7: the seller must not know who applies)."""
    from ggzy.accounts.choices import Role
    from ggzy.core.testing.parties import make_user

    with time_machine.travel(NOW, tick=False):
        world = land_world()
        listing = create_listing(world)
        applicant = make_user(Role.BIDDER)
        registration = services.registration_apply(actor=applicant, sale=listing)
        refused = (world.seller, applicant, make_user(Role.OWNER), make_user(Role.SUPERVISOR))
        witnessed = WitnessEvent.objects.count()
        for actor in refused:
            with pytest.raises(PermissionDenied) as caught:
                services.registration_review(actor=actor, registration=registration, approve=True)
            assert str(caught.value) == "只有交易中心工作人员可以审核竞买申请。"
        registration.refresh_from_db()
        assert (registration.status, registration.bid_number, registration.reviewed_by) == ("applied", "", None)
        assert WitnessEvent.objects.count() == witnessed
        reviewed = services.registration_review(actor=world.staff, registration=registration, approve=True)
    assert reviewed.status == "approved" and re.fullmatch(r"\d{10}", reviewed.bid_number)
    assert reviewed.reviewed_by == world.staff
    assert WitnessEvent.objects.filter(action="auctions.registration_reviewed").count() == 1


def test_listing_without_last_hour_competition_closes_at_the_highest_bid():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 3)
        a, b, _c = world.bidders
        _refused(
            "not_started",
            lambda: services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="early"),
            listing,
        )
        traveller.move_to(START)
        assert jobs_services.run_due_jobs() == 4  # the tick, and three review deadlines that find nothing
        assert sale(world).phase == "listing"
        traveller.move_to(START + dt.timedelta(days=1))
        ack = services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
        assert (ack.bid_number, ack.amount_fen, ack.seq) == (world.registrations[0].bid_number, START_PRICE, 2)
        assert ack.accepted_at == START + dt.timedelta(days=1)
        traveller.move_to(START + dt.timedelta(days=2))
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="b1")
        traveller.move_to(LISTING_END - 2 * H)
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + 3 * INCREMENT, key="a2")
        traveller.move_to(LISTING_END - 30 * M)  # one bidder in the last hour: no timed round
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + 4 * INCREMENT, key="b2")
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
    closed = sale(world)
    assert (closed.phase, closed.status) == ("closed", "deal")
    assert closed.winner == world.registrations[1]
    assert closed.deal_price_fen == START_PRICE + 4 * INCREMENT
    assert closed.closed_at == LISTING_END
    _gapless(closed)
    kinds = list(SaleEvent.objects.filter(sale=closed).order_by("seq").values_list("kind", flat=True))
    assert kinds == ["phase_changed"] + ["bid_accepted"] * 4 + ["phase_changed", "closed"]
    last = SaleEvent.objects.filter(sale=closed).order_by("seq").last()
    assert last.payload["outcome"] == {
        "deal": True,
        "bid_number": world.registrations[1].bid_number,
        "price_fen": START_PRICE + 4 * INCREMENT,
        "bid_seq": 5,
    }
    _assert_no_identity(closed, world)


def _assert_no_identity(sale_obj: Sale, world) -> None:
    """Watchers and the witness log see bid numbers only: never a name or a credit code."""
    dumped = repr(list(SaleEvent.objects.filter(sale=sale_obj).values_list("payload", flat=True)))
    witnessed = [e for e in WitnessEvent.objects.all() if e.action in ("auctions.bid_accepted", "auctions.sale_ticked")]
    for user in world.bidders:
        org = user.organization
        assert org.name not in dumped and org.uscc not in dumped
        for event in witnessed:
            assert event.actor_id is None and event.organization_id is None
            assert org.name not in repr(event.after) and org.uscc not in repr(event.after)


def test_two_last_hour_bidders_lead_to_a_timed_round_with_a_restarting_countdown():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 3)
        a, b, c = world.bidders
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        traveller.move_to(LISTING_END - 50 * M)
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="a1")
        traveller.move_to(LISTING_END - 40 * M)
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="b1")
        traveller.move_to(LISTING_END)
        jobs_services.run_due_jobs()
        assert (sale(world).phase, sale(world).ends_at) == ("preparation", LISTING_END + 15 * M)
        _refused(
            "preparation",
            lambda: services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + 5 * INCREMENT, key="a2"),
            listing,
        )
        traveller.move_to(LISTING_END + 15 * M)
        jobs_services.run_due_jobs()
        assert (sale(world).phase, sale(world).ends_at) == ("timed", LISTING_END + 20 * M)
        top = START_PRICE + INCREMENT
        _refused(
            "below_increment",
            lambda: services.sale_bid(actor=c, sale=listing, amount_fen=top + TIMED_INCREMENT - 1, key="c0"),
            listing,
        )
        traveller.move_to(LISTING_END + 16 * M)
        # c never bid in the listing and may still join (Fujian land).
        services.sale_bid(actor=c, sale=listing, amount_fen=top + TIMED_INCREMENT, key="c1")
        assert sale(world).ends_at == LISTING_END + 21 * M
        traveller.move_to(LISTING_END + 20 * M)
        jobs_services.run_due_jobs()  # the old deadline: the job was moved, nothing closes
        assert sale(world).phase == "timed"
        services.sale_bid(actor=a, sale=listing, amount_fen=top + 2 * TIMED_INCREMENT, key="a3")
        traveller.move_to(LISTING_END + 24 * M)
        jobs_services.run_due_jobs()
        assert sale(world).phase == "timed"
        traveller.move_to(LISTING_END + 25 * M)
        jobs_services.run_due_jobs()
    closed = sale(world)
    assert (closed.status, closed.winner, closed.deal_price_fen) == (
        "deal",
        world.registrations[0],
        top + 2 * TIMED_INCREMENT,
    )
    assert closed.closed_at == LISTING_END + 25 * M
    kinds = list(SaleEvent.objects.filter(sale=closed).order_by("seq").values_list("kind", flat=True))
    assert kinds.count("countdown_restarted") == 2
    _gapless(closed)
    _assert_no_identity(closed, world)


def test_the_same_key_returns_the_original_acknowledgement_and_writes_nothing():
    with time_machine.travel(START, tick=False) as traveller:
        traveller.move_to(NOW)
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 2)
        a, b = world.bidders
        traveller.move_to(START + H)
        first = services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="k1")
        before = _counts(listing)
        traveller.move_to(START + 2 * H)
        again = services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="k1")
        assert again.duplicate and (again.seq, again.amount_fen, again.accepted_at) == (
            first.seq,
            first.amount_fen,
            first.accepted_at,
        )
        assert _counts(listing) == before
        _refused(
            "key_reused",
            lambda: services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + INCREMENT, key="k1"),
            listing,
        )
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="k2")
        _refused(  # an equal bid is refused: the earlier one stands
            "below_increment",
            lambda: services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + INCREMENT, key="k3"),
            listing,
        )
    _gapless(listing)


def test_the_center_adjusts_the_increments_in_the_listing_and_a_replay_agrees():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 2)
        a, b = world.bidders
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="i1")
        for user in (world.seller, a):
            with pytest.raises(PermissionDenied):
                services.sale_increments_adjust(
                    actor=user, sale=listing, increment_fen=3 * INCREMENT, timed_increment_fen=TIMED_INCREMENT
                )
        _refused(
            "invalid_increment",
            lambda: services.sale_increments_adjust(
                actor=world.staff, sale=listing, increment_fen=0, timed_increment_fen=TIMED_INCREMENT
            ),
            listing,
        )
        _refused(
            "increments_unchanged",
            lambda: services.sale_increments_adjust(
                actor=world.staff, sale=listing, increment_fen=INCREMENT, timed_increment_fen=TIMED_INCREMENT
            ),
            listing,
        )
        traveller.move_to(START + H)
        services.sale_increments_adjust(
            actor=world.staff, sale=listing, increment_fen=3 * INCREMENT, timed_increment_fen=2 * TIMED_INCREMENT
        )
        event = SaleEvent.objects.filter(sale=listing).order_by("-seq").first()
        assert event is not None and event.kind == "increments_changed"
        assert event.payload == {"increment_fen": 3 * INCREMENT, "timed_increment_fen": 2 * TIMED_INCREMENT}
        witnessed = WitnessEvent.objects.get(action="auctions.increments_adjusted")
        assert witnessed.actor_id == world.staff.pk
        assert witnessed.before == {"increment_fen": INCREMENT, "timed_increment_fen": TIMED_INCREMENT}
        _refused(  # one old increment above the price is no longer enough
            "below_increment",
            lambda: services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="i2"),
            listing,
        )
        services.sale_bid(actor=b, sale=listing, amount_fen=START_PRICE + 3 * INCREMENT, key="i3")
        # Another process, or this one after a restart, rebuilds the same state from the records.
        services._LATEST.clear()
        services._COMMITTED.clear()
        state = services._state(sale(world))
        assert state.increments == (3 * INCREMENT, 2 * TIMED_INCREMENT)
        assert state.minimum_bid_fen() == START_PRICE + 6 * INCREMENT
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE + 6 * INCREMENT, key="i4")
    _gapless(listing)


def test_freeze_stops_bidding_and_a_quick_resumption_extends_the_listing():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, 2)
        a, _b = world.bidders
        traveller.move_to(START)
        jobs_services.run_due_jobs()
        traveller.move_to(START + H)
        with pytest.raises(PermissionDenied):
            services.sale_freeze(actor=world.seller, sale=listing)
        services.sale_freeze(actor=world.staff, sale=listing)
        assert (sale(world).phase, sale(world).ends_at) == ("frozen", None)
        _refused("frozen", lambda: services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="f1"), listing)
        traveller.move_to(START + H + 30 * M)
        services.sale_resume(actor=world.staff, sale=listing)
        assert (sale(world).phase, sale(world).ends_at) == ("listing", LISTING_END + 30 * M)
        services.sale_bid(actor=a, sale=listing, amount_fen=START_PRICE, key="f2")
        traveller.move_to(START + 3 * H)
        services.sale_freeze(actor=world.staff, sale=listing)
        traveller.move_to(START + 5 * H)  # two hours later: resumption needs 24 h notice
        before = _counts(listing)
        with pytest.raises(ValidationError) as caught:
            services.sale_resume(actor=world.staff, sale=listing)
        assert caught.value.code == "notice_too_short" and _counts(listing) == before
        services.sale_resume(actor=world.staff, sale=listing, resume_at=START + 29 * H)
        assert (sale(world).phase, sale(world).ends_at) == ("frozen", START + 29 * H)
        traveller.move_to(START + 29 * H)
        jobs_services.run_due_jobs()
        assert (sale(world).phase, sale(world).ends_at) == ("listing", LISTING_END + 30 * M + 26 * H)
    _gapless(listing)
