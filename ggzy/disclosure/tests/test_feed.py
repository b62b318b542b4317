"""The change feed (/api/v1/feed) returns every public change in commit order with an opaque
cursor; a reader paging concurrently with writers ends with exactly the committed changes."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from ggzy.accounts.choices import Role
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.testing.parties import make_user
from ggzy.disclosure import selectors, services
from ggzy.disclosure.choices import NoticeType
from ggzy.disclosure.models import Notice

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)


def _publish(title: str) -> Notice:
    return services.notice_publish(
        actor=None,
        title=title,
        notice_type=NoticeType.PLATFORM,
        trade_type=TradeType.OTHER,
        region_code="654000",
        body=title,
        system=True,
    )


def _read_all(client: Client, cursor: str = "", limit: int = 2) -> tuple[list[dict], str]:
    items: list[dict] = []
    while True:
        page = client.get("/api/v1/feed", {"cursor": cursor, "limit": str(limit)}).json()
        items.extend(page["items"])
        if not page["items"]:
            return items, page["next_cursor"]
        cursor = page["next_cursor"]


@pytest.mark.django_db
def test_the_feed_returns_publications_corrections_and_withdrawals_in_commit_order():
    with time_machine.travel(NOW, tick=False):
        first, second, third = (_publish(f"公告{n}") for n in range(3))
        staff = make_user(Role.CENTER_STAFF)
        correction = services.notice_correct(actor=staff, notice=second, body="更正")
        withdrawal = services.notice_withdraw(actor=staff, notice=third, reason="撤回")
    client = Client()
    items, cursor = _read_all(client)
    assert [(i["kind"], i["notice"]["id"]) for i in items] == [
        ("published", first.pk),
        ("published", second.pk),
        ("published", third.pk),
        ("corrected", correction.pk),
        ("withdrawn", withdrawal.pk),
    ]
    assert items[3]["notice"]["previous_id"] == second.pk and items[3]["notice"]["nature"] == "correction"
    ids = [i["change_id"] for i in items]
    assert ids == sorted(ids) and len(set(ids)) == 5
    # the last cursor is where a client resumes: nothing new yet, then exactly the new change
    assert client.get("/api/v1/feed", {"cursor": cursor}).json() == {"items": [], "next_cursor": cursor}
    with time_machine.travel(NOW, tick=False):
        later = _publish("公告3")
    assert [i["notice"]["id"] for i in _read_all(client, cursor)[0]] == [later.pk]


@pytest.mark.django_db
def test_a_bad_cursor_is_a_structured_error():
    response = Client().get("/api/v1/feed", {"cursor": "not-a-cursor!"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "cursor"


def test_cursors_are_opaque_and_round_trip():
    for seq in (0, 1, 987654321):
        assert selectors.cursor_decode(selectors.cursor_encode(seq)) == seq


@pytest.mark.django_db(transaction=True)
def test_a_reader_paging_while_writers_publish_sees_every_change_once():
    """On PostgreSQL (the production database) with real concurrent transactions: writers publish
    in parallel while a reader pages the feed; the reader ends with exactly the committed set."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises its writers anyway")
    writers, per_writer = 4, 25
    committed: list[int] = []
    lock = threading.Lock()
    done = threading.Event()
    seen: list[dict] = []
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            for n in range(per_writer):
                notice = _publish(f"并发公告 {number}-{n}")
                with lock:
                    committed.append(notice.pk)
        except BaseException as error:  # noqa: BLE001 - a thread must hand every failure to the test
            errors.append(error)
        finally:
            connections.close_all()

    def read() -> None:
        try:
            cursor = ""
            while True:
                finished = done.is_set()  # read the flag before the page: a page after it sees all
                page = selectors.feed_page(cursor=cursor, limit=7)
                seen.extend({"seq": i.seq, "notice": i.notice.pk} for i in page.items)
                cursor = page.cursor
                if finished and not page.items:
                    return
        except BaseException as error:  # noqa: BLE001 - a thread must hand every failure to the test
            errors.append(error)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=120)
    assert not errors, errors
    assert not reader.is_alive()
    seqs = [item["seq"] for item in seen]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))  # in order, no repeats
    assert sorted(item["notice"] for item in seen) == sorted(committed)  # no gaps
    assert len(committed) == writers * per_writer
