"""The web server's entry point: one ASGI application, two ways in.

Long-lived streams (the auction room's Server-Sent Events, `settings.ASYNC_PATHS`) go to Django's
ASGI handler and its async views: a watcher costs a coroutine, not a thread. Every other request
goes to Django's WSGI application on a fixed pool of threads (a2wsgi). Measured on PostgreSQL with
one million notices (docs/architecture.md, "Serving"): Django's ASGI handler runs each request in a
fresh thread, so persistent connections were never reused (7,702 sessions for 10,297 requests),
and the sync-to-async hops of the middleware cost more than the pages; on a fixed thread pool the
same pages reuse their connections (56 sessions) and serve more requests per second."""

from __future__ import annotations

import gc
import os
import re
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

django_asgi = get_asgi_application()  # sets Django up: the apps' modules can be imported from here on

from ggzy.auctions.arrivals import bid_requests_tracked  # noqa: E402
from ggzy.auctions.live_asgi import application as live_stream  # noqa: E402
from ggzy.core.http import receipt_mark  # noqa: E402

# Bid requests are noted while they run, for the order a sale's bids are judged in (auctions/arrivals.py).
django_wsgi = WSGIMiddleware(bid_requests_tracked(get_wsgi_application()), workers=settings.WEB_THREADS)  # type: ignore[arg-type]
ASYNC_PATHS = re.compile(settings.ASYNC_PATHS)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and ASYNC_PATHS.match(scope.get("path", "")):
        await live_stream(scope, receive, send)
    elif scope["type"] == "http":
        receipt_mark()  # the request's place in the order of receipt, before it waits for a thread
        await django_wsgi(scope, receive, send)  # type: ignore[arg-type]
    else:
        await django_asgi(scope, receive, send)


# What the imports above built lives as long as the process: out of the collector's way. Measured
# (docs/auction-engine.md, "Performance", session 7): the full collections of a web process, which
# stop every thread, took 77-81 ms each with everything tracked, 15-43 ms after this; a bid caught
# by one waits that long for its acknowledgement.
gc.collect()
gc.freeze()
