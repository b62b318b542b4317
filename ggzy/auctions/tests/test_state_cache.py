"""The engine state a process remembers after a committed operation is the state a replay of the
stored inputs gives; a rolled-back operation leaves nothing behind; another writer's operation
makes the remembered state stale, and the next operation replays."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from ggzy.auctions import services
from ggzy.auctions.models import Sale, SaleBid
from ggzy.jobs import services as jobs_services

from .helpers import INCREMENT, NOW, START, START_PRICE, create_listing, land_world, qualified_bidders


def _without_clock(state):
    return dataclasses.replace(state, clock=None)


def _replayed(sale: Sale):
    sale.refresh_from_db()
    qualified = [r.bid_number for r in sale.registrations.all() if r.qualified]
    return services._replay(sale, qualified)


@pytest.mark.django_db(transaction=True)
def test_the_remembered_state_equals_a_replay_and_only_committed_operations_are_remembered():
    services._STATES.clear()
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        sale = create_listing(world)
        qualified_bidders(world, 2)
        traveller.move_to(START + dt.timedelta(hours=1))
        jobs_services.run_due_jobs()
        for n in range(1, 6):
            traveller.shift(dt.timedelta(minutes=1))
            services.sale_bid(
                actor=world.bidders[n % 2], sale=sale, amount_fen=START_PRICE + n * INCREMENT, key=f"bid-{n}"
            )
        sale.refresh_from_db()
        last_seq, qualified, remembered = services._STATES[sale.pk]
        assert last_seq == sale.last_seq
        assert len(qualified) == 2
        assert _without_clock(remembered) == _without_clock(_replayed(sale))
        assert services._state(sale) is remembered  # used while it matches

        # A bid rolled back after the engine accepted it is not remembered.
        with pytest.raises(RuntimeError), transaction.atomic():
            services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE + 9 * INCREMENT, key="lost")
            raise RuntimeError("the request failed after the bid")
        assert services._STATES[sale.pk][2] is remembered
        assert not SaleBid.objects.filter(key="lost").exists()

        # Another process's bid (simulated: stored, then this process's memory is of the older state).
        services.sale_bid(actor=world.bidders[1], sale=sale, amount_fen=START_PRICE + 10 * INCREMENT, key="other")
        services._STATES[sale.pk] = (last_seq, qualified, remembered)
        sale.refresh_from_db()
        assert services._state(sale) is not remembered
        with pytest.raises(ValidationError) as refused:  # the replayed state knows the higher bid
            services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE + 10 * INCREMENT, key="same")
        assert refused.value.code == "below_increment"
