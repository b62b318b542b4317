"""The engine state a process remembers after a committed operation is the state a replay of the
stored inputs gives; a rolled-back operation leaves nothing behind; another writer's operation
makes the remembered state stale, and the next operation replays."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ggzy.auctions import services
from ggzy.auctions.models import Sale, SaleBid

from .helpers import INCREMENT, NOW, START_PRICE, listing_under_way


def _without_clock(state):
    return dataclasses.replace(state, clock=None)


def _replayed(sale: Sale):
    sale.refresh_from_db()
    qualified = [r.bid_number for r in sale.registrations.all() if r.qualified]
    return services._replay(sale, qualified)


def _forget() -> None:
    services._LATEST.clear()
    services._COMMITTED.clear()


@pytest.mark.django_db(transaction=True)
def test_the_remembered_state_equals_a_replay_and_a_rolled_back_operation_never_matches():
    _forget()
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        for n in range(1, 6):
            traveller.shift(dt.timedelta(minutes=1))
            services.sale_bid(
                actor=world.bidders[n % 2], sale=sale, amount_fen=START_PRICE + n * INCREMENT, key=f"bid-{n}"
            )
        sale.refresh_from_db()
        token, remembered = services._LATEST[sale.pk]
        assert token == sale.state_token and len(token) == 16
        assert services._COMMITTED[sale.pk] is remembered  # and it was committed
        assert len(remembered.qualified) == 2
        assert _without_clock(remembered) == _without_clock(_replayed(sale))
        assert services._state(sale) is remembered  # used while it matches

        # A bid rolled back after the engine accepted it: its state was remembered before the
        # commit, under a token the sale never stored, so it is not used.
        with pytest.raises(RuntimeError), transaction.atomic():
            services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE + 9 * INCREMENT, key="lost")
            raise RuntimeError("the request failed after the bid")
        assert services._LATEST[sale.pk][1] is not remembered
        assert services._COMMITTED[sale.pk] is remembered
        assert not SaleBid.objects.filter(key="lost").exists()
        sale.refresh_from_db()
        state = services._state(sale)
        assert state is remembered  # rebuilt from the committed state, with nothing to add
        assert "lost" not in state.keys
        # The lost key is free: the same key is a new bid, not a repeat of one never stored.
        ack = services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE + 9 * INCREMENT, key="lost")
        assert not ack.duplicate and SaleBid.objects.filter(key="lost").count() == 1


@pytest.mark.django_db(transaction=True)
def test_another_processs_bids_are_replayed_from_the_last_committed_state():
    _forget()
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE, key="first")
        sale.refresh_from_db()
        older = services._COMMITTED[sale.pk]

        # Another process's bids (simulated: stored, then this process's memory is of the older state).
        for n in (1, 2):
            traveller.shift(dt.timedelta(minutes=1))
            services.sale_bid(
                actor=world.bidders[n % 2], sale=sale, amount_fen=START_PRICE + n * INCREMENT, key=f"other-{n}"
            )
        _forget()
        services._COMMITTED[sale.pk] = older
        sale.refresh_from_db()
        queries = []
        with CaptureQueriesContext(connection) as captured:
            state = services._state(sale)
        queries = [q["sql"] for q in captured.captured_queries]
        assert _without_clock(state) == _without_clock(_replayed(sale))
        assert state.price_fen == START_PRICE + 2 * INCREMENT and state.keys.keys() == {"first", "other-1", "other-2"}
        # Only the inputs after the remembered state were read.
        assert any(f'"seq" > {older.last_seq}' in sql for sql in queries if "auctions_salebid" in sql)
        with pytest.raises(ValidationError) as refused:  # the replayed state knows the higher bid
            services.sale_bid(actor=world.bidders[0], sale=sale, amount_fen=START_PRICE + 2 * INCREMENT, key="same")
        assert refused.value.code == "below_increment"
