"""Group commit of bids (services.sale_bid): the bids of one sale that arrive while its last write
runs are written together, each judged on its own, each answered only after its batch committed;
a failed batch answers every bid in it with the failure and the next batch still runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ggzy.accounts.choices import Role
from ggzy.auctions import arrivals, services
from ggzy.auctions.models import Sale, SaleBid, SaleEvent
from ggzy.core.testing.parties import make_user
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

from .helpers import INCREMENT, NOW, START_PRICE, listing_under_way


@pytest.mark.django_db
def test_one_batch_judges_each_bid_on_its_own_and_writes_the_accepted_ones_once():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        a, b = world.bidders
        outsider = make_user(Role.BIDDER)
        witnessed = WitnessEvent.objects.filter(action="auctions.bid_accepted").count()
        batch = [
            services._Bid(a, START_PRICE, "a-1", 1),
            services._Bid(b, START_PRICE, "b-1", 2),  # equal to the bid before it: refused
            services._Bid(a, START_PRICE, "a-1", 3),  # a retry of the first: the same acknowledgement
            services._Bid(outsider, START_PRICE + 5 * INCREMENT, "x-1", 4),  # not a qualified bidder
            services._Bid(b, START_PRICE + INCREMENT, "b-2", 5),
            services._Bid(a, START_PRICE + INCREMENT + 1, "a-2", 6),  # less than one increment above
        ]
        services._bids_write(sale.pk, batch)

    first, refused, retry, outsider_bid, second, short = batch
    assert first.ack is not None and second.ack is not None
    assert (first.ack.amount_fen, second.ack.amount_fen) == (START_PRICE, START_PRICE + INCREMENT)
    assert second.ack.seq > first.ack.seq
    assert retry.ack is not None and retry.ack.duplicate and retry.ack.seq == first.ack.seq
    assert isinstance(refused.error, ValidationError) and refused.error.code == "below_increment"
    assert isinstance(short.error, ValidationError) and short.error.code == "below_increment"
    assert isinstance(outsider_bid.error, PermissionDenied)
    stored = list(SaleBid.objects.filter(sale=sale).order_by("seq").values_list("key", "amount_fen"))
    assert stored == [("a-1", START_PRICE), ("b-2", START_PRICE + INCREMENT)]
    token = sale.state_token
    sale.refresh_from_db()
    assert (sale.price_fen, sale.leader_id) == (START_PRICE + INCREMENT, world.registrations[1].pk)
    assert sale.last_seq == second.ack.seq and sale.state_token != token  # the snapshot was written
    # One witness entry for the batch, listing both accepted bids by bid number only.
    entries = WitnessEvent.objects.filter(action="auctions.bid_accepted").order_by("seq")
    assert entries.count() == witnessed + 1
    events = entries.last().after["events"]
    assert [e["seq"] for e in events if e["kind"] == "bid_accepted"] == [first.ack.seq, second.ack.seq]
    assert str(world.bidders[0].organization) not in str(events)


@pytest.mark.django_db
def test_a_batch_is_judged_in_the_order_the_server_received_its_bids_not_the_order_they_queued():
    """A bid received first but overtaken on its way to the sale (its thread was slower) is judged
    first: here it is valid against the price, and so is the higher bid received after it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        a, b = world.bidders
        later = services._Bid(b, START_PRICE + INCREMENT, "later", 8)
        earlier = services._Bid(a, START_PRICE, "earlier", 7)
        tie_late = services._Bid(b, START_PRICE + 2 * INCREMENT, "tie-late", 10)
        tie_early = services._Bid(a, START_PRICE + 2 * INCREMENT, "tie-early", 9)
        services._bids_write(sale.pk, [later, tie_late, earlier, tie_early])  # the order they queued in

    assert earlier.ack is not None and later.ack is not None and tie_early.ack is not None
    assert earlier.ack.seq < later.ack.seq < tie_early.ack.seq
    assert isinstance(tie_late.error, ValidationError) and tie_late.error.code == "below_increment"
    assert list(SaleBid.objects.filter(sale=sale).order_by("seq").values_list("key", flat=True)) == [
        "earlier",
        "later",
        "tie-early",
    ]


