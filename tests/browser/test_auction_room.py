"""The live auction room in the browser (static/js/auction-room.js), served by uvicorn as in
production: a watcher opens the sale's page; a bid posted by a bidder and the increments adjusted
by the center reach the open page over Server-Sent Events and redraw it without a reload; the
page's script reports no error.

The server judges at the real time, so the sale is set up with the clock moved back to be in its
listing period now (as ggzy/auctions/tests/test_live_processes.py does, whose server helpers this
test uses)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils.crypto import get_random_string

from ggzy.auctions.tests.helpers import INCREMENT, START_PRICE, create_listing, land_world, qualified_bidders
from ggzy.auctions.tests.test_live_processes import START_SECONDS, Server, _database_url
from ggzy.core import clock
from ggzy.core.testing.parties import signed_in_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_MS = 10_000  # what the page must show within this after the server acknowledged


def _post(port: int, path: str, session: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    token = get_random_string(32)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=START_SECONDS)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}",
                "X-CSRFToken": token,
                "Referer": f"http://127.0.0.1:{port}/",
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _session(user: Any) -> str:
    return signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value


def test_a_watchers_page_shows_a_new_bid_and_new_increments_without_a_reload(browser, reference_data, tmp_path):
    now = clock.now()
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        world = land_world()
        listing = create_listing(world, start_at=now - dt.timedelta(days=10), listing_end=now + dt.timedelta(days=20))
        qualified_bidders(world, 1)
    bidder, staff = _session(world.bidders[0]), _session(world.staff)
    env = {
        **os.environ,
        "GGZY_ENV": "test",
        "DATABASE_URL": _database_url(tmp_path),
        "GGZY_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    server = Server(env)
    context = browser.new_context(locale="zh-CN")
    errors: list[str] = []
    try:
        server.wait_started()
        base = f"http://127.0.0.1:{server.port}"
        # No worker runs here: a first bid starts the listing. Posted before the page is opened, so
        # the page renders the listing phase and its price.
        status, first = _post(
            server.port, f"/api/v1/auctions/sales/{listing.pk}/bids", bidder, {"amount_fen": START_PRICE, "key": "b1"}
        )
        assert status == 201, first
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/auctions/{listing.pk}/")
        assert page.inner_text("[data-role=price]") == "1,000,000.00"
        page.wait_for_function(
            "() => document.querySelector('[data-role=connection]').textContent.includes('实时连接正常')",
            timeout=LIVE_MS,
        )
        page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

        amount = START_PRICE + INCREMENT
        status, ack = _post(
            server.port, f"/api/v1/auctions/sales/{listing.pk}/bids", bidder, {"amount_fen": amount, "key": "b2"}
        )
        assert status == 201, ack
        page.wait_for_function(
            "() => document.querySelector('[data-role=price]').textContent === '1,010,000.00'", timeout=LIVE_MS
        )
        assert page.inner_text("[data-role=leader]") == f"竞买号 {ack['bid_number']}"
        assert page.locator(f"[data-role=history] tr[data-seq='{ack['seq']}']").count() == 1
        assert page.inner_text("[data-role=minimum]") == "1,020,000.00"

        status, detail = _post(
            server.port, f"/api/v1/auctions/sales/{listing.pk}/increments", staff, {"increment_fen": 3 * INCREMENT}
        )
        assert status == 200, detail
        page.wait_for_function(
            "() => document.querySelector('[data-role=increment]').textContent === '30,000.00'", timeout=LIVE_MS
        )
        assert page.inner_text("[data-role=minimum]") == "1,040,000.00"
        assert "加价幅度已调整为 30,000.00 元" in page.inner_text("[data-role=connection]")
        assert page.evaluate("() => window.sameDocument === true")  # redrawn, not reloaded
        assert page.url == f"{base}/auctions/{listing.pk}/"
    finally:
        context.close()
        server.stop()
    assert not errors, errors
    assert "Traceback" not in "".join(server.output), "".join(server.output)[-3000:]
