"""Bid requests in progress, for the order in which a sale's bids are judged.

`config/asgi.py` wraps Django's WSGI application with `bid_requests_tracked`: a POST to the bid
endpoint is noted for its sale (with the number the request got on receipt, `core.http`) while it
runs on a thread, until it reaches the sale's queue or ends. A batch about to be written waits
briefly for the ones noted (`services._gather`), so a bid received first is not judged after a
higher one received later only because its thread was slower. Outside that server (the test
client, runserver) nothing is noted and nothing waits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse

from ggzy.core.http import receipt_instant, receipt_number

from . import services

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SENTINEL = 987654321
_bid_path: re.Pattern[str] | None = None


def bid_path() -> re.Pattern[str]:
    """The bid endpoint's path, with the sale id as its group (from the URL configuration)."""
    global _bid_path
    if _bid_path is None:
        path = reverse("api:bid_place", kwargs={"sale_id": _SENTINEL})
        _bid_path = re.compile("^" + re.escape(path).replace(str(_SENTINEL), r"(\d+)") + "$")
    return _bid_path


def bid_requests_tracked(app: WSGIApp) -> WSGIApp:
    def tracked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = bid_path().match(environ.get("PATH_INFO", "")) if environ.get("REQUEST_METHOD") == "POST" else None
        if found is None:
            return app(environ, start_response)
        sale_id, receipt = int(found.group(1)), receipt_number()
        services.bid_request_running(sale_id, receipt, receipt_instant())
        try:
            return app(environ, start_response)
        finally:
            services.bid_request_ended(sale_id, receipt)

    return tracked