@pytest.mark.django_db
def test_a_bid_received_just_after_a_higher_one_of_its_batch_is_placed_before_it_where_both_stand():
    """The event loop reads requests that arrive together in an order of its own: a lower bid read
    a moment after a higher one of the same batch is accepted before it when each is then one
    increment above the last; the leader and the price are those the order of receipt gives, and a
    bid within one increment of a higher one, or equal to one, is still refused."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        a, b = world.bidders
        high = services._Bid(a, START_PRICE + 3 * INCREMENT, "high", 1)
        low = services._Bid(b, START_PRICE, "low", 2)  # fits one increment below `high`
        close = services._Bid(b, START_PRICE + 3 * INCREMENT - 1, "close", 3)  # within one increment of it
        equal = services._Bid(b, START_PRICE + 3 * INCREMENT, "equal", 4)
        middle = services._Bid(b, START_PRICE + 2 * INCREMENT, "middle", 5)  # fits between `low` and `high`
        retry = services._Bid(a, START_PRICE + 3 * INCREMENT, "high", 6)
        services._bids_write(sale.pk, [high, low, close, equal, middle, retry])

    assert high.ack is not None and low.ack is not None and middle.ack is not None and retry.ack is not None
    assert low.ack.seq < middle.ack.seq < high.ack.seq
    assert retry.ack.duplicate and retry.ack.seq == high.ack.seq and not high.ack.duplicate
    for refused in (close, equal):
        assert isinstance(refused.error, ValidationError) and refused.error.code == "below_increment"
    assert list(SaleBid.objects.filter(sale=sale).order_by("seq").values_list("key", flat=True)) == [
        "low",
        "middle",
        "high",
    ]
    sale.refresh_from_db()
    assert (sale.price_fen, sale.leader_id) == (START_PRICE + 3 * INCREMENT, world.registrations[0].pk)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's")
def test_on_postgresql_a_batch_stores_its_bids_events_snapshot_and_notification_in_one_statement():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        a, b = world.bidders
        batch = [services._Bid(a, START_PRICE, "one", 1), services._Bid(b, START_PRICE + INCREMENT, "two", 2)]
        with CaptureQueriesContext(connection) as captured:
            services._bids_write(sale.pk, batch)

    # The sale's lock and the registrations are reads; every write of the sale's tables is counted.
    writes = [q["sql"] for q in captured.captured_queries if "auctions_sale" in q["sql"] and q["sql"][:6] != "SELECT"]
    (statement,) = [sql for sql in writes if "pg_notify" in sql]
    assert "INSERT INTO" in statement and "UPDATE" in statement
    assert not [sql for sql in writes if sql is not statement]  # no other write of the sale's tables
    sale.refresh_from_db()
    assert batch[1].ack is not None
    assert (sale.price_fen, sale.last_seq) == (START_PRICE + INCREMENT, batch[1].ack.seq)
    stored = SaleBid.objects.filter(sale=sale).order_by("seq")
    assert [(bid.key, bid.amount_fen, bid.registration_id) for bid in stored] == [
        ("one", START_PRICE, world.registrations[0].pk),
        ("two", START_PRICE + INCREMENT, world.registrations[1].pk),
    ]
    kinds = list(SaleEvent.objects.filter(sale=sale, seq__gt=stored[0].seq - 1).values_list("kind", flat=True))
    assert kinds == ["bid_accepted", "bid_accepted"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's")
def test_on_postgresql_the_witness_head_is_locked_in_the_writes_round_trip_and_last():
    with time_machine.travel(NOW, tick=False) as traveller:
        world, sale = listing_under_way(traveller)
        a, _b = world.bidders
        before = witness_selectors.head_get()
        batch = [services._Bid(a, START_PRICE, "one", 1)]
        with CaptureQueriesContext(connection) as captured:
            services._bids_write(sale.pk, batch)

    # Inside the test's transaction the atomic block is a savepoint; outside it, BEGIN and COMMIT.
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    head_reads = [sql for sql in statements if 'FROM "witness_witnesshead"' in sql]
    (statement,) = head_reads  # no round trip of its own
    assert "pg_notify" in statement
    assert statement.index("pg_notify") < statement.index("witness_witnesshead")  # after the writes
    assert statements[-1] is not statement  # then the witness entry itself
    assert len(statements) == 3  # the lock with the registrations; the writes with the head; the entry
    event = WitnessEvent.objects.get(action="auctions.bid_accepted", object_id=str(sale.pk))
    assert (event.seq, event.prev_hash) == (before.seq + 1, before.hash)
    assert witness_selectors.chain_verify().ok


@pytest.mark.django_db
def test_a_bid_on_a_sale_that_does_not_exist_raises_does_not_exist():
    with pytest.raises(Sale.DoesNotExist):
        services.sale_bid(actor=make_user(Role.BIDDER), sale=Sale(pk=987654), amount_fen=1, key="k")


class _Writes:
    """A stand-in for `_bids_write`: the first batch waits until released, so that the bids sent
    meanwhile queue up; `fail` makes a batch raise (its transaction failed)."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()
        self.fail: set[int] = set()  # numbers of the batches that fail

    def __call__(self, sale_id: int, batch: list[services._Bid]) -> None:
        number = len(self.batches)
        self.batches.append([bid.key for bid in batch])
        if number == 0:
            self.first_started.set()
            assert self.release.wait(10)
        if number in self.fail:
            raise RuntimeError("the database went away")
        for bid in batch:
            bid.ack = services.BidAck("0000000001", bid.amount_fen, 1, NOW)


