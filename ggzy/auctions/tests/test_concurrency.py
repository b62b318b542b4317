"""Concurrent bids on PostgreSQL: the sale's row lock serialises them, so exactly one of several
equal bids is accepted, every acknowledged bid is stored once, and sequence numbers have no gaps."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ggzy.auctions import services
from ggzy.auctions.models import SaleBid, SaleEvent
from ggzy.jobs import services as jobs_services

from .helpers import INCREMENT, NOW, START, START_PRICE, create_listing, land_world, qualified_bidders

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_bids_are_serialised_by_the_sale_lock():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises its writers anyway")
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        qualified_bidders(world, THREADS)
        traveller.move_to(START + dt.timedelta(hours=1))
        jobs_services.run_due_jobs()
        acks: list[services.BidAck] = []
        refusals: list[str] = []
        errors: list[BaseException] = []
        guard = threading.Lock()
        barrier = threading.Barrier(THREADS)

        def bid(n: int, amount: int, key: str) -> None:
            try:
                ack = services.sale_bid(actor=world.bidders[n], sale=listing, amount_fen=amount, key=key)
                with guard:
                    acks.append(ack)
            except ValidationError as refused:
                with guard:
                    refusals.append(refused.code or "")

        def same_amount(n: int) -> None:
            try:
                barrier.wait()
                bid(n, START_PRICE, f"same-{n}")
            except BaseException as error:  # noqa: BLE001 - a thread hands every failure to the test
                errors.append(error)
            finally:
                connections.close_all()

        def climbing(n: int) -> None:
            try:
                barrier.wait()
                for round_ in range(8):
                    top = SaleBid.objects.filter(sale=listing).order_by("-amount_fen").first()
                    amount = (top.amount_fen if top else START_PRICE) + INCREMENT
                    bid(n, amount, f"climb-{n}-{round_}")
            except BaseException as error:  # noqa: BLE001 - a thread hands every failure to the test
                errors.append(error)
            finally:
                connections.close_all()

        for target in (same_amount, climbing):
            threads = [threading.Thread(target=target, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors
            if target is same_amount:
                assert len(acks) == 1 and len(refusals) == THREADS - 1
                assert set(refusals) == {"below_increment"}

    stored = list(SaleBid.objects.filter(sale=listing).order_by("seq"))
    assert sorted(a.seq for a in acks) == [b.seq for b in stored]  # every acknowledged bid, once
    amounts = [b.amount_fen for b in stored]
    assert amounts == sorted(set(amounts))  # strictly increasing
    seqs = list(SaleEvent.objects.filter(sale=listing).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    listing.refresh_from_db()
    assert listing.last_seq == len(seqs) and listing.price_fen == amounts[-1]
