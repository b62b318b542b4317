"""The live room across web processes: two uvicorn processes serve config.asgi:application on the
test database; a watcher is connected to each; a bid is posted over HTTP to process A (the bidder
API, `POST /api/v1/auctions/sales/<id>/bids`) and the watcher connected to process B receives it
within two seconds. Process B learns of the bid only through the database: on PostgreSQL by the
NOTIFY sent with the bid's commit and B's LISTEN connection, on SQLite by B's poll of the watched
sales (`AUCTION_LIVE_POLL_SECONDS`) — the in-process channel is A's alone.

The servers judge the bid at the real time (their clock is not moved), so the sale is set up, with
the clock moved back, to be in its listing period now. Django's in-memory SQLite test database
cannot be opened by another process: it is copied to a file first (the servers and the bid then
use the copy); a file test database (`SQLITE_TEST_NAME`) and PostgreSQL's are used as they are."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils.crypto import get_random_string

from ggzy.core import clock
from ggzy.core.testing.installation import ROOT
from ggzy.core.testing.parties import signed_in_client

from .helpers import START_PRICE, create_listing, land_world, qualified_bidders

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERY_SECONDS = 2.0  # the bid must reach the other process's watcher within this
START_SECONDS = 60  # a server that has not started by then has failed
# As `manage.py serve` runs it.
UVICORN = [
    sys.executable,
    "-m",
    "uvicorn",
    "config.asgi:application",
    "--host",
    "127.0.0.1",
    "--no-access-log",
    "--lifespan",
    "off",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(directory: Path) -> str:
    """A DATABASE_URL for other processes that reaches this test's database (or a copy of it)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(name)))
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        copy = directory / "live.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{copy}"
    return f"sqlite:///{name}"


class Server:
    """One `uvicorn config.asgi:application` process; its output is collected by a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.output: list[str] = []
        self.started = threading.Event()
        self.process = subprocess.Popen(
            [*UVICORN, "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if "Uvicorn running on" in line:
                self.started.set()

    def wait_started(self) -> None:
        assert self.started.wait(START_SECONDS), "server did not start:\n" + "".join(self.output)[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class EventStream:
    """An SSE client over a plain HTTP connection."""

    def __init__(self, port: int, path: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=START_SECONDS)
        self.connection.request("GET", path, headers={"Accept": "text/event-stream"})
        self.response = self.connection.getresponse()

    def frame(self, timeout: float) -> dict[str, str]:
        """The next SSE block; socket.timeout if nothing complete arrives in `timeout` seconds."""
        deadline = time.monotonic() + timeout
        fields: dict[str, str] = {}
        while True:
            assert self.connection.sock is not None
            self.connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if fields:
                    return fields
                continue
            name, _colon, value = line.partition(":")
            fields[name or "comment"] = value.removeprefix(" ")

    def close(self) -> None:
        self.connection.close()


def _post_bid(port: int, sale_id: int, *, session: str, amount_fen: int, key: str) -> tuple[int, dict[str, Any]]:
    token = get_random_string(32)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=START_SECONDS)
    try:
        conn.request(
            "POST",
            f"/api/v1/auctions/sales/{sale_id}/bids",
            body=json.dumps({"amount_fen": amount_fen, "key": key}),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}",
                "X-CSRFToken": token,
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def test_a_bid_posted_to_process_a_reaches_a_watcher_of_process_b(tmp_path):
    now = clock.now()
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        world = land_world()
        listing = create_listing(world, start_at=now - dt.timedelta(days=10), listing_end=now + dt.timedelta(days=20))
        qualified_bidders(world, 1)
    listing.refresh_from_db()
    assert listing.phase == "scheduled"  # no worker here: the bid itself starts the listing
    client = signed_in_client(world.bidders[0])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    env = {
        **os.environ,
        "GGZY_ENV": "test",
        "DATABASE_URL": _database_url(tmp_path),
        "GGZY_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    servers = [Server(env), Server(env)]
    streams: list[EventStream] = []
    try:
        for server in servers:
            server.wait_started()
        a, b = servers
        for server in (b, a):
            stream = EventStream(server.port, f"/auctions/{listing.pk}/live/?after={listing.last_seq}")
            assert stream.response.status == 200
            assert stream.frame(START_SECONDS) == {"retry": "3000"}  # subscribed
            streams.append(stream)
        watcher_b, watcher_a = streams

        status, ack = _post_bid(a.port, listing.pk, session=session, amount_fen=START_PRICE, key="cross-process")
        assert status == 201, ack
        posted = time.monotonic()

        def bid_event(stream: EventStream) -> dict[str, str]:
            while True:
                remaining = posted + DELIVERY_SECONDS - time.monotonic()
                try:
                    frame = stream.frame(remaining)
                except TimeoutError:
                    raise AssertionError(f"the bid did not arrive within {DELIVERY_SECONDS} s") from None
                if frame.get("event") == "bid_accepted":
                    return frame

        for stream in (watcher_b, watcher_a):
            frame = bid_event(stream)
            assert int(frame["id"]) == ack["seq"] == listing.last_seq + 2  # after the listing's start
            data = json.loads(frame["data"])
            assert data["payload"] == {"bid_number": ack["bid_number"], "amount_fen": START_PRICE, "phase": "listing"}
            assert abs(dt.datetime.fromisoformat(data["server_now"]) - clock.now()) < dt.timedelta(minutes=1)
    finally:
        for stream in streams:
            stream.close()
        for server in servers:
            server.stop()
    for server in servers:
        assert "Traceback" not in "".join(server.output), "".join(server.output)[-3000:]