def _send(keys: list[str], answers: dict[str, object]) -> list[threading.Thread]:
    def send(key: str) -> None:
        try:
            answers[key] = services.sale_bid(actor=None, sale=Sale(pk=424242), amount_fen=1, key=key)
        except BaseException as error:  # noqa: BLE001 - the test reads every answer
            answers[key] = error

    threads = []
    for key in keys:
        thread = threading.Thread(target=send, args=(key,))
        thread.start()
        threads.append(thread)
    return threads


class _Waiting(list):
    """A queue's list of waiting bids that tells the test each arrival (no polling)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Condition()

    def append(self, bid: services._Bid) -> None:
        with self.arrived:
            super().append(bid)
            self.arrived.notify_all()


def _watched_queue(monkeypatch) -> _Waiting:
    queue = services._Queue()
    queue.waiting = waiting = _Waiting()
    monkeypatch.setitem(services._QUEUES, 424242, queue)
    return waiting


def _queued(waiting: _Waiting, count: int) -> None:
    with waiting.arrived:
        assert waiting.arrived.wait_for(lambda: len(waiting) >= count, timeout=10), f"{count} bids never queued"


@pytest.mark.parametrize("failing", [False, True])
def test_bids_that_arrive_during_a_write_are_written_together_in_order(monkeypatch, failing):
    writes = _Writes()
    if failing:
        writes.fail = {1}
    monkeypatch.setattr(services, "_bids_write", writes)
    waiting = _watched_queue(monkeypatch)
    answers: dict[str, object] = {}
    threads = _send(["first"], answers)
    assert writes.first_started.wait(10)
    for key in ("second", "third", "fourth"):  # one at a time: their order of arrival is known
        threads += _send([key], answers)
        _queued(waiting, ["second", "third", "fourth"].index(key) + 1)
    writes.release.set()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert writes.batches == [["first"], ["second", "third", "fourth"]]
    assert isinstance(answers["first"], services.BidAck)
    for key in ("second", "third", "fourth"):
        if failing:
            assert isinstance(answers[key], RuntimeError)  # not acknowledged: the client retries
        else:
            assert isinstance(answers[key], services.BidAck)
    # The queue is idle again: the next bid writes at once, alone.
    threads = _send(["fifth"], answers)
    threads[0].join(10)
    assert writes.batches[-1] == ["fifth"] and isinstance(answers["fifth"], services.BidAck)
    assert 424242 not in services._QUEUES  # not writing: idle, and forgotten


def test_a_batch_is_at_most_the_configured_size_and_the_rest_follows(monkeypatch, settings):
    settings.AUCTION_BID_BATCH_MAX = 2
    writes = _Writes()
    monkeypatch.setattr(services, "_bids_write", writes)
    waiting = _watched_queue(monkeypatch)
    answers: dict[str, object] = {}
    threads = _send(["first"], answers)
    assert writes.first_started.wait(10)
    keys = ["b", "c", "d", "e", "f"]
    for n, key in enumerate(keys, start=1):
        threads += _send([key], answers)
        _queued(waiting, n)
    writes.release.set()
    for thread in threads:
        thread.join(10)
    assert writes.batches == [["first"], ["b", "c"], ["d", "e"], ["f"]]
    assert all(isinstance(answers[key], services.BidAck) for key in ["first", *keys])


class _Gathering(threading.Condition):
    """A queue's condition that tells the test when a batch starts waiting for running requests."""

    def __init__(self, lock: threading.Lock) -> None:
        super().__init__(lock)
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        return super().wait(timeout)


def _gathering_queue(monkeypatch) -> tuple[services._Queue, _Gathering]:
    queue = services._Queue()
    queue.changed = gathering = _Gathering(queue.lock)
    monkeypatch.setitem(services._QUEUES, 424242, queue)
    return queue, gathering


