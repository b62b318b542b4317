"""Requests are numbered in the order the web server received them (config/asgi.py), and the
number follows the request onto the thread that serves it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import config.asgi
from ggzy.core.http import receipt_instant, receipt_number


def test_the_server_numbers_requests_in_the_order_it_receives_them_and_each_keeps_its_number(monkeypatch):
    seen: dict[str, list[int]] = {}
    release = asyncio.Event()

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope["path"]
        seen[path] = [receipt_number()]
        if path == "/first":
            await release.wait()  # the second request is received while the first is still served
        seen[path].append(receipt_number())

    monkeypatch.setattr(config.asgi, "django_wsgi", served)

    async def scenario() -> None:
        first = asyncio.create_task(config.asgi.application({"type": "http", "path": "/first"}, None, None))
        await asyncio.sleep(0)
        await config.asgi.application({"type": "http", "path": "/second"}, None, None)
        release.set()
        await first

    _on_a_loop_of_its_own(scenario)
    (first, first_again), (second, second_again) = seen["/first"], seen["/second"]
    assert first == first_again and second == second_again
    assert 0 < first < second


def _on_a_loop_of_its_own(scenario: Any) -> None:
    """On a thread of its own, with a loop and a context of its own: another test may have left a
    loop running on this thread, and this one must not leave a number in the test's context."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as error:  # noqa: BLE001 - reported below, on the test's thread
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and not failures, failures


def test_requests_read_in_one_pass_of_the_event_loop_share_an_instant(monkeypatch):
    instants: dict[str, int] = {}

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        instants[scope["path"]] = receipt_instant()

    monkeypatch.setattr(config.asgi, "django_wsgi", served)

    async def scenario() -> None:
        # As the server does: tasks created while one pass reads the sockets start in the next.
        together = [
            asyncio.create_task(config.asgi.application({"type": "http", "path": path}, None, None))
            for path in ("/a", "/b")
        ]
        await asyncio.gather(*together)
        await asyncio.sleep(0)
        await asyncio.create_task(config.asgi.application({"type": "http", "path": "/c"}, None, None))

    _on_a_loop_of_its_own(scenario)
    assert 0 < instants["/a"] == instants["/b"] < instants["/c"]
    assert receipt_instant() == 0  # this thread's requests were not numbered by the server


def test_outside_the_server_each_call_takes_the_next_number():
    assert 0 < receipt_number() < receipt_number()
