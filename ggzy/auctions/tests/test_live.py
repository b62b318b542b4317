"""The live auction room (SSE, `live_views.sale_live`) in one process: the ASGI application of
config/asgi.py is called as a server would call it, with a hand-written receive/send, so the view
runs under Django's ASGI handler (disconnects included) and the hub of `live.py` runs in the test's
event loop. Bids are placed through `services` in the test's thread; their on_commit hook is the
in-process path. Transactional tests: the hub reads on a thread of its own, with its own connection,
and must see committed rows. The poll of other processes' writes is made slow here, so what arrives
comes by the in-process path (the poll and LISTEN paths are in test_live_processes.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.db import DEFAULT_DB_ALIAS, connection, connections

from config.asgi import application
from ggzy.auctions import live, services
from ggzy.auctions.models import SaleEvent
from ggzy.core import clock
from ggzy.jobs import services as jobs_services

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    World,
    create_listing,
    land_world,
    qualified_bidders,
)

pytestmark = pytest.mark.django_db(transaction=True)

H = dt.timedelta(hours=1)
TIMEOUT = 10  # seconds to wait for something the server must send; a correct run takes milliseconds


# Django's in-memory SQLite test database is one shared cache with table locks: a read on the hub's
# thread during a bid in another thread makes one of them fail ("database table is locked"). The
# installed SQLite file (WAL) and PostgreSQL have no such locks. On that database only, the hub's
# reads and the test's writes take turns.
_turns = threading.Lock()


def _in_turn(function: Callable[..., Any]) -> Callable[..., Any]:
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):  # type: ignore[attr-defined]
        return function

    def run(*args: Any, **kwargs: Any) -> Any:
        with _turns:
            return function(*args, **kwargs)

    return run


def write(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """A write of the test's, called from the event loop."""
    return sync_to_async(_in_turn(function))


@pytest.fixture(autouse=True)
def _in_process_only(settings, monkeypatch):
    settings.AUCTION_LIVE_POLL_SECONDS = 3600
    settings.AUCTION_LIVE_PUSH_SECONDS = 0  # every batch pushed at once; the interval has its own test
    original = live.Hub.db

    async def db(self: live.Hub, function: Callable[..., Any], *args: Any) -> Any:
        return await original(self, _in_turn(function), *args)

    monkeypatch.setattr(live.Hub, "db", db)