def _bid_as(receipt: int, key: str, answers: dict[str, object], monkeypatch, instant: int = 0) -> threading.Thread:
    """A bid whose request the server received as `receipt`, in the loop's pass `instant`."""
    monkeypatch.setattr(services, "receipt_number", lambda: int(threading.current_thread().name.split(":")[0]))
    monkeypatch.setattr(services, "receipt_instant", lambda: int(threading.current_thread().name.split(":")[1]))

    def send() -> None:
        try:
            answers[key] = services.sale_bid(actor=None, sale=Sale(pk=424242), amount_fen=1, key=key)
        except BaseException as error:  # noqa: BLE001 - the test reads every answer
            answers[key] = error

    thread = threading.Thread(target=send, name=f"{receipt}:{instant}")
    thread.start()
    return thread


@dataclass
class _Gather:
    writes: _Writes
    queue: services._Queue
    gathering: _Gathering
    answers: dict[str, object]


@pytest.fixture
def gather(monkeypatch, settings) -> _Gather:
    """Writes that record their batches at once, and a queue that says when a batch waits; the
    wait's limit is long (each test ends the wait itself, or sets the limit)."""
    settings.AUCTION_BID_GATHER_SECONDS = 10
    writes = _Writes()
    writes.release.set()
    monkeypatch.setattr(services, "_bids_write", writes)
    queue, gathering = _gathering_queue(monkeypatch)
    return _Gather(writes, queue, gathering, {})


@pytest.mark.parametrize("reaches_the_sale", [True, False])
def test_a_batch_waits_for_the_bid_requests_of_its_sale_already_running(monkeypatch, gather, reaches_the_sale):
    """A bid request received first (5) is still on its way (its thread was slower) when one
    received after it (6) would be written: the batch waits for it, and both are written together,
    to be judged in the order of receipt; a request that ends without a bid (refused before the
    service) releases the wait as well. The queue is forgotten once idle."""
    writes, queue, gathering, answers = gather.writes, gather.queue, gather.gathering, gather.answers
    services.bid_request_running(424242, 5)
    services.bid_request_running(424242, 6)
    late = _bid_as(6, "late", answers, monkeypatch)
    assert gathering.waiting.wait(10), "the batch did not wait for the request received before it"
    assert writes.batches == [] and queue.running == {5: 0}
    if reaches_the_sale:
        early = _bid_as(5, "early", answers, monkeypatch)
        early.join(10)
    else:
        services.bid_request_ended(424242, 5)
    late.join(10)
    assert not late.is_alive()
    assert writes.batches == ([["late", "early"]] if reaches_the_sale else [["late"]])
    assert isinstance(answers["late"], services.BidAck)
    services.bid_request_ended(424242, 6)  # the request's end, after its bid was answered
    assert 424242 not in services._QUEUES


def test_a_batch_waits_no_longer_than_the_limit_for_a_request_that_never_arrives(monkeypatch, settings, gather):
    settings.AUCTION_BID_GATHER_SECONDS = 0  # the limit already passed: no wait
    services.bid_request_running(424242, 5)
    _bid_as(6, "alone", gather.answers, monkeypatch).join(10)
    assert gather.writes.batches == [["alone"]] and not gather.gathering.waiting.is_set()
    services.bid_request_ended(424242, 5)
    assert 424242 not in services._QUEUES


def test_a_batch_does_not_wait_for_a_request_read_after_its_newest_bid(monkeypatch, gather):
    """Only a request read in the same pass of the event loop as the newest bid waiting, or
    before, can be one that bid overtook."""
    services.bid_request_running(424242, 6, instant=2)
    services.bid_request_running(424242, 7, instant=3)  # read in the next pass
    _bid_as(6, "first", gather.answers, monkeypatch, instant=2).join(10)
    assert gather.writes.batches == [["first"]] and not gather.gathering.waiting.is_set()
    services.bid_request_ended(424242, 6)
    services.bid_request_ended(424242, 7)
    assert 424242 not in services._QUEUES


@pytest.mark.django_db
def test_the_web_server_notes_a_bid_request_while_it_runs_and_nothing_else():
    noted: list[set[int]] = []

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        queue = services._QUEUES.get(31337)
        noted.append(set(queue.running) if queue else set())
        return [b""]

    tracked = arrivals.bid_requests_tracked(app)
    path = reverse("api:bid_place", kwargs={"sale_id": 31337})
    tracked({"REQUEST_METHOD": "POST", "PATH_INFO": path}, lambda *args: None)
    tracked({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda *args: None)
    tracked({"REQUEST_METHOD": "POST", "PATH_INFO": path + "x"}, lambda *args: None)
    assert len(noted) == 3 and len(noted[0]) == 1 and noted[1:] == [set(), set()]
    assert 31337 not in services._QUEUES  # ended, and the idle queue forgotten
