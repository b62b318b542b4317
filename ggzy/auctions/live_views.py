"""The live auction room over Server-Sent Events (issue 7): `/auctions/<pk>/live/`, public.

Bids are posted over HTTP elsewhere; this stream pushes every stored event of the sale (accepted
bids, phase changes, countdown restarts, freezes, the result) to every watcher, in seq order:

    id: <seq>
    event: <kind>                       (engine event kinds: bid_accepted, countdown_restarted …)
    data: {"seq", "kind", "occurred_at", "server_now", "payload"}

A watcher resumes after the `Last-Event-ID` header (sent by the browser when it reconnects) or
`?after=<seq>`: first the stored events after it, then live ones, without gap or repeat (the
subscription is taken before the backlog is read; events are de-duplicated by seq and a gap is
filled from the database). `server_now` is the server's clock, which is authoritative: clients set
their countdowns by it. The stream ends after the result (`closed`); a watcher that has already
seen the result gets 204, which tells EventSource to stop reconnecting.

This view is async (config/asgi.py sends it to Django's ASGI handler): a watcher costs a coroutine
and a queue, not a thread or a database connection; reads go through the process's hub
(`live.py`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ggzy.accounts.decorators import public

from . import live
from .choices import SaleStatus
from .models import Sale

RETRY_MILLISECONDS = 3000  # the browser's reconnection delay after a dropped stream
FINAL = (SaleStatus.DEAL, SaleStatus.NO_DEAL)


def _position(pk: int) -> tuple[str, int] | None:
    return Sale.objects.filter(pk=pk).values_list("status", "last_seq").first()


def _resume_point(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


@public  # type: ignore[arg-type]  # an async view; public() only marks it
@require_GET
async def sale_live(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    after = _resume_point(request)
    if after is None:
        return HttpResponseBadRequest(_("Last-Event-ID 或 after 须为非负整数（已收到的最后事件序号）。"))
    # The session middleware of a signed-in watcher may have opened a connection on this request's
    # thread: a stream that lasts hours must not hold it.
    await sync_to_async(connections.close_all)()
    hub = live.hub()
    position = await hub.db(_position, pk)
    if position is None:
        raise Http404(_("竞价交易不存在。"))
    status, last_seq = position
    if status in FINAL and after >= last_seq:
        return HttpResponse(status=204)
    response = StreamingHttpResponse(
        _stream(hub, pk, after=min(after, last_seq), known_seq=last_seq),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


async def _stream(hub: live.Hub, sale_id: int, *, after: int, known_seq: int) -> AsyncGenerator[bytes, None]:
    watcher = hub.subscribe(sale_id, known_seq=known_seq)  # before the backlog is read: no gap
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
        last = after
        batch: Sequence[live.LiveEvent] = await hub.events_after(sale_id, last)
        stored = True  # the batch was read from the database: it is the truth
        while True:
            fresh = [event for event in batch if event.seq > last]
            # A batch from the hub is a run of consecutive seqs, and batches are joined below: any
            # hole (not only one before the first) means the database must be asked.
            if not stored and any(event.seq != last + 1 + n for n, event in enumerate(fresh)):
                batch, stored = await hub.events_after(sale_id, last), True  # a gap: the database has it
                continue
            # One write per wake-up, whatever the number of events: under a burst of bids a watcher
            # that fell behind catches up in one chunk instead of one send per event.
            frames: list[bytes] = []
            for event in fresh:
                frames.append(event.frame)
                last = event.seq
                if event.kind == live.RESULT_KIND:
                    yield b"".join(frames)
                    return
            if frames:
                yield b"".join(frames)
            await watcher.wait()
            if watcher.lagging:  # batches were dropped while this watcher was slow
                watcher.take()
                batch, stored = await hub.events_after(sale_id, last), True
                continue
            # Whatever queued meanwhile goes out in one chunk; nothing queued: a heartbeat is due.
            batches = watcher.take()
            if not batches:
                yield b": heartbeat\n\n"
            batch, stored = tuple(event for queued in batches for event in queued), False
    finally:
        hub.unsubscribe(watcher)