class Watcher:
    """One SSE client: an ASGI connection to config.asgi.application."""

    def __init__(self, path: str, *, query: str = "", headers: dict[str, str] | None = None) -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver")]
            + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.gate = asyncio.Event()  # cleared: the server's writes block, as towards a slow client
        self.gate.set()
        self.requested = False
        self.buffer = ""
        self.ended = False
        self.status = 0
        self.headers: dict[str, str] = {}

    async def receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        await self.gate.wait()
        await self.messages.put(message)

    async def connect(self) -> int:
        self.task = asyncio.create_task(application(self.scope, self.receive, self.send))
        start = await asyncio.wait_for(self.messages.get(), TIMEOUT)
        assert start["type"] == "http.response.start"
        self.status = start["status"]
        self.headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
        return self.status

    async def frame(self) -> dict[str, str] | None:
        """The next SSE block (`comment` for a comment line); None once the response has ended."""
        while "\n\n" not in self.buffer:
            if self.ended:
                return None
            message = await asyncio.wait_for(self.messages.get(), TIMEOUT)
            self.buffer += message.get("body", b"").decode()
            self.ended = not message.get("more_body", False)
        block, self.buffer = self.buffer.split("\n\n", 1)
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _colon, value = line.partition(":")
            fields[name or "comment"] = value.removeprefix(" ")
        return fields

    async def event(self) -> dict[str, Any] | None:
        """The next event (retry hints and heartbeats skipped), its data decoded."""
        while (frame := await self.frame()) is not None:
            if "id" in frame:
                return {"id": int(frame["id"]), "event": frame["event"], "data": json.loads(frame["data"])}
        return None

    async def events(self, count: int) -> list[dict[str, Any]]:
        received = [await self.event() for _n in range(count)]
        assert None not in received, received
        return received  # type: ignore[return-value]

    async def close(self) -> None:
        self.gate.set()
        self.gone.set()
        await asyncio.wait_for(self.task, TIMEOUT)


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run a scenario in an event loop; sync_to_async calls come back to this (the test's) thread."""

    async def guarded() -> None:
        try:
            await scenario()
        finally:
            await live.shutdown()

    async_to_sync(guarded)()
    # Here the view's thread-sensitive calls ran on the test's thread, so the view's closing of its
    # request's connection closed the test's; the teardown's flush needs it open (witness purge).
    connection.ensure_connection()


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (on the real clock, bounded) for the hub to have done something."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), TIMEOUT)


def _listing_with_bidders(traveller: Any, count: int = 2) -> World:
    world = land_world()
    create_listing(world)
    qualified_bidders(world, count)
    traveller.move_to(START + H)
    jobs_services.run_due_jobs()  # scheduled → listing: event 1
    return world


def _counted_reads(monkeypatch: Any) -> list[tuple[int, int]]:
    """The hub's reads of stored events, (sale, after seq) each, as they happen."""
    reads: list[tuple[int, int]] = []
    events_after = live._events_after

    def counting(sale_id: int, after_seq: int) -> list[live.LiveEvent]:
        reads.append((sale_id, after_seq))
        return events_after(sale_id, after_seq)

    monkeypatch.setattr(live, "_events_after", counting)
    return reads


def _seqs(world: World) -> list[int]:
    assert world.sale is not None
    return list(SaleEvent.objects.filter(sale=world.sale).order_by("seq").values_list("seq", flat=True))


def test_watchers_receive_an_accepted_bid_handed_over_by_its_commit_without_a_read(monkeypatch):
    reads = _counted_reads(monkeypatch)
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        bid = write(services.sale_bid)

        async def scenario() -> None:
            watchers = [Watcher(f"/auctions/{listing.pk}/live/", query="after=1") for _n in range(3)]
            for watcher in watchers:
                assert await watcher.connect() == 200
                assert await watcher.frame() == {"retry": "3000"}  # subscribed from here on
            assert watchers[0].headers["content-type"] == "text/event-stream; charset=utf-8"
            assert watchers[0].headers["cache-control"] == "no-cache"
            assert watchers[0].headers["x-accel-buffering"] == "no"
            await _until(lambda: len(reads) == 3)  # each watcher read its (empty) backlog
            ack = await bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE, key="a1")
            for watcher in watchers:
                (event,) = await watcher.events(1)
                assert (event["id"], event["event"]) == (ack.seq, "bid_accepted") == (2, "bid_accepted")
                assert event["data"]["seq"] == ack.seq
                assert event["data"]["payload"] == {
                    "bid_number": world.registrations[0].bid_number,
                    "amount_fen": START_PRICE,
                    "phase": "listing",
                }
                assert event["data"]["occurred_at"] == (START + H).isoformat()
                assert event["data"]["server_now"] == clock.now().isoformat()
            assert reads == [(listing.pk, 1)] * 3  # the three backlogs: the committed bid was handed over, not read
            hub = live.hub()
            assert hub.watched() == [listing.pk]
            for watcher in watchers:
                await watcher.close()  # the client goes away: the view unsubscribes
            assert hub.watched() == []

        _run(scenario)


def test_a_watcher_resumes_after_the_last_event_id_then_receives_live_events():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        a, b = world.bidders
        for n in range(4):
            services.sale_bid(actor=(a, b)[n % 2], sale=listing, amount_fen=START_PRICE + n * INCREMENT, key=f"k{n}")
        assert _seqs(world) == [1, 2, 3, 4, 5]
        bid = write(services.sale_bid)

        async def scenario() -> None:
            # The browser's Last-Event-ID (on reconnection) wins over the page's ?after=.
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=0", headers={"Last-Event-ID": "2"})
            assert await watcher.connect() == 200
            replayed = await watcher.events(3)
            assert [e["id"] for e in replayed] == [3, 4, 5]
            assert [e["data"]["payload"]["amount_fen"] for e in replayed] == [
                START_PRICE + n * INCREMENT for n in (1, 2, 3)
            ]
            ack = await bid(actor=a, sale=listing, amount_fen=START_PRICE + 4 * INCREMENT, key="k4")
            (live_event,) = await watcher.events(1)
            assert live_event["id"] == ack.seq == 6
            await watcher.close()

            fresh = Watcher(f"/auctions/{listing.pk}/live/", query="after=4")
            assert await fresh.connect() == 200
            assert [e["id"] for e in await fresh.events(2)] == [5, 6]
            await fresh.close()

        _run(scenario)


