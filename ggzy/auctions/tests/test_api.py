"""The auctions API: public reads that name bidders by bid number only and keep the reserve sealed
until the close, bids with idempotency keys and the engine's refusal codes, registrations, and the
seller side's and the trading center's actions."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

import bidtool
from ggzy.accounts.choices import Role
from ggzy.accounts.middleware import GENERATION_KEY, LAST_SEEN_KEY
from ggzy.auctions import engine, services
from ggzy.auctions.models import Registration, SaleBid, SaleEvent, SaleReserve
from ggzy.core import clock
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.jobs import services as jobs_services
from ggzy.witness.models import WitnessEvent

from .helpers import (
    INCREMENT,
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    World,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/auctions/sales"
H = dt.timedelta(hours=1)
# Distinctive amounts, so finding one in a response cannot be a coincidence with a bid.
RESERVE = START_PRICE + 3 * INCREMENT + 12_345
HIGH_BID = START_PRICE + 5 * INCREMENT


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(traveller) -> World:
    world = land_world()
    create_listing(world)
    qualified_bidders(world, 2)
    return world


def _as(user: Any) -> Client:
    """A fresh signed-in client (made at the current instant, so the idle timeout never bites)."""
    return signed_in_client(user)


def _post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def _open(traveller, at: dt.datetime = START + H) -> None:
    traveller.move_to(at)
    jobs_services.run_due_jobs()


def _url(world: World, tail: str = "") -> str:
    assert world.sale is not None
    return f"{BASE}/{world.sale.pk}{tail}"


def _bid(world: World, user: Any, amount_fen: Any, key: str) -> Any:
    return _post(_as(user), _url(world, "/bids"), {"amount_fen": amount_fen, "key": key})


def _written(world: World) -> tuple[int, int, int]:
    return (
        SaleBid.objects.filter(sale=world.sale).count(),
        SaleEvent.objects.filter(sale=world.sale).count(),
        WitnessEvent.objects.count(),
    )


def _assert_refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == {403: "permission_denied", 409: "conflict", 422: "validation_error"}[status]
    assert [item["code"] for item in body["detail"]] == [code]
    message = body["detail"][0]["message"]
    if code in {r.value for r in engine.Refusal}:
        assert message == services.refusal_message(engine.Refusal(code))
    assert re.search(r"[\u4e00-\u9fff]", message)


def _identities(world: World) -> list[str]:
    """What must not reach the public before the close: every organization taking part."""
    names = []
    for user in [*world.bidders, world.seller]:
        names += [user.organization.name, user.organization.uscc]
    return names


def _text(response: Any) -> str:
    """The body as a reader sees it: JSON escapes Chinese (\\u6d4b…), so search the decoded values."""
    return json.dumps(response.json(), ensure_ascii=False)


def _mentions(text: str, items: list[str]) -> list[str]:
    """The items found in the text; a name followed by a digit is another name (测试单位1 ≠ 测试单位12)."""
    return [item for item in items if re.search(re.escape(item) + r"(?!\d)", text)]


def _public_text(world: World) -> str:
    client = Client()
    texts = []
    for url in (BASE, _url(world), _url(world, "/events")):
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(_text(response))
    return "\n".join(texts)


def _seal_reserve(world: World, directory: Path, reserve_fen: int) -> tuple[Path, str]:
    """The seller seals the reserve to its own key; returns the envelope and the content key."""
    sealing, signing = bidtool.generate_sealing_key(), bidtool.generate_signing_key()
    directory.mkdir(parents=True, exist_ok=True)
    minutes = directory / "决策记录.txt"
    minutes.write_text("出让人集体决策确定保留价", encoding="utf-8")
    sealed = bidtool.seal(
        out=directory / "reserve.gbid",
        files=[minutes],
        opening_data={"reserve_fen": reserve_fen},
        lot_code=world.lot.code,
        bidder_uscc=world.seller.organization.uscc,
        sealing_public_key=sealing.public_key(),
        signing_private_key=signing,
        overwrite=True,
    )
    content_key = bidtool.unwrap_content_key(sealed.path, sealing)
    return sealed.path, base64.urlsafe_b64encode(content_key).decode().rstrip("=")


# ---------------------------------------------------------------- public reads


def test_the_sale_list_is_public_paginated_and_filtered(world):
    first = world.sale
    second = create_listing(world, start_price_fen=2 * START_PRICE)
    third = create_listing(world)
    client = Client()
    page = client.get(BASE, {"page_size": 2})
    assert page.status_code == 200
    assert page.json()["count"] == 3
    assert [item["id"] for item in page.json()["items"]] == [third.pk, second.pk]  # newest first
    rest = client.get(BASE, {"page_size": 2, "page": 2}).json()
    assert [item["id"] for item in rest["items"]] == [first.pk]
    item = rest["items"][0]
    assert item == {
        "id": first.pk,
        "lot_code": world.lot.code,
        "lot_name": "宗地一",
        "trade_type": "land_use",
        "method": "listing",
        "status": "open",
        "phase": "scheduled",
        "start_price_fen": START_PRICE,
        "increment_fen": INCREMENT,
        "timed_increment_fen": first.timed_increment_fen,
        "price_fen": None,
        "start_at": "2026-03-23T09:00:00+08:00",
        "listing_end": "2026-04-14T15:00:00+08:00",
        "ends_at": "2026-03-23T09:00:00+08:00",
    }
    assert len(client.get(BASE).json()["items"]) == 3
    assert client.get(BASE, {"trade_type": "land_use"}).json()["count"] == 3
    assert client.get(BASE, {"trade_type": "mining_rights"}).json()["count"] == 0
    assert client.get(BASE, {"method": "online_bidding"}).json()["count"] == 0
    assert client.get(BASE, {"status": "deal"}).json()["count"] == 0
    assert client.get(BASE, {"page": 0}).status_code == 422


def test_the_detail_gives_the_state_the_server_time_and_the_next_minimum(world, traveller):
    client = Client()
    before = client.get(_url(world)).json()
    assert (before["phase"], before["last_seq"], before["leader_bid_number"]) == ("scheduled", 0, None)
    assert before["server_now"] == NOW.isoformat()
    assert (before["minimum_bid_fen"], before["result"]) == (START_PRICE, None)
    assert before["countdown_seconds"] == 5 * 60
    assert client.get(f"{BASE}/{world.sale.pk + 1000}").status_code == 404

    _open(traveller)
    assert _bid(world, world.bidders[1], START_PRICE, "b-1").status_code == 201
    during = client.get(_url(world)).json()
    assert during["server_now"] == (START + H).isoformat()
    assert (during["phase"], during["price_fen"]) == ("listing", START_PRICE)
    assert during["leader_bid_number"] == world.registrations[1].bid_number
    assert during["last_seq"] == SaleEvent.objects.filter(sale=world.sale).count() == 2
    assert during["ends_at"] == LISTING_END.isoformat()
    assert during["minimum_bid_fen"] == START_PRICE + INCREMENT
    assert during["minimum_bid_fen"] == services._state(sale(world)).minimum_bid_fen()


def test_the_event_log_is_read_in_order_after_a_sequence_number(world, traveller):
    _open(traveller)
    assert _bid(world, world.bidders[0], START_PRICE, "a-1").status_code == 201
    assert _bid(world, world.bidders[1], START_PRICE + INCREMENT, "b-1").status_code == 201
    client = Client()
    events = client.get(_url(world, "/events")).json()
    stored = SaleEvent.objects.filter(sale=world.sale).order_by("seq")
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert [(e["seq"], e["kind"], e["payload"]) for e in events] == [(s.seq, s.kind, s.payload) for s in stored]
    assert events[0]["occurred_at"] == START.isoformat()
    assert events[0]["payload"]["after"] == "listing"
    assert [e["seq"] for e in client.get(_url(world, "/events"), {"after": 1}).json()] == [2, 3]
    assert [e["seq"] for e in client.get(_url(world, "/events"), {"after": 1, "limit": 1}).json()] == [2]
    assert client.get(_url(world, "/events"), {"after": 3}).json() == []
    for bad in ({"after": -1}, {"limit": 0}, {"limit": 1001}, {"after": "x"}):
        assert client.get(_url(world, "/events"), bad).status_code == 422, bad
    assert client.get(f"{BASE}/{world.sale.pk + 1000}/events").status_code == 404


def test_event_payloads_name_bidders_by_bid_number_only(world, traveller):
    _open(traveller)
    assert _bid(world, world.bidders[0], START_PRICE, "a-1").status_code == 201
    assert _bid(world, world.bidders[1], HIGH_BID, "b-1").status_code == 201
    _open(traveller, LISTING_END)  # closes: no reserve on file, the result is announced at once
    response = Client().get(_url(world, "/events"))
    events = response.json()
    numbers = [r.bid_number for r in world.registrations]
    bids = [e["payload"] for e in events if e["kind"] == "bid_accepted"]
    assert [p["bid_number"] for p in bids] == numbers
    closed = next(e["payload"] for e in events if e["kind"] == "closed")
    assert closed["outcome"]["bid_number"] == numbers[1]
    text = _text(response)
    assert not _mentions(text, _identities(world))
    assert "organization" not in text


# ---------------------------------------------------------------- bids


def test_a_bid_is_acknowledged_and_a_retry_with_its_key_returns_the_same_ack(world, traveller):
    _open(traveller)
    bidder, registration = world.bidders[0], world.registrations[0]
    first = _bid(world, bidder, START_PRICE, "a-1")
    assert first.status_code == 201, first.content
    ack = first.json()
    stored = SaleBid.objects.get(sale=world.sale)
    assert ack == {
        "bid_number": registration.bid_number,
        "amount_fen": START_PRICE,
        "seq": stored.seq,
        "accepted_at": (START + H).isoformat(),
        "duplicate": False,
    }
    traveller.move_to(START + 2 * H)  # the response was lost; the tool retries later
    written = _written(world)
    again = _bid(world, bidder, START_PRICE, "a-1")
    assert again.status_code == 200
    assert again.json() == {**ack, "duplicate": True}
    assert _written(world) == written
    _open(traveller, LISTING_END)
    assert sale(world).status == "deal"
    after_close = _bid(world, bidder, START_PRICE, "a-1")
    assert (after_close.status_code, after_close.json()) == (200, {**ack, "duplicate": True})


def test_a_bid_before_the_start_is_refused_and_writes_nothing(world, traveller):
    traveller.move_to(START - dt.timedelta(seconds=1))
    written = _written(world)
    _assert_refused(_bid(world, world.bidders[0], START_PRICE, "a-1"), 409, "not_started")
    assert _written(world) == written


def test_too_low_and_equal_bids_are_refused_with_the_engine_code(world, traveller):
    _open(traveller)
    a, b = world.bidders
    written = _written(world)
    _assert_refused(_bid(world, a, START_PRICE - 1, "a-0"), 409, "below_start_price")
    assert _written(world) == written
    assert _bid(world, a, START_PRICE, "a-1").status_code == 201
    written = _written(world)
    for amount, key in ((START_PRICE, "b-equal"), (START_PRICE + INCREMENT - 1, "b-short")):
        response = _bid(world, b, amount, key)
        _assert_refused(response, 409, "below_increment")
        assert response.json()["detail"][0]["field"] == "amount_fen"
    assert _written(world) == written
    assert _bid(world, b, START_PRICE + INCREMENT, "b-short").status_code == 201  # a refused key may be retried


def test_a_bid_after_the_close_is_refused(world, traveller):
    _open(traveller, LISTING_END)
    assert sale(world).phase == "closed"
    written = _written(world)
    _assert_refused(_bid(world, world.bidders[0], START_PRICE, "a-1"), 409, "closed")
    assert _written(world) == written


def test_a_key_reused_for_another_bid_is_unprocessable(world, traveller):
    _open(traveller)
    assert _bid(world, world.bidders[0], START_PRICE, "k").status_code == 201
    written = _written(world)
    response = _bid(world, world.bidders[0], START_PRICE + INCREMENT, "k")
    _assert_refused(response, 422, "key_reused")
    assert response.json()["detail"][0]["field"] == "key"
    _assert_refused(_bid(world, world.bidders[1], START_PRICE + INCREMENT, "k"), 422, "key_reused")
    assert _written(world) == written


@pytest.mark.parametrize(
    "body",
    [
        {"amount_fen": str(START_PRICE), "key": "x"},
        {"amount_fen": START_PRICE + 0.5, "key": "x"},
        {"amount_fen": float(START_PRICE), "key": "x"},
        {"amount_fen": True, "key": "x"},
        {"amount_fen": 0, "key": "x"},
        {"amount_fen": -START_PRICE, "key": "x"},
        {"amount_fen": 2**63, "key": "x"},
        {"amount_fen": START_PRICE},
        {"amount_fen": START_PRICE, "key": ""},
        {"amount_fen": START_PRICE, "key": "k" * 101},
    ],
)
def test_malformed_bids_are_unprocessable(world, traveller, body):
    _open(traveller)
    written = _written(world)
    response = _post(_as(world.bidders[0]), _url(world, "/bids"), body)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "validation_error"
    assert _written(world) == written


def test_only_a_qualified_bidder_may_bid(world, traveller):
    applied = make_user(Role.BIDDER)
    services.registration_apply(actor=applied, sale=world.sale)
    unpaid = make_user(Role.BIDDER)
    registration = services.registration_apply(actor=unpaid, sale=world.sale)
    services.registration_review(actor=world.staff, registration=registration, approve=True)
    seller_side_bidder = make_user(Role.BIDDER, org=world.seller.organization)
    stranger = make_user(Role.BIDDER)
    _open(traveller)
    written = _written(world)
    for user in (stranger, applied, seller_side_bidder, world.seller, world.staff):
        response = _bid(world, user, START_PRICE, "x")
        assert response.status_code == 403, (user, response.content)
        assert response.json()["error"] == "permission_denied"
    _assert_refused(_bid(world, unpaid, START_PRICE, "x"), 403, "not_qualified")
    anonymous = _post(Client(), _url(world, "/bids"), {"amount_fen": START_PRICE, "key": "x"})
    assert anonymous.status_code == 401
    assert _written(world) == written
    assert _bid(world, world.bidders[0], START_PRICE, "x").status_code == 201  # the same request, qualified


def test_the_bid_endpoint_takes_the_session_with_its_csrf_token(world, traveller):
    """What a bidder tool does: sign in, keep the cookies, send the CSRF cookie back as a header."""
    _open(traveller)
    user = world.bidders[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    session = client.session
    session[GENERATION_KEY] = user.session_generation
    session[LAST_SEEN_KEY] = int(clock.now().timestamp())
    session.save()
    body = {"amount_fen": START_PRICE, "key": "tool-1"}
    assert _post(client, _url(world, "/bids"), body).status_code == 403
    assert not SaleBid.objects.exists()
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(_url(world, "/bids"), body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------- registrations


def test_a_bidder_registers_and_learns_its_bid_number_alone(world):
    newcomer = make_user(Role.BIDDER)
    mine = _url(world, "/registration")
    assert _as(newcomer).get(mine).status_code == 404
    applied = _post(_as(newcomer), _url(world, "/registrations"))
    assert applied.status_code == 201, applied.content
    assert applied.json()["status"] == "applied"
    assert (applied.json()["bid_number"], applied.json()["qualified"]) == (None, False)
    _assert_refused(_post(_as(newcomer), _url(world, "/registrations")), 409, "conflict")
    assert Registration.objects.filter(organization=newcomer.organization).count() == 1
    assert _post(_as(world.seller), _url(world, "/registrations")).status_code == 403
    assert _post(Client(), _url(world, "/registrations")).status_code == 401

    registration = Registration.objects.get(organization=newcomer.organization)
    applicants = _as(world.staff).get(_url(world, "/registrations"))
    assert applicants.status_code == 200
    assert _mentions(_text(applicants), [newcomer.organization.name])  # the center reviews it
    assert not [r.bid_number for r in world.registrations if r.bid_number in _text(applicants)]
    assert not _mentions(_text(_as(world.seller).get(_url(world, "/registrations"))), [newcomer.organization.name])
    for outsider in (newcomer, world.bidders[0], make_user(Role.OWNER)):
        assert _as(outsider).get(_url(world, "/registrations")).status_code == 403

    review = _url(world, f"/registrations/{registration.pk}/review")
    assert _post(_as(make_user(Role.OWNER)), review, {"approve": True}).status_code == 403
    assert _post(_as(newcomer), review, {"approve": True}).status_code == 403
    assert _post(_as(world.seller), review, {"approve": True}).status_code == 403
    reviewed = _post(_as(world.staff), review, {"approve": True})
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "approved" and reviewed.json()["bid_number"] is None
    assert reviewed.json()["organization_name"] == newcomer.organization.name
    registration.refresh_from_db()
    assert registration.bid_number not in _text(reviewed)
    _assert_refused(_post(_as(world.staff), review, {"approve": False}), 409, "conflict")

    own = _as(newcomer).get(mine).json()
    assert (own["status"], own["bid_number"]) == ("approved", registration.bid_number)
    assert (own["deposit_confirmed"], own["qualified"]) == (False, False)
    assert _as(world.bidders[0]).get(mine).json()["bid_number"] == world.registrations[0].bid_number

    deposit = _url(world, f"/registrations/{registration.pk}/deposit")
    assert _post(_as(world.seller), deposit).status_code == 403
    assert _post(_as(newcomer), deposit).status_code == 403
    confirmed = _post(_as(world.staff), deposit)
    assert confirmed.status_code == 200 and confirmed.json()["deposit_confirmed"] is True
    own = _as(newcomer).get(mine).json()
    assert (own["deposit_confirmed"], own["qualified"]) == (True, True)
    other = world.registrations[0]
    assert _post(_as(world.staff), f"{BASE}/{world.sale.pk}/registrations/{other.pk + 999}/deposit").status_code == 404


def test_a_rejected_application_gets_no_bid_number(world):
    newcomer = make_user(Role.BIDDER)
    assert _post(_as(newcomer), _url(world, "/registrations")).status_code == 201
    registration = Registration.objects.get(organization=newcomer.organization)
    response = _post(_as(world.staff), _url(world, f"/registrations/{registration.pk}/review"), {"approve": False})
    assert response.json()["status"] == "rejected"
    assert _as(newcomer).get(_url(world, "/registration")).json()["bid_number"] is None
    refused = _post(_as(world.staff), _url(world, f"/registrations/{registration.pk}/deposit"))
    _assert_refused(refused, 409, "conflict")


# ---------------------------------------------------------------- who reviews, who sees whom


def _names(registrations: list[Registration]) -> list[str]:
    return [part for r in registrations for part in (r.organization.name, r.organization.uscc)]


def _numbers(registrations: list[Registration]) -> list[str]:
    return [r.bid_number for r in registrations if r.bid_number]


def _applications(user: Any, world: World) -> tuple[list[dict[str, Any]], str]:
    response = _as(user).get(_url(world, "/registrations"))
    assert response.status_code == 200, response.content
    return response.json(), _text(response)


def test_the_seller_side_cannot_review_an_application(world):
    newcomer = make_user(Role.BIDDER)
    registration = services.registration_apply(actor=newcomer, sale=world.sale)
    client = _as(world.seller)
    written = WitnessEvent.objects.count()
    refused = _post(client, _url(world, f"/registrations/{registration.pk}/review"), {"approve": True})
    assert refused.status_code == 403, refused.content
    assert refused.json() == {"error": "permission_denied", "detail": "只有交易中心工作人员可以审核竞买申请。"}
    registration.refresh_from_db()
    assert (registration.status, registration.bid_number, registration.reviewed_at) == ("applied", "", None)
    assert WitnessEvent.objects.count() == written


@pytest.mark.parametrize("deal", [True, False], ids=["deal", "no_deal"])
def test_the_seller_side_sees_applications_anonymously_until_the_result(world, traveller, deal):
    newcomer = make_user(Role.BIDDER)
    services.registration_apply(actor=newcomer, sale=world.sale)  # not reviewed yet
    applied = [*world.registrations, Registration.objects.get(organization=newcomer.organization)]

    def assert_anonymous_to_the_seller() -> None:
        items, text = _applications(world.seller, world)
        # the anonymous facts: how many, in which order, when, the status, the deposit
        assert [(i["id"], i["status"], i["deposit_confirmed"]) for i in items] == [
            (r.pk, r.status, r.deposit_confirmed_at is not None) for r in applied
        ]
        assert [i["applied_at"] for i in items] == [clock.local(r.applied_at).isoformat() for r in applied]
        hidden = {(i["organization_name"], i["organization_uscc"], i["bid_number"]) for i in items}
        assert hidden == {(None, None, None)}
        assert not _mentions(text, _names(applied) + _numbers(applied))
        # the center reviews them by name, without the bid numbers
        items, text = _applications(world.staff, world)
        assert [i["organization_name"] for i in items] == [r.organization.name for r in applied]
        assert _mentions(text, _names(applied)) == _names(applied)
        assert not _mentions(text, _numbers(applied)) and {i["bid_number"] for i in items} == {None}

    assert_anonymous_to_the_seller()
    _open(traveller)
    if deal:
        assert _bid(world, world.bidders[0], START_PRICE, "a-1").status_code == 201
        assert _bid(world, world.bidders[1], HIGH_BID, "b-1").status_code == 201
    assert_anonymous_to_the_seller()

    _open(traveller, LISTING_END)
    assert sale(world).status == ("deal" if deal else "no_deal")
    assert len(_numbers(applied)) == 2  # the newcomer was never reviewed: no number
    for user in (world.seller, world.staff):
        items, _seen_text = _applications(user, world)
        seen = {(i["organization_name"], i["organization_uscc"], i["bid_number"]) for i in items}
        assert seen == {(r.organization.name, r.organization.uscc, r.bid_number or None) for r in applied}, user


def test_a_bidder_sees_no_other_bidder(world, traveller):
    a, b = world.bidders
    ra, rb = world.registrations

    def seen_by(user: Any) -> str:
        client = _as(user)
        assert client.get(_url(world, "/registrations")).status_code == 403
        texts = [_text(client.get(url)) for url in (BASE, _url(world), _url(world, "/events"))]
        own = client.get(_url(world, "/registration"))
        assert own.json()["bid_number"] == (ra if user == a else rb).bid_number
        return "\n".join([*texts, _text(own)])

    _open(traveller)
    assert _bid(world, a, START_PRICE, "a-1").status_code == 201
    assert _bid(world, b, HIGH_BID, "b-1").status_code == 201
    assert not _mentions(seen_by(a), _names([rb]))
    assert not _mentions(seen_by(b), _names([ra]))
    _open(traveller, LISTING_END)
    assert sale(world).winner == rb
    assert not _mentions(seen_by(b), _names([ra]))  # the loser stays anonymous to the winner
    assert _mentions(seen_by(a), _names([rb])) == [b.organization.name]  # the winner is public, its code is not


# ---------------------------------------------------------------- the center's freeze and resumption


def test_the_center_freezes_and_resumes_trading(world, traveller):
    _open(traveller)
    a, b = world.bidders
    assert _bid(world, a, START_PRICE, "a-1").status_code == 201
    for user in (world.seller, a):
        assert _post(_as(user), _url(world, "/freeze")).status_code == 403
    assert _post(Client(), _url(world, "/freeze")).status_code == 401
    frozen = _post(_as(world.staff), _url(world, "/freeze"), {"reason": "网络故障"})
    assert frozen.status_code == 200, frozen.content
    assert frozen.json()["phase"] == "frozen"
    assert frozen.json()["minimum_bid_fen"] == START_PRICE + INCREMENT == services._state(sale(world)).minimum_bid_fen()
    _assert_refused(_post(_as(world.staff), _url(world, "/freeze")), 409, "not_running")
    written = _written(world)
    _assert_refused(_bid(world, b, START_PRICE + INCREMENT, "b-1"), 409, "frozen")
    assert _written(world) == written
    event = Client().get(_url(world, "/events"), {"after": 2}).json()[0]
    assert (event["kind"], event["payload"]["reason"]) == ("frozen", "网络故障")

    traveller.move_to(START + H + dt.timedelta(minutes=10))
    assert _post(_as(a), _url(world, "/resume")).status_code == 403
    past = (clock.now() - dt.timedelta(minutes=1)).isoformat()
    _assert_refused(_post(_as(world.staff), _url(world, "/resume"), {"resume_at": past}), 422, "resume_in_past")
    naive = {"resume_at": "2026-03-23T11:00:00"}
    assert _post(_as(world.staff), _url(world, "/resume"), naive).status_code == 422
    resumed = _post(_as(world.staff), _url(world, "/resume"))
    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["phase"] == "listing"
    assert resumed.json()["ends_at"] == (LISTING_END + dt.timedelta(minutes=10)).isoformat()
    assert _bid(world, b, START_PRICE + INCREMENT, "b-1").status_code == 201
    _assert_refused(_post(_as(world.staff), _url(world, "/resume")), 409, "not_frozen")


def test_the_center_adjusts_the_increments_and_the_detail_shows_those_in_force(world, traveller):
    _open(traveller)
    a, b = world.bidders
    assert _bid(world, a, START_PRICE, "a-1").status_code == 201
    body = {"increment_fen": 3 * INCREMENT}
    for user in (world.seller, a):
        assert _post(_as(user), _url(world, "/increments"), body).status_code == 403
    assert _post(Client(), _url(world, "/increments"), body).status_code == 401
    assert _post(_as(world.staff), _url(world, "/increments"), {"increment_fen": 0}).status_code == 422
    adjusted = _post(_as(world.staff), _url(world, "/increments"), body)
    assert adjusted.status_code == 200, adjusted.content
    detail = adjusted.json()
    assert (detail["increment_fen"], detail["timed_increment_fen"]) == (3 * INCREMENT, 3 * INCREMENT)
    assert detail["minimum_bid_fen"] == START_PRICE + 3 * INCREMENT
    listed = Client().get(BASE).json()
    published = next(item for item in listed["items"] if item["id"] == detail["id"])
    assert published["increment_fen"] == INCREMENT  # the list shows the terms as published
    _assert_refused(_post(_as(world.staff), _url(world, "/increments"), body), 409, "increments_unchanged")
    _assert_refused(_bid(world, b, START_PRICE + INCREMENT, "b-1"), 409, "below_increment")
    assert _bid(world, b, START_PRICE + 3 * INCREMENT, "b-2").status_code == 201
    event = Client().get(_url(world, "/events"), {"after": detail["last_seq"] - 1}).json()[0]
    assert event["kind"] == "increments_changed"
    assert event["payload"] == {"increment_fen": 3 * INCREMENT, "timed_increment_fen": 3 * INCREMENT}


# ---------------------------------------------------------------- the reserve and the result


def test_public_reads_show_no_identity_and_no_reserve_until_the_result(world, traveller, tmp_path):
    envelope, content_key = _seal_reserve(world, tmp_path / "reserve", RESERVE)
    reserve_url = _url(world, "/reserve")
    with envelope.open("rb") as handle:
        assert _as(make_user(Role.OWNER)).post(reserve_url, {"envelope": handle}).status_code == 403
    assert _as(world.seller).post(reserve_url, {}).status_code == 422
    with envelope.open("rb") as handle:
        submitted = _as(world.seller).post(reserve_url, {"envelope": handle})
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["commitment"] == SaleReserve.objects.get(sale=world.sale).commitment
    secrets = [str(RESERVE), f"{RESERVE / 100:.2f}"]

    def assert_sealed() -> str:
        text = _public_text(world)
        assert not _mentions(text, _identities(world))
        assert not [item for item in secrets if item in text]
        return text

    assert_sealed()
    _open(traveller)
    assert _bid(world, world.bidders[0], START_PRICE, "a-1").status_code == 201
    assert _bid(world, world.bidders[1], HIGH_BID, "b-1").status_code == 201
    text = assert_sealed()
    assert world.registrations[1].bid_number in text  # the walk does read the bids
    key_url = _url(world, "/reserve/content-key")
    _assert_refused(_post(_as(world.seller), key_url, {"content_key": content_key}), 409, "conflict")

    _open(traveller, LISTING_END)
    waiting = Client().get(_url(world)).json()
    assert (waiting["status"], waiting["phase"], waiting["result"]) == ("awaiting_reserve", "closed", None)
    assert waiting["minimum_bid_fen"] is None
    assert_sealed()
    _items, seller_view = _applications(world.seller, world)
    assert not _mentions(seller_view, _names(world.registrations) + _numbers(world.registrations))
    assert _post(_as(make_user(Role.OWNER)), key_url, {"content_key": content_key}).status_code == 403
    assert _post(_as(world.bidders[1]), key_url, {"content_key": content_key}).status_code == 403

    opened = _post(_as(world.seller), key_url, {"content_key": content_key})
    assert opened.status_code == 200, opened.content
    detail = Client().get(_url(world)).json()
    assert detail["status"] == "deal"
    assert detail["result"] == {
        "closed_at": LISTING_END.isoformat(),
        "deal": True,
        "deal_price_fen": HIGH_BID,
        "winner_bid_number": world.registrations[1].bid_number,
        "winner_name": world.bidders[1].organization.name,
        "no_deal_reason": None,
        "reserve_fen": RESERVE,
    }
    text = _public_text(world)
    loser = world.bidders[0].organization
    assert not _mentions(text, [loser.name, loser.uscc])  # the loser stays anonymous
    assert _mentions(text, [world.bidders[1].organization.name])


def test_a_sale_without_bids_closes_without_a_deal(world, traveller):
    _open(traveller, LISTING_END)
    detail = Client().get(_url(world)).json()
    assert (detail["status"], detail["minimum_bid_fen"], detail["leader_bid_number"]) == ("no_deal", None, None)
    assert detail["result"] == {
        "closed_at": LISTING_END.isoformat(),
        "deal": False,
        "deal_price_fen": None,
        "winner_bid_number": None,
        "winner_name": None,
        "no_deal_reason": "no_bid",
        "reserve_fen": None,
    }
    assert Client().get(BASE, {"status": "no_deal"}).json()["count"] == 1
