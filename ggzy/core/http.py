"""Request helpers."""

import asyncio
import itertools
from contextvars import ContextVar

from django.http import HttpRequest

# The order in which the web server received the requests of this process (config/asgi.py numbers
# each one on the event loop, before it waits for a thread): later steps of a request may be
# overtaken by those of a request received after it, and this number still tells which came first.
_receipts = itertools.count(1)
_receipt: ContextVar[int] = ContextVar("receipt", default=0)
# Requests whose reading the event loop finished in the same pass share an instant: their order
# among themselves is the loop's, not their senders' (epoll's order of ready sockets). Numbered
# from 1; 0: not numbered by the server.
_instant: ContextVar[int] = ContextVar("receipt_instant", default=0)
_instants = itertools.count(1)
_current_instant = 0  # the instant being numbered; 0 between passes (event loop thread only)


def _instant_close() -> None:
    global _current_instant
    _current_instant = 0


def receipt_mark() -> None:
    """Number the request being received now (the web server's entry point calls this, on the
    event loop): its place in the order of receipt, and its instant (the first request of a pass
    opens one; a callback queued behind that pass's requests closes it)."""
    global _current_instant
    if not _current_instant:
        _current_instant = next(_instants)
        asyncio.get_running_loop().call_soon(_instant_close)
    _receipt.set(next(_receipts))
    _instant.set(_current_instant)


def receipt_number() -> int:
    """The number of the current request; one taken now if the server did not number it (the test
    client, runserver, a plain WSGI server): then the order in which this call was reached."""
    return _receipt.get() or next(_receipts)


def receipt_instant() -> int:
    """The instant of the current request (`receipt_mark`); 0 if the server did not number it."""
    return _instant.get()


def client_address(request: HttpRequest) -> str:
    # Behind the platform's own reverse proxy the address arrives in X-Real-IP; set by the proxy only.
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")[:64]