def test_an_event_committed_while_the_backlog_is_read_is_sent_once(monkeypatch):
    """The race the design is about: a bid commits after the watcher subscribed and before its
    backlog is read, so it arrives both in the backlog and from the hub; the watcher sends it once,
    and the next event follows without a gap."""
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        a, b = world.bidders
        bid = write(services.sale_bid)
        original = live.Hub.events_after
        raced: list[int] = []

        async def bid_then_read(self: live.Hub, sale_id: int, after_seq: int) -> list[live.LiveEvent]:
            if not raced:
                ack = await bid(actor=a, sale=listing, amount_fen=START_PRICE, key="race")
                raced.append(ack.seq)
            return await original(self, sale_id, after_seq)

        monkeypatch.setattr(live.Hub, "events_after", bid_then_read)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await watcher.connect() == 200
            (first,) = await watcher.events(1)
            assert first["id"] == raced[0] == 2
            ack = await bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="next")
            (second,) = await watcher.events(1)
            assert second["id"] == ack.seq == 3
            await watcher.close()

        _run(scenario)


def test_a_slow_watcher_catches_up_from_the_database_without_a_gap(monkeypatch):
    monkeypatch.setattr(live, "QUEUE_BATCHES", 1)
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        a, b = world.bidders
        bid = write(services.sale_bid)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await watcher.connect() == 200
            assert await watcher.frame() == {"retry": "3000"}
            watcher.gate.clear()  # the client stops reading: the view blocks on its next write
            hub = live.hub()
            channel = hub._channels[listing.pk]

            def fanned_out(seq: int) -> Callable[[], bool]:
                return lambda: channel.seq == seq

            for n in range(3):  # three batches: one in the view, one queued, one more than the queue holds
                ack = await bid(actor=(a, b)[n % 2], sale=listing, amount_fen=START_PRICE + n * INCREMENT, key=f"s{n}")
                await _until(fanned_out(ack.seq))
            (slow,) = channel.watchers
            assert slow.lagging
            watcher.gate.set()
            assert [e["id"] for e in await watcher.events(3)] == [2, 3, 4]
            await watcher.close()

        _run(scenario)


def test_a_gap_in_what_the_hub_hands_over_is_filled_from_the_database(monkeypatch):
    """The hub never skips an event, but the view does not rely on it: handed seq 4 after seq 2, it
    reads 3 and 4 from the database."""

    async def deaf(self: live.Hub) -> None:
        return None

    monkeypatch.setattr(live, "announce", lambda **kwargs: None)  # the hub learns nothing by itself
    monkeypatch.setattr(live.Hub, "_run_source", deaf)
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        a, b = world.bidders
        bid = write(services.sale_bid)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await watcher.connect() == 200
            assert await watcher.frame() == {"retry": "3000"}
            await bid(actor=a, sale=listing, amount_fen=START_PRICE, key="g1")
            await bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="g2")
            await bid(actor=a, sale=listing, amount_fen=START_PRICE + 2 * INCREMENT, key="g3")
            seq2, _seq3, seq4 = await write(live._events_after)(listing.pk, 1)
            (subscriber,) = live.hub()._channels[listing.pk].watchers
            subscriber.deliver((seq2,))
            subscriber.deliver((seq4,))
            assert [e["id"] for e in await watcher.events(3)] == [2, 3, 4]
            await watcher.close()

        _run(scenario)


