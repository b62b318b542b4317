"""The auction room's stream as a plain ASGI application (config/asgi.py routes
`/auctions/<id>/live/` here): the same stream as `live_views.sale_live`, without Django's request
and response machinery, which cost about as much per pushed event as the bid itself at 200
watchers (docs/auction-engine.md, "Performance"). The view stays for `reverse()`, the test client
and `runserver`; both produce their frames with `live_views._stream`."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qs

from . import live
from .live_views import FINAL, RETRY_MILLISECONDS, _position, _stream

PATH = re.compile(r"^/auctions/(\d+)/live/$")
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
    (b"x-content-type-options", b"nosniff"),
]


async def _plain(send: Any, status: int, text: str = "") -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


def _resume_point(scope: dict[str, Any]) -> int | None:
    headers = dict(scope.get("headers") or [])
    raw = headers.get(b"last-event-id", b"").decode("latin-1").strip()
    if not raw:
        raw = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after") or ["0"])[0].strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    match = PATH.match(scope.get("path", ""))
    if match is None or scope.get("method") not in ("GET", "HEAD"):
        await _plain(send, 404 if match is None else 405)
        return
    after = _resume_point(scope)
    if after is None:
        await _plain(send, 400, "Last-Event-ID 或 after 须为非负整数（已收到的最后事件序号）。")
        return
    pk = int(match.group(1))
    hub = live.hub()
    position = await hub.db(_position, pk)
    if position is None:
        await _plain(send, 404, "竞价交易不存在。")
        return
    status, last_seq = position
    if status in FINAL and after >= last_seq:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})

    streaming = asyncio.current_task()
    gone = False

    async def disconnected() -> None:  # the client left: stop the stream wherever it waits
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True
        if streaming is not None:
            streaming.cancel()

    watching = asyncio.ensure_future(disconnected())
    stream = _stream(hub, pk, after=min(after, last_seq), known_seq=last_seq)
    try:
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except asyncio.CancelledError:
        if not gone:
            raise
    finally:
        watching.cancel()
        await stream.aclose()


__all__ = ["RETRY_MILLISECONDS", "application"]
