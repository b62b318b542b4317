"""The negotiated deal of a state-property transfer (issue 7 item 4; 企业国有资产法 art. 54,
rules-cn.md §5): with exactly one qualified transferee there is no bidding, and trading-center staff
record the price agreed at no less than the floor before bidding would start. The result then
follows as for any deal: the deal notice with the premium rate, the deal confirmation, earnest money
and refunds. Refused: below the floor, two qualified transferees, a land sale, applications still
to review, the disclosure period still running, bidding started, anyone but the center; through the
service, the center's desk and the API."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ggzy.accounts.choices import Role, Sector
from ggzy.auctions import engine, results, services
from ggzy.auctions.models import DealConfirmation, Registration, Sale, SaleEvent
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.rules import selectors as rules_selectors
from ggzy.rules.models import RuleParameter
from ggzy.witness.models import WitnessEvent

from .helpers import (
    INCREMENT,
    NOW,
    TIMED_INCREMENT,
    World,
    create_listing,
    land_world,
    qualified_bidders,
    sale,
    sale_world,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 4, 7, 9, 0, tzinfo=NOW.tzinfo)  # ≥ 20 working days after NOW (the disclosure)
END = dt.datetime(2026, 4, 24, 15, 0, tzinfo=NOW.tzinfo)
BEFORE_START = START - dt.timedelta(hours=1)  # the disclosure has run, bidding has not started
VALUATION = 100_000_000  # 100万元
FLOOR = 90_000_000  # 90 % of the valuation: no approval needed
DEPOSIT = 10_000_000
PRICE = 95_000_000  # premium (95 − 90) / 90 = 5.555… % → 5.56 %


@pytest.fixture
def property_rules() -> None:
    """State-property listing rows may not be in the seed yet: any `listing.*` key the scope lacks
    is copied from the land-use listing, so the test runs with or without them."""
    for row in RuleParameter.objects.filter(trade_type=TradeType.LAND_USE, method=ProcurementMethod.LISTING):
        try:
            rules_selectors.rule_get(
                row.key, trade_type=TradeType.STATE_PROPERTY, method=ProcurementMethod.LISTING, on=NOW.date()
            )
        except rules_selectors.RuleMissing:
            row.pk = None
            row.trade_type = TradeType.STATE_PROPERTY
            row.save()


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _property_world() -> World:
    return sale_world(
        trade_type=TradeType.STATE_PROPERTY,
        name="某国有企业股权转让",
        sector=Sector.STATE_ASSETS,
        category="E",
        budget_fen=VALUATION,
        funding_source="国有产权转让",
        lot_name="100%股权",
    )


def _property_sale(world: World) -> Sale:
    world.sale = services.sale_create(
        actor=world.seller,
        lot=world.lot,
        method="listing",
        start_price_fen=FLOOR,
        increment_fen=INCREMENT,
        timed_increment_fen=TIMED_INCREMENT,
        start_at=START,
        listing_end=END,
        deposit_fen=DEPOSIT,
        valuation_fen=VALUATION,
    )
    return world.sale


def _world(qualified: int = 1) -> World:
    world = _property_world()
    _property_sale(world)
    qualified_bidders(world, qualified)
    return world


def _written(world: World) -> tuple[Any, ...]:
    """What a refused negotiation must leave as it was."""
    row = sale(world)
    return (
        (row.status, row.phase, row.last_seq, row.winner_id, row.deal_price_fen, row.closed_at),
        SaleEvent.objects.filter(sale=row).count(),
        Notice.objects.count(),
        DealConfirmation.objects.count(),
        WitnessEvent.objects.count(),
        Notification.objects.count(),
        list(Registration.objects.filter(sale=row).values_list("earnest_money_at", "refund_due").order_by("pk")),
    )


def _refused(world: World, actor: Any, amount_fen: int, code: str) -> str:
    before = _written(world)
    with pytest.raises(ValidationError) as caught:
        services.sale_negotiate(actor=actor, sale=sale(world), amount_fen=amount_fen)
    assert caught.value.code == code
    assert _written(world) == before
    message = caught.value.messages[0]
    assert re.search(r"[\u4e00-\u9fff]", message)
    return message


def _notice(sale_obj: Sale, fact: str) -> Notice:
    return Notice.objects.get(source=f"auctions:sale:{sale_obj.pk}:{fact}")


# ---------------------------------------------------------------- the service


def test_one_qualified_transferee_gets_a_negotiated_deal_at_no_less_than_the_floor(property_rules, traveller):
    world = _property_world()
    _property_sale(world)
    qualified_bidders(world, 1)
    # A second applicant paid its deposit but was not admitted: its deposit is refunded at the result.
    outsider = make_user(Role.BIDDER)
    rejected = services.registration_apply(actor=outsider, sale=sale(world))
    services.deposit_confirm(actor=world.staff, registration=rejected)
    services.registration_review(actor=world.staff, registration=rejected, approve=False)
    transferee = world.registrations[0]
    for user, email in ((world.seller, "seller@example.cn"), (world.bidders[0], "transferee@example.cn")):
        user.email = email
        user.save(update_fields=["email"])
    traveller.move_to(BEFORE_START)

    message = _refused(world, world.staff, FLOOR - 1, "below_floor")
    assert message == "协议成交价不得低于转让底价900,000.00元。"
    with pytest.raises(ValidationError) as caught:
        services.sale_negotiate(actor=world.staff, sale=sale(world), amount_fen=0)
    assert "amount_fen" in caught.value.message_dict

    negotiated = services.sale_negotiate(actor=world.staff, sale=sale(world), amount_fen=PRICE)
    closed = sale(world)
    assert negotiated.pk == closed.pk
    assert (closed.status, closed.phase, closed.winner, closed.deal_price_fen) == (
        "deal",
        "closed",
        transferee,
        PRICE,
    )
    assert (closed.closed_at, closed.price_fen, closed.reserve_fen) == (BEFORE_START, None, None)
    assert closed.premium_rate_percent == Decimal("5.56") == results.premium_rate(closed)
    assert closed.publicity_ends_at is not None  # property.deal_publicity_min_working_days

    # The log: scheduled → closed, then the result with the floor and no bid behind the deal.
    events = list(SaleEvent.objects.filter(sale=closed).order_by("seq"))
    assert [e.kind for e in events][-2:] == ["phase_changed", "closed"]
    assert events[-2].payload["before"] == "scheduled" and events[-2].payload["after"] == "closed"
    assert events[-1].payload == {
        "outcome": {"deal": True, "bid_number": transferee.bid_number, "price_fen": PRICE, "bid_seq": None},
        "reserve_fen": FLOOR,
    }
    witnessed = WitnessEvent.objects.filter(action="auctions.sale_negotiated").get()
    assert witnessed.actor_id == world.staff.pk
    assert (witnessed.after["amount_fen"], witnessed.after["floor_fen"]) == (PRICE, FLOOR)
    last = WitnessEvent.objects.order_by("-seq").first()
    assert last is not None and last.action == "auctions.sale_negotiated"  # the witness event comes last

    # The deal notice, as for a deal by bidding, with the price and the premium rate.
    notice = _notice(closed, "result")
    assert notice.notice_type == "deal" and notice.title.endswith("100%股权 成交公示")
    for expected in (
        f"竞得人（受让方）：{transferee.organization.name}",
        "起始价：900,000.00元；成交价：950,000.00元；溢价率：5.56%",
        "评估值：1,000,000.00元；转让底价：900,000.00元",
        "公示期：",
        world.lot.project.supervisor.name,
    ):
        assert expected in notice.body, expected
    assert "保留价：" not in notice.body  # the floor is not a sealed reserve
    assert "仅有一个符合条件的意向受让方，经协议于" in notice.body  # not "以挂牌方式公开交易"
    assert "公开交易" not in notice.body
    assert outsider.organization.name not in notice.body

    # The confirmation, signed by both sides; the deposits: earnest money and a refund.
    confirmation = DealConfirmation.objects.get(sale=closed)
    assert "成交价：950,000.00元；溢价率：5.56%" in confirmation.text
    assert "交易方式：协议成交（仅有一个符合条件的意向受让方）" in confirmation.text
    assert transferee.organization.name in confirmation.text
    assert Notification.objects.filter(topic=f"auctions.confirmation:{closed.pk}:{world.seller.pk}").exists()
    assert Notification.objects.filter(topic=f"auctions.confirmation:{closed.pk}:{world.bidders[0].pk}").exists()
    rows = {r.pk: r for r in Registration.objects.filter(sale=closed)}
    assert (rows[transferee.pk].earnest_money_at, rows[transferee.pk].refund_due) == (BEFORE_START, None)
    assert rows[rejected.pk].refund_due is not None and rows[rejected.pk].earnest_money_at is None
    results.confirmation_sign(actor=world.seller, sale=closed)
    results.confirmation_sign(actor=world.bidders[0], sale=closed)
    confirmation.refresh_from_db()
    assert confirmation.signed_at == BEFORE_START

    # Once only; a replay of the log (another process) gives the same state, and bids are refused.
    _refused(world, world.staff, PRICE, "bidding_started")
    services._LATEST.clear()
    services._COMMITTED.clear()
    state = services._state(sale(world))
    assert state.last_seq == closed.last_seq and state.phase == engine.Phase.CLOSED
    assert state.result == engine.Deal(bidder=transferee.bid_number, price_fen=PRICE, bid_seq=None, negotiated=True)
    with pytest.raises(ValidationError) as bid:
        services.sale_bid(actor=world.bidders[0], sale=sale(world), amount_fen=PRICE + INCREMENT, key="late")
    assert bid.value.code == "closed"
    # The tick job left for the start finds the result already recorded.
    traveller.move_to(START)
    jobs_services.run_due_jobs()
    assert sale(world).status == "deal" and sale(world).last_seq == closed.last_seq


def test_the_floor_itself_is_enough(property_rules, traveller):
    world = _world()
    traveller.move_to(BEFORE_START)
    services.sale_negotiate(actor=world.staff, sale=sale(world), amount_fen=FLOOR)
    closed = sale(world)
    assert (closed.status, closed.deal_price_fen, closed.premium_rate_percent) == ("deal", FLOOR, Decimal("0.00"))


def test_two_qualified_transferees_must_bid_and_none_cannot_deal(property_rules, traveller):
    world, empty = _world(qualified=2), _world(qualified=0)
    traveller.move_to(BEFORE_START)
    message = _refused(world, world.staff, PRICE, "not_single_transferee")
    assert "企业国有资产法第五十四条" in message
    _refused(empty, empty.staff, PRICE, "not_single_transferee")


def test_a_land_sale_is_not_negotiable(traveller):
    world = land_world()
    create_listing(world)
    qualified_bidders(world, 1)
    traveller.move_to(BEFORE_START - dt.timedelta(days=20))  # before the land listing starts
    assert "国有产权转让" in _refused(world, world.staff, 200_000_000, "not_negotiable")


def test_not_while_applications_await_review_nor_during_the_disclosure_nor_once_bidding_started(
    property_rules, traveller
):
    world = _world()
    # The formal disclosure (20 working days from the notice) is still running.
    traveller.move_to(NOW + dt.timedelta(days=1))
    assert "2026-" in _refused(world, world.staff, PRICE, "disclosure_running")
    # An application not yet reviewed may be a second transferee.
    traveller.move_to(BEFORE_START)
    pending = services.registration_apply(actor=make_user(Role.BIDDER), sale=sale(world))
    _refused(world, world.staff, PRICE, "applications_pending")
    services.registration_review(actor=world.staff, registration=pending, approve=False)
    # Bidding has started: the listing runs with its one bidder.
    traveller.move_to(START)
    jobs_services.run_due_jobs()
    _refused(world, world.staff, PRICE, "bidding_started")


def test_only_the_center_records_a_negotiated_deal(property_rules, traveller):
    world = _world()
    traveller.move_to(BEFORE_START)
    strangers = [world.seller, world.bidders[0], make_user(Role.SUPERVISOR), make_user(Role.AGENT)]
    before = _written(world)
    for user in strangers:
        with pytest.raises(PermissionDenied):
            services.sale_negotiate(actor=user, sale=sale(world), amount_fen=PRICE)
    assert _written(world) == before


# ---------------------------------------------------------------- the center's desk


def _page_url(name: str, sale_obj: Sale) -> str:
    return reverse(f"auctions:{name}", kwargs={"pk": sale_obj.pk})


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_the_center_records_the_negotiated_deal_on_its_desk(property_rules, traveller):
    world = _world()
    listing = sale(world)
    operate, negotiate = _page_url("operate", listing), _page_url("negotiate", listing)
    traveller.move_to(BEFORE_START)
    page = signed_in_client(world.staff).get(operate).content.decode()
    assert "录入协议成交" in page and world.registrations[0].organization.name in page
    assert negotiate in page

    for user in (world.seller, world.bidders[0]):
        assert signed_in_client(user).post(negotiate, {"amount": "950000"}).status_code == 403
    anonymous = Client().post(negotiate, {"amount": "950000"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    before = _written(world)
    low = signed_in_client(world.staff).post(negotiate, {"amount": "899999.99"}, follow=True)
    assert "协议成交价不得低于转让底价900,000.00元。" in _messages(low)
    assert _written(world) == before
    bad = signed_in_client(world.staff).post(negotiate, {"amount": "abc"}, follow=True)
    assert "请填写正确的协议成交价（元）。" in _messages(bad)
    assert _written(world) == before

    done = signed_in_client(world.staff).post(negotiate, {"amount": "950000"}, follow=True)
    assert done.redirect_chain[-1][0] == operate
    assert any("已录入协议成交：成交价 950,000.00 元" in message for message in _messages(done))
    closed = sale(world)
    assert (closed.status, closed.deal_price_fen) == ("deal", PRICE)
    assert "录入协议成交" not in signed_in_client(world.staff).get(operate).content.decode()


def test_the_desk_offers_the_negotiated_deal_only_when_the_sale_qualifies(property_rules, traveller):
    two = _world(qualified=2)
    land = land_world()
    create_listing(land)
    qualified_bidders(land, 1)
    traveller.move_to(BEFORE_START)
    for world in (two, land):
        page = signed_in_client(world.staff).get(_page_url("operate", sale(world))).content.decode()
        assert "录入协议成交" not in page


# ---------------------------------------------------------------- the API


def _api(world: World) -> str:
    return f"/api/v1/auctions/sales/{sale(world).pk}/negotiate"


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_the_api_records_the_negotiated_deal_with_structured_refusals(property_rules, traveller):
    world = _world()
    traveller.move_to(BEFORE_START)
    url = _api(world)
    assert _post(Client(), url, {"amount_fen": PRICE}).status_code == 401
    for user in (world.seller, world.bidders[0]):
        assert _post(signed_in_client(user), url, {"amount_fen": PRICE}).status_code == 403

    before = _written(world)
    low = _post(signed_in_client(world.staff), url, {"amount_fen": FLOOR - 1})
    assert low.status_code == 409, low.content
    assert low.json() == {
        "error": "conflict",
        "detail": [
            {"field": "amount_fen", "code": "below_floor", "message": "协议成交价不得低于转让底价900,000.00元。"}
        ],
    }
    assert _post(signed_in_client(world.staff), url, {"amount_fen": 950000.5}).status_code == 422
    assert _written(world) == before

    done = _post(signed_in_client(world.staff), url, {"amount_fen": PRICE})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["phase"], body["price_fen"], body["minimum_bid_fen"]) == ("deal", "closed", None, None)
    result = body["result"]
    assert (result["deal"], result["deal_price_fen"], result["reserve_fen"]) == (True, PRICE, None)
    # A negotiated deal has no bid behind it: the public log says so with `bid_seq` null.
    closed = Client().get(f"/api/v1/auctions/sales/{sale(world).pk}/events", {"after": body["last_seq"] - 1}).json()
    assert closed[0]["kind"] == "closed" and closed[0]["payload"]["outcome"]["bid_seq"] is None
    assert result["winner_bid_number"] == world.registrations[0].bid_number
    assert result["winner_name"] == world.registrations[0].organization.name

    again = _post(signed_in_client(world.staff), url, {"amount_fen": PRICE})
    assert again.status_code == 409 and again.json()["detail"][0]["code"] == "bidding_started"


def test_the_api_refuses_two_transferees_and_a_land_sale(property_rules, traveller):
    two = _world(qualified=2)
    land = land_world()
    create_listing(land)
    qualified_bidders(land, 1)
    traveller.move_to(BEFORE_START)
    for world, code in ((two, "not_single_transferee"), (land, "not_negotiable")):
        response = _post(signed_in_client(world.staff), _api(world), {"amount_fen": 2 * FLOOR})
        assert response.status_code == 409, response.content
        assert [item["code"] for item in response.json()["detail"]] == [code]
        assert sale(world).status == "open"