def test_handovers_that_reach_the_hub_out_of_commit_order_are_completed_from_the_database(monkeypatch):
    """Two commits' hooks may reach the hub in the other order: the later batch does not follow
    what was fanned out, so the hub starts a read; the earlier batch, arriving before the read
    runs, is fanned out, and the read fetches only what it did not cover."""
    counted = _counted_reads(monkeypatch)

    def reads() -> list[int]:
        return [after_seq for _sale, after_seq in counted]

    held: list[tuple[Any, ...]] = []

    def reordered(self: live.Hub, sale_id: int, last_seq: int, events: tuple[live.LiveEvent, ...] = ()) -> None:
        if not held:
            held.append((sale_id, last_seq, events))  # the first commit's hook is late
            return

        def both() -> None:  # in one callback: the loop runs nothing in between
            self.changed(sale_id, last_seq, events)
            self.changed(*held[0])

        self.loop.call_soon_threadsafe(both)

    monkeypatch.setattr(live.Hub, "changed_threadsafe", reordered)

    async def no_other_processes(self: live.Hub) -> None:
        """This test is about one process's handovers. On PostgreSQL the LISTEN connection, when it
        opens, catches up from the database at a moment the test does not choose (a read of its
        own, seen under load in CI)."""

    monkeypatch.setattr(live.Hub, "_run_source", no_other_processes)
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        a, b = world.bidders
        bid = write(services.sale_bid)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await watcher.connect() == 200
            assert await watcher.frame() == {"retry": "3000"}
            await _until(lambda: reads() == [1])  # the backlog
            await bid(actor=a, sale=listing, amount_fen=START_PRICE, key="o1")
            await bid(actor=b, sale=listing, amount_fen=START_PRICE + INCREMENT, key="o2")
            assert [e["id"] for e in await watcher.events(2)] == [2, 3]
            channel = live.hub()._channels[listing.pk]
            await _until(lambda: channel.reader is not None and channel.reader.done())
            assert (channel.seq, held[0][1]) == (3, 2)
            assert reads() == [1, 2]  # the backlog, then one read after the late batch
            ack = await bid(actor=a, sale=listing, amount_fen=START_PRICE + 2 * INCREMENT, key="o3")
            (event,) = await watcher.events(1)
            assert event["id"] == ack.seq == 4
            assert reads() == [1, 2]  # handed over in order again: no read
            await watcher.close()

        _run(scenario)


def test_the_stream_ends_after_the_result_and_a_watcher_that_saw_it_gets_204():
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None
        services.sale_bid(actor=world.bidders[0], sale=listing, amount_fen=START_PRICE, key="only")
        traveller.move_to(LISTING_END)
        close = write(jobs_services.run_due_jobs)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", headers={"Last-Event-ID": "2"})
            assert await watcher.connect() == 200
            assert await watcher.frame() == {"retry": "3000"}
            await close()  # the worker's tick at the listing end: closed, one bidder → deal
            ended, result = await watcher.events(2)
            assert (ended["id"], ended["event"], ended["data"]["payload"]["after"]) == (3, "phase_changed", "closed")
            assert (result["id"], result["event"]) == (4, "closed")
            assert result["data"]["payload"]["outcome"]["deal"] is True
            assert await watcher.frame() is None  # the response is complete
            await watcher.close()

            replay = Watcher(f"/auctions/{listing.pk}/live/", query="after=0")
            assert await replay.connect() == 200
            assert [e["id"] for e in await replay.events(4)] == [1, 2, 3, 4]
            assert await replay.event() is None
            await replay.close()

            done = Watcher(f"/auctions/{listing.pk}/live/", headers={"Last-Event-ID": "4"})
            assert await done.connect() == 204  # EventSource stops reconnecting
            await done.close()
            assert live.hub().watched() == []

        _run(scenario)


def test_unknown_sale_bad_event_id_and_heartbeat(settings):
    settings.AUCTION_LIVE_HEARTBEAT_SECONDS = 0.05
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None

        async def scenario() -> None:
            missing = Watcher(f"/auctions/{listing.pk + 1000}/live/")
            assert await missing.connect() == 404
            await missing.close()
            bad = Watcher(f"/auctions/{listing.pk}/live/", headers={"Last-Event-ID": "-1"})
            assert await bad.connect() == 400
            await bad.close()
            quiet = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await quiet.connect() == 200
            assert await quiet.frame() == {"retry": "3000"}
            assert await quiet.frame() == {"comment": "heartbeat"}  # nothing happened: keep-alive only
            await quiet.close()
            assert live.hub().watched() == []

        _run(scenario)


def test_a_hub_reads_for_other_processes_notifications_and_ignores_its_own(monkeypatch):
    """The committing thread of this process hands its events over: its own notification, which
    may arrive first, starts no read; another process's does."""
    reads: list[int] = []

    async def reading(self: live.Hub, channel: Any) -> None:
        reads.append(channel.wanted)

    async def deaf(self: live.Hub) -> None:
        return None

    monkeypatch.setattr(live.Hub, "_read", reading)
    monkeypatch.setattr(live.Hub, "_run_source", deaf)

    async def scenario() -> None:
        hub = live.hub()
        hub.subscribe(7, known_seq=3)
        hub._notified(f"7:4:{live.origin()}")
        await asyncio.sleep(0)
        assert reads == []
        hub._notified("7:5:another-process")
        await asyncio.sleep(0)
        assert reads == [5]
        hub._notified("7:6")  # a sender that does not name itself is another process too
        await asyncio.sleep(0)
        assert reads == [5, 6]

    _run(scenario)


