"""Request helpers."""

import itertools
from contextvars import ContextVar

from django.http import HttpRequest

# The order in which the web server received the requests of this process (config/asgi.py numbers
# each one on the event loop, before it waits for a thread): later steps of a request may be
# overtaken by those of a request received after it, and this number still tells which came first.
_receipts = itertools.count(1)
_receipt: ContextVar[int] = ContextVar("receipt", default=0)


def receipt_mark() -> None:
    """Number the request being received now (the web server's entry point calls this)."""
    _receipt.set(next(_receipts))


def receipt_number() -> int:
    """The number of the current request; one taken now if the server did not number it (the test
    client, runserver, a plain WSGI server): then the order in which this call was reached."""
    return _receipt.get() or next(_receipts)


def client_address(request: HttpRequest) -> str:
    # Behind the platform's own reverse proxy the address arrives in X-Real-IP; set by the proxy only.
    return str(request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or "")[:64]
