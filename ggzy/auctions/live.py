"""The live auction room's hub: one per web process, it hands every new `SaleEvent` of a watched
sale to the watchers of that sale (the SSE view, `live_views.py`, is one watcher per connection).

Where new events come from. `services._persist` calls `announce` inside the sale's locked
transaction; the events reach this process's hub by one of three paths:

- in-process: `announce` registers a `transaction.on_commit` hook that hands the committed events
  themselves, serialised in the committing thread, to the hub of the committing process (a bid
  posted to this web process): nothing is read back. Hooks of two commits may reach the hub out of
  order; a batch that does not follow what the hub has fanned out is not used, and the hub reads
  the database as for a notification;
- PostgreSQL: `announce` also runs `pg_notify('ggzy_auctions', 'S:N:O')` in the transaction, so
  PostgreSQL delivers it exactly when (and only if) the transaction commits, in commit order, with
  no window between the commit and the notification in which a crash could lose it (which a NOTIFY
  sent from an on_commit hook would have). Every web process holds one LISTEN connection (psycopg
  async), opened when its first watcher arrives and reopened with back-off when it drops; after
  every (re)connection it compares the watched sales' `last_seq` with what it has fanned out, so a
  notification missed while it was not listening is caught up. `O` names the committing process:
  a hub ignores its own process's notifications, whose events its committing threads hand over
  (a notification can overtake the handover; reading the events for it would be wasted);
- SQLite (the embedded default, where the worker's ticks come from another process): every
  `AUCTION_LIVE_POLL_SECONDS` the hub reads `last_seq` of the sales that have watchers.

The last two only say "sale S now ends at event N": the hub then reads the events itself.

One read per process. Per sale the hub keeps the last event it has fanned out (`_Channel.seq`);
when a sale moves past it, one task reads the new rows once and puts the same batch, already
serialised, in every watcher's queue. A watcher's queue is bounded: a watcher too slow to keep up
is marked lagging instead of holding memory, and catches up from the database itself.

No gap, no duplicate, for a watcher. The view subscribes before it reads the backlog from the
database. A channel starts at a `last_seq` the view read before subscribing, and only moves by
reading, so every event committed after a watcher subscribed is fanned out to it; what came
between is in its backlog; the view drops what it has already sent (by seq) and reads the
database again when it sees a gap.

Database access never blocks the event loop: reads run on one thread of the hub's own, which
keeps one connection for the process (instead of one per watcher), and the LISTEN connection is
asynchronous."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ggzy.core import clock

from .models import Sale, SaleEvent

CHANNEL = "ggzy_auctions"
RESULT_KIND = "closed"  # engine.Closed: the result (deal or no deal), always the last event of a sale
QUEUE_BATCHES = 256  # batches a watcher may have pending before it is marked lagging
HEARTBEAT_SECONDS = 15.0  # default of settings.AUCTION_LIVE_HEARTBEAT_SECONDS: keeps proxies from closing
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0  # seconds between retries after a database error

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class LiveEvent:
    """One stored event as watchers receive it; `data` is the JSON body and `frame` the whole
    Server-Sent Events frame, both serialised once for every watcher."""

    seq: int
    kind: str
    data: str
    frame: bytes


def live_event(row: SaleEvent, server_now: dt.datetime) -> LiveEvent:
    """`server_now` lets a client set its countdown by the server's clock, which is authoritative.
    Keys are sorted: an event handed over by its committing thread and the same event read back
    from the database (whose JSON column may reorder the payload's keys) are the same bytes."""
    body = {
        "seq": row.seq,
        "kind": row.kind,
        "occurred_at": clock.local(row.occurred_at).isoformat(),
        "server_now": clock.local(server_now).isoformat(),
        "payload": row.payload,
    }
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return LiveEvent(row.seq, row.kind, data, f"id: {row.seq}\nevent: {row.kind}\ndata: {data}\n\n".encode())


# ---------------------------------------------------------------- the writers' side (any process)

_origin: tuple[int, str] | None = None


def origin() -> str:
    """This process's name in notifications: random (process ids repeat across hosts), and made
    afresh in a forked child."""
    global _origin
    if _origin is None or _origin[0] != os.getpid():
        _origin = (os.getpid(), secrets.token_hex(6))
    return _origin[1]


def notification(*, sale_id: int, last_seq: int) -> tuple[str, str]:
    """The channel and payload of PostgreSQL's notification that a sale's log ends at `last_seq`."""
    return CHANNEL, f"{sale_id}:{last_seq}:{origin()}"


def announce(*, sale_id: int, rows: list[SaleEvent], notified: bool = False) -> None:
    """Tell the web processes that a sale's log now ends with `rows` (consecutive, new): called by
    `services._persist` inside the sale's transaction; nothing is delivered unless it commits.
    `notified`: the caller's own statement sent the `notification` (PostgreSQL)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and not notified:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", list(notification(sale_id=sale_id, last_seq=rows[-1].seq)))
    transaction.on_commit(lambda: _committed(sale_id, rows), robust=True)  # never fails the commit


def _committed(sale_id: int, rows: list[SaleEvent]) -> None:
    """On commit, in the committing thread: hand the events to this process's hub, if it has one
    and anybody here watches the sale (serialising them is the committing thread's work, off the
    event loop)."""
    hub = _hub
    if hub is None or not hub.watching(sale_id):
        return
    try:
        now = clock.now()
        events = tuple(live_event(row, now) for row in rows)
    except Exception:  # the hub must still learn of the commit: it reads the events instead
        log.warning("live: serialising the events of sale %s failed", sale_id, exc_info=True)
        events = ()
    hub.changed_threadsafe(sale_id, rows[-1].seq, events)


# ---------------------------------------------------------------- database reads (hub thread)


def _events_after(sale_id: int, after_seq: int) -> list[LiveEvent]:
    rows = SaleEvent.objects.filter(sale_id=sale_id, seq__gt=after_seq).order_by("seq")
    now = clock.now()
    return [live_event(row, now) for row in rows]


def _last_seqs(sale_ids: list[int]) -> list[tuple[int, int]]:
    return list(Sale.objects.filter(pk__in=sale_ids).values_list("pk", "last_seq"))


def _call(function: Callable[..., T], *args: Any) -> T:
    try:
        return function(*args)
    except Exception:
        # A broken connection (server restarted, network) is opened afresh by the next call.
        connections.close_all()
        raise


# ---------------------------------------------------------------- the hub (one per event loop)


class Watcher:
    """One subscriber of one sale: batches of new events arrive in seq order, and a heartbeat is
    due when none came for a heartbeat period.

    Not an asyncio.Queue under a timeout: a bid wakes every watcher of its sale, and a timer set and
    cancelled per wake-up was a third of the cost of a push (measured, docs/auction-engine.md,
    "Performance"). The hub's one heartbeat task replaces the timers."""

    def __init__(self, sale_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.sale_id = sale_id
        self.lagging = False  # batches were dropped: read the database from the last event sent
        self._loop = loop
        self._batches: list[tuple[LiveEvent, ...]] = []
        self._idle = True  # nothing delivered since the last heartbeat tick
        self._beat = False  # a heartbeat is due
        self._waiter: asyncio.Future[None] | None = None

    def deliver(self, batch: tuple[LiveEvent, ...]) -> None:
        if len(self._batches) >= QUEUE_BATCHES:
            self.lagging = True
        elif not self.lagging:
            self._batches.append(batch)
        self._idle = False
        self._wake()

    def heartbeat_tick(self) -> None:
        """The hub's periodic tick: a heartbeat is due if nothing was delivered since the last one."""
        if self._idle:
            self._beat = True
            self._wake()
        self._idle = True

    async def wait(self) -> None:
        """Until batches are pending, a heartbeat is due, or the watcher lags."""
        if self._batches or self._beat or self.lagging:
            return
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take(self) -> list[tuple[LiveEvent, ...]]:
        """The pending batches, oldest first (none: a heartbeat is due); the watcher starts afresh."""
        batches, self._batches = self._batches, []
        self._beat = self.lagging = False
        return batches

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


@dataclass(eq=False)
class _Channel:
    sale_id: int
    seq: int  # every event up to here is fanned out, or was committed before any watcher came
    wanted: int = 0  # the highest last_seq announced
    watchers: set[Watcher] = field(default_factory=set)
    reader: asyncio.Task[None] | None = None
    pending: tuple[LiveEvent, ...] = ()  # fanned out, held for the next push (`Hub._fan_out`)
    pushed_at: float = float("-inf")  # the loop's time of the last push
    push: asyncio.TimerHandle | None = None  # the next push, when one is held


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._channels: dict[int, _Channel] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ggzy-live-db")
        self._source: asyncio.Task[None] | None = None
        self._listener: psycopg.AsyncConnection[Any] | None = None  # the LISTEN connection, while open
        self._heartbeats: asyncio.Task[None] | None = None

    async def db(self, function: Callable[..., T], *args: Any) -> T:
        """Run a database read on the hub's thread."""
        return await self.loop.run_in_executor(self._executor, _call, function, *args)

    async def events_after(self, sale_id: int, after_seq: int) -> list[LiveEvent]:
        return await self.db(_events_after, sale_id, after_seq)

    # -------------------------------------------------------- watchers

    def subscribe(self, sale_id: int, *, known_seq: int) -> Watcher:
        """Subscribe before reading the backlog. `known_seq` is a `last_seq` of the sale read before
        this call: it starts the sale's channel if this is its first watcher."""
        channel = self._channels.get(sale_id)
        if channel is None:
            channel = self._channels[sale_id] = _Channel(sale_id, seq=known_seq, wanted=known_seq)
        watcher = Watcher(sale_id, self.loop)
        channel.watchers.add(watcher)
        if self._source is None or self._source.done():
            self._source = self.loop.create_task(self._run_source())
        if self._heartbeats is None or self._heartbeats.done():
            self._heartbeats = self.loop.create_task(self._beat())
        return watcher

    def unsubscribe(self, watcher: Watcher) -> None:
        channel = self._channels.get(watcher.sale_id)
        if channel is None:
            return
        channel.watchers.discard(watcher)
        if not channel.watchers:
            del self._channels[watcher.sale_id]
            if channel.reader is not None:
                channel.reader.cancel()
            if channel.push is not None:
                channel.push.cancel()

    def watched(self) -> list[int]:
        return list(self._channels)

    def watching(self, sale_id: int) -> bool:
        """Whether the sale has watchers here (read from any thread: a hint, not a promise)."""
        return sale_id in self._channels

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(float(getattr(settings, "AUCTION_LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)))
            for channel in list(self._channels.values()):
                for watcher in list(channel.watchers):
                    watcher.heartbeat_tick()

    # -------------------------------------------------------- new events

    def changed_threadsafe(self, sale_id: int, last_seq: int, events: tuple[LiveEvent, ...] = ()) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody watches here any more
            self.loop.call_soon_threadsafe(self.changed, sale_id, last_seq, events)

    def changed(self, sale_id: int, last_seq: int, events: tuple[LiveEvent, ...] = ()) -> None:
        """A sale's log ends at `last_seq` (announced, notified or polled; repeats are harmless).
        `events`, when the committing thread of this process handed them over, are the log's
        consecutive last events: fanned out at once if they follow what was fanned out before."""
        channel = self._channels.get(sale_id)
        if channel is None:
            return
        channel.wanted = max(channel.wanted, last_seq)
        if events and events[0].seq <= channel.seq + 1 and events[-1].seq > channel.seq:
            self._fan_out(channel, tuple(event for event in events if event.seq > channel.seq))
        if channel.wanted > channel.seq and (channel.reader is None or channel.reader.done()):
            channel.reader = self.loop.create_task(self._read(channel))

    def _fan_out(self, channel: _Channel, batch: tuple[LiveEvent, ...]) -> None:
        """Push the batch to the sale's watchers: at once if the last push is at least
        `AUCTION_LIVE_PUSH_SECONDS` ago, otherwise with what else arrives, when that time is up.

        Each push wakes every watcher and costs a write to each connection; measured at 200
        watchers on one hot sale (docs/auction-engine.md, "Performance", session 7), pushing every
        batch of bids (about 20 a second) took a fifth of the process's time. Held for at most one
        interval, a push adds at most that much to the latency of an event (the goal is half a
        second at the 99th percentile); a quiet room's first event still goes out at once."""
        channel.seq = batch[-1].seq
        channel.pending += batch
        if channel.push is not None:
            return  # a push is due: the batch goes with it
        wait = channel.pushed_at + settings.AUCTION_LIVE_PUSH_SECONDS - self.loop.time()
        if wait > 0:
            channel.push = self.loop.call_later(wait, self._push, channel)
        else:
            self._push(channel)

    def _push(self, channel: _Channel) -> None:
        batch, channel.pending, channel.push = channel.pending, (), None
        channel.pushed_at = self.loop.time()
        if batch:
            for watcher in list(channel.watchers):
                watcher.deliver(batch)

    async def _read(self, channel: _Channel) -> None:
        """Read the channel's new events once and fan them out, until it has caught up."""
        delay = BACKOFF_FIRST
        while self._channels.get(channel.sale_id) is channel and channel.wanted > channel.seq:
            try:
                events = await self.events_after(channel.sale_id, channel.seq)
            except Exception:
                log.warning("live: reading the events of sale %s failed", channel.sale_id, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            if not events:
                return  # announced beyond what is stored: nothing to send (the next poll re-checks)
            # Events handed over by a committing thread may have been fanned out meanwhile.
            fresh = tuple(event for event in events if event.seq > channel.seq)
            if fresh:
                self._fan_out(channel, fresh)

    async def poll_once(self) -> None:
        sale_ids = self.watched()
        if sale_ids:
            for sale_id, last_seq in await self.db(_last_seqs, sale_ids):
                self.changed(sale_id, last_seq)

    # -------------------------------------------------------- sources from other processes

    async def _run_source(self) -> None:
        if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
            await self._listen()
        else:
            await self._poll()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(float(settings.AUCTION_LIVE_POLL_SECONDS))
            try:
                await self.poll_once()
            except Exception:
                log.warning("live: polling the watched sales failed", exc_info=True)

    async def _listen(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            try:
                params = await self.db(_listen_params)
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                    self._listener = conn
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = BACKOFF_FIRST
                    await self.poll_once()  # what was committed while nobody here was listening
                    async for notify in conn.notifies():
                        self._notified(notify.payload)
            except Exception:
                log.warning("live: the LISTEN connection failed; reconnecting in %.1fs", delay, exc_info=True)
            finally:
                self._listener = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    def _notified(self, payload: str) -> None:
        sale_id, _sep, rest = payload.partition(":")
        last_seq, _sep, sender = rest.partition(":")
        if sender == origin():
            return  # committed here: the committing thread hands the events over
        try:
            self.changed(int(sale_id), int(last_seq))
        except ValueError:
            log.warning("live: ignored notification %r", payload)

    # -------------------------------------------------------- shutdown

    async def close(self) -> None:
        readers = [c.reader for c in self._channels.values()]
        tasks = [t for t in [self._source, self._heartbeats, *readers] if t is not None]
        self._channels.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.db(connections.close_all)
        self._executor.shutdown(wait=False)

    def abandon(self, wait: bool = False) -> None:
        """The hub's loop has gone (a test's loop): release its thread and its connections (the
        LISTEN connection cannot be closed through a loop that no longer runs: its socket is)."""
        listener, self._listener = self._listener, None
        if listener is not None and not listener.closed:
            listener.pgconn.finish()
        self._executor.submit(connections.close_all)
        self._executor.shutdown(wait=wait)


def _listen_params() -> dict[str, Any]:
    """psycopg connection arguments of the default database, without Django's own."""
    params: dict[str, Any] = connections[DEFAULT_DB_ALIAS].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return params


_hub: Hub | None = None


def hub() -> Hub:
    """The hub of the running event loop (the web process has one loop; tests run one each)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        if _hub is not None:
            _hub.abandon()
        _hub = Hub(loop)
    return _hub


def abandon(*, wait: bool = False) -> None:
    """Release this process's hub whose event loop has gone (the test session's end, before the
    test database is dropped: `wait` until its connections are closed)."""
    global _hub
    current, _hub = _hub, None
    if current is not None:
        current.abandon(wait=wait)


async def shutdown() -> None:
    """Stop this process's hub: its tasks, its LISTEN connection, its database thread."""
    global _hub
    current, _hub = _hub, None
    if current is not None:
        await current.close()