def test_a_sale_is_pushed_at_most_once_per_interval_and_what_arrives_meanwhile_goes_together(settings):
    """The first batch of a quiet room goes out at once; batches that follow within the interval
    are held and pushed together when it is up (here the timer's callback is run by the test, after
    checking when the loop would run it); a sale without watchers any more drops its timer."""
    settings.AUCTION_LIVE_PUSH_SECONDS = 0.1

    def event(seq: int) -> live.LiveEvent:
        return live.LiveEvent(seq, "bid_accepted", "{}", f"id: {seq}\n\n".encode())

    async def scenario() -> None:
        hub = live.hub()
        watcher = hub.subscribe(7, known_seq=3)
        hub.changed(7, 4, (event(4),))
        assert [[e.seq for e in batch] for batch in watcher.take()] == [[4]]  # at once
        channel = hub._channels[7]
        hub.changed(7, 5, (event(5),))
        hub.changed(7, 7, (event(6), event(7)))
        assert watcher.take() == [] and channel.seq == 7  # held
        assert channel.push is not None
        assert channel.push.when() == pytest.approx(channel.pushed_at + 0.1)
        channel.push._run()  # the loop's timer, run now
        assert [[e.seq for e in batch] for batch in watcher.take()] == [[5, 6, 7]]  # one push, in order
        hub.changed(7, 8, (event(8),))
        held = channel.push
        assert held is not None and watcher.take() == []
        hub.unsubscribe(watcher)
        assert held.cancelled()

    _run(scenario)


def test_the_listen_connection_comes_back_after_it_drops_and_catches_up(monkeypatch):
    """PostgreSQL: the hub's LISTEN connection is killed; a bid commits in what stands for another
    process (the in-process hook is switched off), most likely before the hub has reconnected; the
    watcher still receives it — from the NOTIFY on the new connection or the read that follows every
    (re)connection — and a new LISTEN connection is up."""
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite polls")
    monkeypatch.setattr(live, "_committed", lambda sale_id, rows: None)
    names = iter(range(1_000_000))
    monkeypatch.setattr(live, "origin", lambda: f"p{next(names)}")  # the NOTIFY is not this hub's own
    with time_machine.travel(NOW, tick=False) as traveller:
        world = _listing_with_bidders(traveller)
        listing = world.sale
        assert listing is not None

        def listeners() -> list[int]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = %s",
                    [f"LISTEN {live.CHANNEL}"],
                )
                return [pid for (pid,) in cursor.fetchall()]

        def kill(pids: list[int]) -> None:
            with connection.cursor() as cursor:
                for pid in pids:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

        async def eventually(query: Callable[[], list[int]]) -> list[int]:
            async def poll() -> list[int]:
                while not (found := await sync_to_async(query)()):
                    await asyncio.sleep(0.02)
                return found

            return await asyncio.wait_for(poll(), TIMEOUT)

        async def scenario() -> None:
            watcher = Watcher(f"/auctions/{listing.pk}/live/", query="after=1")
            assert await watcher.connect() == 200
            assert await watcher.frame() == {"retry": "3000"}
            first = await eventually(listeners)
            await sync_to_async(kill)(first)
            ack = await write(services.sale_bid)(
                actor=world.bidders[0], sale=listing, amount_fen=START_PRICE, key="while-down"
            )
            (event,) = await watcher.events(1)
            assert event["id"] == ack.seq
            assert await eventually(lambda: [pid for pid in listeners() if pid not in first])
            await watcher.close()

        _run(scenario)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Django keeps an in-memory SQLite database open")
def test_a_hub_whose_loop_has_gone_closes_its_threads_database_connection():
    """At the end of a test session the last hub's loop is gone; before the test database is
    dropped its thread's connection must be closed (conftest: `live.abandon(wait=True)`)."""
    live.abandon(wait=True)  # an earlier test's hub

    def thread_connection() -> Any:
        wrapper = connections[DEFAULT_DB_ALIAS]  # the hub thread's own
        wrapper.ensure_connection()
        return wrapper

    async def through_a_hub() -> Any:
        return await live.hub().db(thread_connection)

    wrapper = asyncio.run(through_a_hub())
    assert wrapper.connection is not None and not wrapper.connection.closed  # kept by the hub's thread
    live.abandon(wait=True)
    assert wrapper.connection is None
